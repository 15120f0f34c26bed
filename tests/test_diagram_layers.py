"""The layer view (one box per layer), and the neuron view's labels when two columns have too many edges."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from scalarnet import Network, files, gallery
from scalarnet.cli import main
from scalarnet.diagram import MAX_LABELLED, STRONGEST, DiagramError, diagram

np = pytest.importorskip("numpy")


def labels(dot: str) -> list[str]:
    return [m.replace("\\n", "\n") for m in re.findall(r'\blabel="((?:[^"\\]|\\.)*)"', dot)]


def test_layer_view_of_the_deep_tutorial_shows_each_layer_once():
    deep = files.load("tutorial-deep")
    dot = diagram(deep, deep.trace([3, 5]), view="layers").source
    boxes = labels(dot)
    assert boxes[0] == "tutorial-deep (2-2-2-1): 15 parameters\\lone pass: output min 182, mean 182.0, max 182\\l"
    assert boxes[1:] == [
        "inputs\n2 values\nvalues: min 3, mean 4.0, max 5",
        "hidden1\n2 neurons, relu\n6 parameters\nvalues: min 0, mean 13.0, max 26\nrelu: 1 of 2 at 0",
        " W 2x2",
        "hidden2\n2 neurons, relu\n6 parameters\nvalues: min 0, mean 13.0, max 26\nrelu: 1 of 2 at 0",
        " W 2x2",
        "output\n1 neuron, identity\n3 parameters\nvalues: min 182, mean 182.0, max 182",
        " W 1x2",
    ]


def test_layer_view_without_a_trace_has_no_values():
    dot = diagram(files.load("tutorial-forward"), view="layers").source
    assert "values:" not in dot and "tutorial-forward (2-2-1): 9 parameters" in dot


@pytest.mark.parametrize("kwargs, match", [
    ({"neuron": "hidden1.node0_0"}, r"neuron= and layer= choose what the ops view shows"),
    ({"layer": "hidden1"}, r"neuron= and layer= choose what the ops view shows"),
], ids=["neuron", "layer"])
def test_layer_view_refuses_ops_options(kwargs, match):
    with pytest.raises(DiagramError, match=match):
        diagram(files.load("tutorial-deep"), view="layers", **kwargs)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=2, max_size=4), st.integers(0, 10**6))
def test_layer_view_numbers_agree_with_numpy(widths, seed):
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-1, 1, (b, a)) for a, b in zip(widths, widths[1:])]
    biases = [rng.uniform(-1, 1, b) for b in widths[1:]]
    net = Network.from_matrices(weights, biases, "relu")
    x = rng.uniform(-1, 1, widths[0])
    boxes = labels(diagram(net, net.trace(x.tolist()), view="layers", digits=None).source)
    assert boxes[0].startswith(f"network ({'-'.join(map(str, widths))}): "
                               f"{sum(w.size + b.size for w, b in zip(weights, biases)):,} parameters")
    a = x
    for k, (w, b) in enumerate(zip(weights, biases), start=1):
        z = w @ a + b
        a = np.maximum(z, 0) if k < len(weights) else z
        box = boxes[2 * k]  # title, inputs, then a box and an edge per layer
        lo, mean, hi = (float(v) for v in re.search(r"min (\S+), mean (\S+), max (\S+)", box).groups())
        assert np.isclose(lo, a.min(), rtol=1e-12, atol=1e-12) and np.isclose(hi, a.max(), rtol=1e-12, atol=1e-12)
        assert np.isclose(mean, a.mean(), rtol=1e-9, atol=1e-12)
        if k < len(weights):
            assert f"relu: {int((z <= 0).sum())} of {len(b)} at 0" in box
        assert boxes[2 * k + 1] == f" W {w.shape[0]}x{w.shape[1]}"


def test_render_view_layers_from_the_command_line(tmp_path, capsys):
    code = main(["render", "tutorial-deep", "--view", "layers", "--format", "dot"])
    out = capsys.readouterr().out
    assert code == 0 and "relu: 1 of 2 at 0" in out
    assert main(["render", "tutorial-deep", "--view", "layers", "--target", "1"]) == 2
    assert "drop --view layers" in capsys.readouterr().err


# -- the neuron view with more edges than can be labelled ------------------------------------------


def test_neuron_view_labels_the_strongest_edges_when_crowded():
    net, x = gallery.large_network((20, 10, 3))
    dot = diagram(net, net.trace(x), threshold=20).source  # 20 x 10 = 200 edges into hidden1
    assert f"only the {STRONGEST} largest |weights| into each neuron are labelled" in dot
    into = [line for line in dot.splitlines() if re.match(r"\s*L0N\d+ -> L1N3 ", line)]
    assert len(into) == 20
    shown = [line for line in into if "xlabel=" in line]
    weights = net.layers[0].neurons[3].weights
    strongest = sorted(range(20), key=lambda i: -abs(weights[i]))[:STRONGEST]
    assert sorted(int(re.match(r"\s*L0N(\d+)", line)[1]) for line in shown) == sorted(strongest)
    # 3 x 10 = 30 edges into the output: every one labelled
    assert sum("label=" in line for line in dot.splitlines() if "-> L2N" in line) == 30


def test_neuron_view_labels_every_edge_up_to_the_limit():
    net, x = gallery.large_network((8, 8, 2))  # 64 edges: not over the limit
    assert 8 * 8 == MAX_LABELLED
    dot = diagram(net, net.trace(x)).source
    assert "largest |weights|" not in dot
    assert sum("xlabel=" in line for line in dot.splitlines() if "-> L1N" in line) == 64

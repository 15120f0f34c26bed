"""Network behaviours mutation testing showed no test pinned (benchmarks/mutation.py network):
the builders' layer and neuron names, the look-ups' messages, the input forms, the repr."""

import io
import os
import sys
from decimal import Decimal

import numpy as np
import pytest

from scalarnet import Activation, InputError, Layer, Network, NetworkError, Neuron, load


def _two_layers_with_n():
    return Network([Layer("a", [Neuron("n", [1])]), Layer("b", [Neuron("n", [2])])])


# --- building -----------------------------------------------------------------------------------

def test_from_tutorial_weights_several_outputs_and_layers():
    net = Network.from_tutorial_weights({"node0": [1], "output_0": [1], "output_1": [2]})
    assert [layer.name for layer in net.layers] == ["hidden1", "output"]
    assert [n.name for n in net.layers[1].neurons] == ["output_0", "output_1"]
    assert net.forward([3]) == [3, 6]
    deep = Network.from_tutorial_weights({"node0_0": [1], "node1_0": [2], "node1_1": [3], "output": [1, 1]},
                                         activation="relu")
    assert [layer.name for layer in deep.layers] == ["hidden1", "hidden2", "output"]
    assert [layer.activation.name for layer in deep.layers] == ["relu", "relu", "identity"]
    assert [[n.name for n in layer.neurons] for layer in deep.layers] == [
        ["node0_0"], ["node1_0", "node1_1"], ["output"]]
    assert deep.forward([3]) == [15]


def test_from_matrices_names_biases_and_activations():
    net = Network.from_matrices(np.array([[[1.0, 2.0], [3.0, 4.0]]]), biases=[np.array([0.5, -0.5])])
    assert [n.name for n in net.layers[0].neurons] == ["output_0", "output_1"]
    out = net.forward([1, 1])
    assert out == [3.5, 6.5] and type(out[0]) is float
    one = Network.from_matrices([[[1, -2]], [[3]]], activations="relu")
    assert [layer.activation.name for layer in one.layers] == ["relu", "identity"]
    assert [n.name for n in one.layers[0].neurons] == ["node0_0"]
    assert one.forward([1, 1]) == [0]
    listed = Network.from_matrices([[[1, -2]], [[3]]], activations=["relu", "tanh"])
    assert [layer.activation.name for layer in listed.layers] == ["relu", "tanh"]


BAD = [
    ("tutorial-empty", lambda: Network.from_tutorial_weights({}),
     "tutorial weights: expected a dict of node name -> weights, got {}"),
    ("tutorial-a-list", lambda: Network.from_tutorial_weights([1]),
     "tutorial weights: expected a dict of node name -> weights, got [1]"),
    ("tutorial-int-key", lambda: Network.from_tutorial_weights({5: [1], "output": [1]}),
     "tutorial weights: key 5 is not a node name"),
    ("matrices-a-number", lambda: Network.from_matrices(5),
     "from_matrices: expected a list of weight matrices, one per layer"),
    ("matrices-empty", lambda: Network.from_matrices([]),
     "from_matrices: expected a list of weight matrices, one per layer"),
    ("matrices-activation-count", lambda: Network.from_matrices([[[1]], [[1]]], activations=["relu"]),
     "from_matrices: 1 activations for 2 layers"),
    ("matrices-matrix-a-number", lambda: Network.from_matrices([5, [[1]]]),
     "layer 'hidden1': expected a matrix (a list of rows), got 5"),
    ("matrices-bias-vectors", lambda: Network.from_matrices([[[1]], [[1]], [[1]]], biases=[[0]]),
     "from_matrices: 1 bias vectors for 3 weight matrices"),
    ("empty-input-name", lambda: Network([Layer("h", [Neuron("a", [1, 1])])], inputs=["", "b"]),
     "network 'network': input name '' is not a non-empty string"),
    ("int-input-name", lambda: Network([Layer("h", [Neuron("a", [1, 1])])], inputs=[1, "b"]),
     "network 'network': input name 1 is not a non-empty string"),
    ("example-input-count", lambda: Network([Layer("h", [Neuron("a", [1])])], example_input=[1, 2]),
     "example_input: network 'network': 2 input values but the network has 1 input (x0)"),
    ("layer-not-a-layer", lambda: Network([Layer("h", [Neuron("a", [1])]), 5]),
     "network 'network', layer 1: expected a Layer, got 5"),
    ("layers-a-number", lambda: Network(5), "network 'network': expected a list of layers, got 5"),
    ("neuron-by-number", lambda: load("tutorial-deep").neuron(5),
     "network 'tutorial-deep': expected a neuron's name ('layer.neuron', or its name alone), got 5"),
    ("neuron-none", lambda: load("tutorial-deep").neuron("nope"),
     "network 'tutorial-deep': no single neuron 'nope' (there is none; neurons: hidden1.node0_0, "
     "hidden1.node0_1, hidden2.node1_0, hidden2.node1_1, output.output)"),
    ("neuron-no-layer", lambda: load("tutorial-deep").neuron("hidden9.node0_0"),
     "network 'tutorial-deep' has no layer 'hidden9' (layers: hidden1, hidden2, output)"),
    ("neuron-ambiguous", lambda: _two_layers_with_n().neuron("n"),
     "network 'network': no single neuron 'n' (several layers have one; name it as 'layer.neuron')"),
    ("layer-none", lambda: load("tutorial-deep").layer("nope"),
     "network 'tutorial-deep' has no layer 'nope' (layers: hidden1, hidden2, output)"),
]


@pytest.mark.parametrize("call, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_network_refuses(call, message):
    with pytest.raises(NetworkError) as info:
        call()
    assert str(info.value).startswith(message)


# --- running and looking up ---------------------------------------------------------------------

@pytest.mark.parametrize("x", [[3, 5], (3, 5), np.array([3, 5]), iter([3, 5]), {"x1": 5, "x0": 3}],
                         ids=["list", "tuple", "numpy", "iterator", "dict"])
def test_forward_takes_every_input_form(x):
    assert load("tutorial-deep").forward(x) == [182]


@pytest.mark.parametrize("x, message", [
    ([3, 5, 6], "network 'tutorial-deep': 3 input values but the network has 2 inputs (x0, x1)"),
    ([3], "network 'tutorial-deep': 1 input value but the network has 2 inputs (x0, x1)"),
], ids=["three", "one"])
def test_forward_counts_inputs_in_words(x, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load("tutorial-deep").forward(x)
    one = Network([Layer("h", [Neuron("a", [1])])])
    with pytest.raises(InputError, match=r"2 input values but the network has 1 input \(x0\)$"):
        one.forward([1, 2])


def test_forward_many_keeps_every_row_in_order():
    net = load("tutorial-deep")
    assert net.forward_many([[3, 5], [1, 1]]) == [[182], [42]]
    assert net.forward_many(iter([[3, 5]])) == [[182]]
    with pytest.raises(InputError, match=r"^row 1: network 'tutorial-deep': 1 input value"):
        net.forward_many([[3, 5], [1]])


def test_lookups_find_the_named_one():
    net = load("tutorial-deep")
    assert net.layer("hidden2").name == "hidden2"
    assert net.neuron("node0_1").weights == [4, -5]
    assert net.neuron("hidden2.node1_1").weights == [1, 2]
    assert _two_layers_with_n().neuron("b.n").weights == [2]


def test_widths_and_repr():
    net = load("tutorial-deep")
    assert net.widths == [2, 2, 2, 1]
    assert repr(net) == "<Network 'tutorial-deep' 2-2-2-1>"


def test_trace_records_every_layer_and_neuron():
    trace = load("tutorial-deep").trace([3, 5])
    assert [layer.name for layer in trace.layers] == ["hidden1", "hidden2", "output"]
    assert [[n.name for n in layer.neurons] for layer in trace.layers] == [
        ["node0_0", "node0_1"], ["node1_0", "node1_1"], ["output"]]
    assert [layer.z for layer in trace.layers] == [[26, -13], [-26, 26], [182]]
    assert [layer.a for layer in trace.layers] == [[26, 0], [0, 26], [182]]


# --- the edges of the tutorial keys, the Decimal check at build time, forward_many's defaults -----

@pytest.mark.parametrize("key, message", [
    # nine digits is a node number still (then missing its node 0), ten is refused before int()
    ("node123456789", "tutorial weights: hidden layer 0 node 0 is missing (found 123456789)"),
    ("node1234567890", "tutorial weights: key 'node1234567890' has a node number of more than 9 digits"),
    # a key of 40 characters is written whole, one of 41 by its first 24 characters and its length
    ("node" + "1" * 36, f"tutorial weights: key 'node{'1' * 36}' has a node number of more than 9 digits"),
    ("node" + "1" * 37, f"tutorial weights: key 'node{'1' * 20}'... (41 characters) has a node number of more "
                        "than 9 digits"),
], ids=["9-digits", "10-digits", "40-characters", "41-characters"])
def test_tutorial_key_number_and_length_edges(key, message):
    with pytest.raises(NetworkError) as info:
        Network.from_tutorial_weights({key: [1], "output": [1]})
    assert str(info.value).startswith(message)


def test_a_decimal_bias_alone_meets_a_float_weight_when_built():
    # the bias is the network's only Decimal: the clash is found when the network is built, not at
    # the first multiply (where Python would raise a bare TypeError)
    with pytest.raises(NetworkError) as info:
        Network.from_matrices([[[0.5]]], [[Decimal("0.1")]])
    assert str(info.value).startswith(
        "network 'network': layer 'output', neuron 'output', bias is Decimal('0.1') but layer 'output', "
        "neuron 'output', weight 0 is the float 0.5: Decimals compute only with ints and Decimals")


_PIDS = []


class _Recording(Activation):
    """identity, noting the process that computes it"""

    __slots__ = ()
    name = "recording"

    def __call__(self, z):
        _PIDS.append(os.getpid())
        return z


def test_forward_many_computes_in_this_process_by_default():
    # starting worker processes is asked for (workers=...), never the default
    net = Network([Layer("h", [Neuron("a", [2])], _Recording())])
    _PIDS.clear()
    assert net.forward_many([[1], [2], [3]]) == [[2], [4], [6]]
    assert _PIDS == [os.getpid()] * 3


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_forward_many_draws_a_progress_bar_only_when_asked(monkeypatch):
    pytest.importorskip("tqdm")
    import scalarnet.parallel

    monkeypatch.setattr(scalarnet.parallel, "PROGRESS_DELAY", 0)  # the bar at once, not after 2 s
    net = load("tutorial-deep")
    for progress, drawn in [(False, False), (True, True)]:
        terminal = _Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        kwargs = {"progress": True} if progress else {}
        assert net.forward_many([[3, 5], [1, 1]], **kwargs) == [[182], [42]]
        assert ("row" in terminal.getvalue()) is drawn, terminal.getvalue()

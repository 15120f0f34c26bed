"""Pictures in the network's order, on both engines: every drawn node's place read back from the SVG.

Neurons of a layer top to bottom in layer order, inputs top to bottom, a neuron's
terms in input order, the `... N more` node where the left-out items are; every
view (network, weights only, ops of the network, a layer, a neuron, gradients),
every bundled example and random networks.
"""

import random
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from scalarnet import Network, files
from scalarnet.diagram import diagram
from scalarnet.rendering import render

from test_diagram import ENGINES

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def boxes(svg: bytes) -> dict[str, tuple[float, float, float, float]]:
    """Node id -> (left, top, right, bottom) of its outline, in the SVG's own coordinates."""
    result = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        node = group.findtext(f"{SVG}title")
        numbers = []
        for element in group:
            shape = element.get("points") or element.get("d")
            if element.tag in (f"{SVG}polygon", f"{SVG}path") and shape:
                numbers += [float(v) for v in NUMBER.findall(shape)]
        if not numbers:  # a node drawn as text alone (shape=plain): its text's baseline
            numbers = [float(t.get(a)) for t in group.iter(f"{SVG}text") for a in ("x", "y")]
        xs, ys = numbers[0::2], numbers[1::2]
        result[node] = (min(xs), min(ys), max(xs), max(ys))
    return result


def centre_y(box) -> float:
    return (box[1] + box[3]) / 2


def column_ids(k: int, n: int, threshold: int, keep: int) -> list[str]:
    """Node ids of column k of n items as they must read top to bottom."""
    if n <= threshold:
        return [f"L{k}N{i}" for i in range(n)]
    return ([f"L{k}N{i}" for i in range(keep)] + [f"L{k}M"]
            + [f"L{k}N{i}" for i in range(n - keep, n)])


def assert_top_to_bottom(found: dict, ids: list[str], what: str) -> None:
    missing = [i for i in ids if i not in found]
    assert not missing, f"{what}: nodes {missing} not drawn"
    ys = [centre_y(found[i]) for i in ids]
    wrong = [(a, b) for a, b, ya, yb in zip(ids, ids[1:], ys, ys[1:]) if not ya < yb]
    assert not wrong, f"{what}: these pairs are not top to bottom: {wrong} (y: {ys})"


def check_network_view(svg: bytes, net: Network, threshold: int, keep: int) -> None:
    found = boxes(svg)
    widths = [len(net.inputs)] + [len(layer) for layer in net.layers]
    for k, n in enumerate(widths):
        assert_top_to_bottom(found, column_ids(k, n, threshold, keep), f"column {k}")


def check_ops_view(svg: bytes, net: Network, threshold: int, keep: int,
                   first: int = 1, last: int | None = None, only: int | None = None) -> None:
    found = boxes(svg)
    last = len(net.layers) if last is None else last
    widths = [len(net.inputs)] + [len(layer) for layer in net.layers]
    assert_top_to_bottom(found, column_ids(first - 1, widths[first - 1], threshold, keep),
                         f"values into layer {first}")
    for k in range(first, last + 1):
        n, n_in = widths[k], widths[k - 1]
        blocks = ([f"L{k}N{only}"] if only is not None
                  else column_ids(k, n, threshold, keep))
        spans = []
        for block in blocks:
            members = [v for key, v in found.items() if re.fullmatch(rf"{block}[XMSZBA]\d*", key)]
            if block.endswith("M"):
                members = [found[block]]
            assert members, f"layer {k}: nothing drawn for {block}"
            spans.append((min(b[1] for b in members), max(b[3] for b in members)))
            if not block.endswith("M"):  # the neuron's terms in input order
                terms = [f"{block}X{i}" for i in range(n_in)]
                if n_in > threshold:
                    terms = terms[:keep] + [f"{block}M"] + terms[n_in - keep:]
                assert_top_to_bottom(found, terms, f"terms of {block}")
        overlaps = [(a, b) for a, b, sa, sb in zip(blocks, blocks[1:], spans, spans[1:])
                    if not sa[1] < sb[0]]
        assert not overlaps, f"layer {k}: these neurons are not one below the other: {overlaps}"


def example_cases():
    for name in files.examples():
        yield pytest.param(name, id=name)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(example_cases()))
def test_every_view_of_every_example_in_layer_order(name, engine):
    net = files.load(name)
    trace = net.trace(net.example_input)
    for subject in (net, trace):  # weights only, then with values
        check_network_view(render(diagram(subject), "svg", engine), net, 12, 4)
    check_ops_view(render(diagram(net, trace, view="ops"), "svg", engine), net, 12, 4)
    check_ops_view(render(diagram(net, view="ops"), "svg", engine), net, 12, 4)
    for k, layer in enumerate(net.layers, start=1):
        check_ops_view(render(diagram(net, trace, view="ops", layer=layer.name), "svg", engine),
                       net, 12, 4, first=k, last=k)
    last = net.layers[-1]
    neuron = f"{last.name}.{last.neurons[-1].name}"
    check_ops_view(render(diagram(net, trace, view="ops", neuron=neuron), "svg", engine),
                   net, 12, 4, first=len(net.layers), last=len(net.layers),
                   only=len(last.neurons) - 1)
    target = [0.5] * len(last)
    g = net.gradients(net.example_input, target)
    check_ops_view(render(diagram(net, view="ops", gradients=g), "svg", engine), net, 12, 4)


def random_network(widths: list[int], seed: int) -> tuple[Network, list]:
    rng = random.Random(seed)
    weights = [[[rng.choice([-3, -1, 0, 1, 2, 5]) for _ in range(a)] for _ in range(b)]
               for a, b in zip(widths, widths[1:])]
    biases = [[rng.choice([-1, 0, 2]) for _ in range(b)] for b in widths[1:]]
    activations = [rng.choice(["relu", "identity", "tanh"]) for _ in widths[2:]] + ["softmax"]
    net = Network.from_matrices(weights, biases, activations, name=f"random-{seed}")
    return net, [rng.randint(-3, 3) for _ in range(widths[0])]


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(widths=st.lists(st.integers(1, 9), min_size=2, max_size=4), seed=st.integers(0, 10**6),
       threshold=st.integers(2, 6))
def test_random_networks_in_layer_order(engine, widths, seed, threshold):
    net, x = random_network(widths, seed)
    trace = net.trace(x)
    keep = threshold // 2
    where = f"widths {widths}, seed {seed}, threshold {threshold}"
    try:
        check_network_view(render(diagram(net, trace, threshold=threshold), "svg", engine),
                           net, threshold, keep)
        check_ops_view(render(diagram(net, trace, view="ops", threshold=threshold), "svg", engine),
                       net, threshold, keep)
    except AssertionError as error:
        raise AssertionError(f"{where}: {error}") from None

"""Trace behaviours mutation testing showed no test pinned (benchmarks/mutation.py trace): the exact
lines with a NaN bias, a softmax layer, dotted names and digits; the look-ups' messages; the records."""

import math

import pytest

from scalarnet import InputError, Layer, Network, Neuron, load


def _odd_trace():
    """Dotted names, a NaN bias, a softmax layer and a negative bias, fed an infinity."""
    net = Network([Layer("h.1", [Neuron("a.b", [1.5], bias=math.nan), Neuron("c", [2])], "softmax"),
                   Layer("o", [Neuron("a.b", [1, 1], bias=-0.5)], "sigmoid")])
    return net.trace([math.inf])


def test_trace_text_nan_bias_softmax_and_first_nonfinite():
    assert str(_odd_trace()) == "\n".join([
        "inputs: x0 = inf (non-finite)",
        "h.1 (softmax):",
        "  a.b: inf*1.5 + nan = nan -> softmax([nan, inf])[0] = nan  <- first non-finite value",
        "  c: inf*2 = inf -> softmax([nan, inf])[1] = nan",
        "  values: [nan, nan]",
        "o (sigmoid):",
        "  a.b: nan*1 + nan*1 + (-0.5) = nan -> sigmoid(nan) = nan",
        "  values: [nan]",
        "output: [nan]",
    ])
    assert _odd_trace().first_nonfinite.path == "h.1.a.b"


def test_trace_text_with_digits_rounds_floats_only():
    net = Network([Layer("h", [Neuron("n", [0.1, 3], bias=0.2)], "sigmoid")])
    trace = net.trace([1.0, 2])
    assert trace.text(digits=3) == "\n".join([
        "inputs: x0 = 1.0, x1 = 2",
        "h (sigmoid):",
        "  n: 1.0*0.1 + 2*3 + 0.2 = 6.3 -> sigmoid(6.3) = 0.998",
        "  values: [0.998]",
        "output: [0.998]",
    ])


@pytest.mark.parametrize("name, message", [
    ("a.b", "neuron name 'a.b' is in several layers: say which (h.1.a.b, o.a.b)"),
    ("h.1.x", "layer 'h.1' has no neuron 'x' (it has: a.b, c)"),
    ("zz.x", "no layer 'zz' in the trace (layers: h.1, o)"),
    ("zz", "no neuron 'zz' in the trace (neurons: h.1.a.b, h.1.c, o.a.b)"),
    (3, "expected a neuron's name ('layer.neuron', or its name alone), got 3"),
], ids=["ambiguous", "no-neuron-in-dotted-layer", "no-layer", "no-neuron", "not-a-string"])
def test_trace_neuron_lookup_refuses(name, message):
    with pytest.raises(InputError) as info:
        _odd_trace().neuron(name)
    assert str(info.value) == message


def test_trace_lookups_and_records():
    trace = _odd_trace()
    assert trace.neuron("h.1.a.b").path == "h.1.a.b"
    assert trace.neuron("o.a.b").bias == -0.5
    assert trace.neuron("c").z == math.inf
    with pytest.raises(InputError, match=r"^no layer 'zz' in the trace \(layers: h.1, o\)$"):
        trace.layer("zz")
    assert trace.layer("o").name == "o"
    assert repr(trace) == "<Trace of 'network': output=[nan]>"
    assert repr(trace.layers[0]) == "<LayerRecord h.1: a=[nan, nan]>"
    assert repr(trace.layers[0].neurons[0]) == "<NeuronRecord h.1.a.b: z=nan a=nan>"


def test_trace_to_dict_inputs_and_neuron_inputs():
    trace = load("tutorial-deep").trace({"x0": 3, "x1": 5})
    assert trace.to_dict() == {
        "inputs": {"x0": 3, "x1": 5},
        "layers": [{"name": "hidden1", "z": [26, -13], "a": [26, 0]},
                   {"name": "hidden2", "z": [-26, 26], "a": [0, 26]},
                   {"name": "output", "z": [182], "a": [182]}],
        "output": [182],
    }
    assert trace.inputs == {"x0": 3, "x1": 5}
    assert trace.neuron("node1_0").inputs == [26, 0]
    assert [n.path for n in trace.neurons()] == ["hidden1.node0_0", "hidden1.node0_1", "hidden2.node1_0",
                                                 "hidden2.node1_1", "output.output"]


# -- wide sums and long name lists, as pictures, pages and messages write them ------------------

from scalarnet.trace import known_names, terms_text  # noqa: E402


@pytest.mark.parametrize("count, keep, expected", [
    (9, 3, ["1*1", "2*1", "3*1", "4*1", "5*1", "6*1", "7*1", "8*1", "9*1"]),  # 3*keep: all of them
    (10, 3, ["1*1", "2*1", "3*1", "(4 more terms: 22)", "8*1", "9*1", "10*1"]),  # 4+5+6+7 = 22
    (10, None, [f"{i}*1" for i in range(1, 11)]),
    (4, 1, ["1*1", "(2 more terms: 5)", "4*1"]),
], ids=["at-the-boundary", "past-it", "no-keep", "keep-1"])
def test_terms_text_summarises_past_three_times_keep(count, keep, expected):
    inputs = list(range(1, 11))
    weights = [1] * 10
    products = [x * w for x, w in zip(inputs, weights)]
    assert terms_text(inputs, weights, products, count, keep=keep) == expected


def test_terms_text_adds_the_middle_left_to_right_from_zero():
    # 0.1 + 0.2 + 0.3 added from 0 in order is 0.6000000000000001, not 0.6
    inputs, weights = [1.0, 0.1, 0.2, 0.3, 1.0], [1.0] * 5
    products = [x * w for x, w in zip(inputs, weights)]
    assert terms_text(inputs, weights, products, 5, keep=1)[1] == "(3 more terms: 0.6000000000000001)"
    assert terms_text(inputs, [-1.0] * 5, [-p for p in products], 5, keep=1)[0] == "1.0*(-1.0)"


@pytest.mark.parametrize("n, expected", [
    (12, ", ".join(f"n{i}" for i in range(12))),
    (13, "n0, n1, n2, n3, n4, n5, ..., n7, n8, n9, n10, n11, n12 (13 in all)"),
], ids=["twelve-all", "thirteen-summarised"])
def test_known_names_lists_twelve_then_the_ends(n, expected):
    assert known_names([f"n{i}" for i in range(n)]) == expected


def test_known_names_shown_is_settable():
    assert known_names(list("abcde"), shown=4) == "a, b, ..., d, e (5 in all)"

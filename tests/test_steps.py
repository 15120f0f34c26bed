"""Step records: exact texts for the tutorial's deep network, positions, values so far, and steps == forward."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalarnet
from scalarnet import InputError, Layer, Network, Neuron
from scalarnet.steps import StepError, steps

DEEP = scalarnet.load("tutorial-deep")

# Written from the tutorial's hand-worked numbers (shared/tutorial-examples.md, example 4).
OP_TEXTS = [
    "node0_0: 3*2 = 6",
    "node0_0: 6 + 5*4 = 26",
    "node0_0: relu(26) = 26",
    "node0_1: 3*4 = 12",
    "node0_1: 12 + 5*(-5) = -13",
    "node0_1: relu(-13) = 0",
    "node1_0: 26*(-1) = -26",
    "node1_0: -26 + 0*2 = -26",
    "node1_0: relu(-26) = 0",
    "node1_1: 26*1 = 26",
    "node1_1: 26 + 0*2 = 26",
    "node1_1: relu(26) = 26",
    "output: 0*2 = 0",
    "output: 0 + 26*7 = 182",
]
NEURON_TEXTS = [
    "node0_0: 3*2 + 5*4 = 26 -> relu(26) = 26",
    "node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0",
    "node1_0: 26*(-1) + 0*2 = -26 -> relu(-26) = 0",
    "node1_1: 26*1 + 0*2 = 26 -> relu(26) = 26",
    "output: 0*2 + 26*7 = 182",
]
LAYER_TEXTS = [
    "hidden1 (relu): [26, 0]",
    "hidden2 (relu): [0, 26]",
    "output (identity): [182]",
]


@pytest.mark.parametrize("granularity, texts", [
    ("op", OP_TEXTS), ("neuron", NEURON_TEXTS), ("layer", LAYER_TEXTS),
], ids=["op", "neuron", "layer"])
def test_steps_tutorial_deep_texts(granularity, texts):
    got = list(DEEP.steps([3, 5], granularity))
    assert [s.text for s in got] == texts
    assert [str(s) for s in got] == texts
    assert [s.index for s in got] == list(range(len(texts)))


def test_steps_neuron_texts_are_the_trace_lines():
    lines = [n.text() for n in DEEP.trace([3, 5]).neurons()]
    assert [s.text for s in DEEP.steps([3, 5], "neuron")] == lines


def test_steps_op_positions_and_kinds():
    got = [(s.kind, s.position) for s in DEEP.steps([3, 5])]
    assert got == [
        ("multiply-add", ("hidden1", "node0_0", 0)),
        ("multiply-add", ("hidden1", "node0_0", 1)),
        ("activation", ("hidden1", "node0_0", None)),
        ("multiply-add", ("hidden1", "node0_1", 0)),
        ("multiply-add", ("hidden1", "node0_1", 1)),
        ("activation", ("hidden1", "node0_1", None)),
        ("multiply-add", ("hidden2", "node1_0", 0)),
        ("multiply-add", ("hidden2", "node1_0", 1)),
        ("activation", ("hidden2", "node1_0", None)),
        ("multiply-add", ("hidden2", "node1_1", 0)),
        ("multiply-add", ("hidden2", "node1_1", 1)),
        ("activation", ("hidden2", "node1_1", None)),
        ("multiply-add", ("output", "output", 0)),
        ("multiply-add", ("output", "output", 1)),
    ]


@pytest.mark.parametrize("granularity, index, operands, result, z", [
    ("op", 3, (0, 3, 4), 12, None),
    ("op", 4, (12, 5, -5), -13, None),
    ("op", 5, (-13,), 0, -13),
    ("neuron", 1, ([3, 5], [4, -5], 0), 0, -13),
    ("layer", 1, ([26, 0],), [0, 26], [-26, 26]),
], ids=["first-term", "second-term", "activation", "neuron", "layer"])
def test_steps_operands_and_result(granularity, index, operands, result, z):
    step = list(DEEP.steps([3, 5], granularity))[index]
    assert step.operands == operands
    assert step.result == result
    assert step.z == z


@pytest.mark.parametrize("granularity, index, arithmetic", [
    ("op", 3, "node0_1: 3*4 = 12"),
    ("op", 4, "node0_1: 3*4 + 5*(-5) = -13"),
    ("op", 5, "node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0"),
    ("op", 13, "output: 0*2 + 26*7 = 182"),
    ("neuron", 1, "node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0"),
    ("layer", 0, "node0_0: 3*2 + 5*4 = 26 -> relu(26) = 26\n"
                 "node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0"),
], ids=["op-first", "op-second", "op-activation", "op-identity-done", "neuron", "layer"])
def test_steps_arithmetic_so_far(granularity, index, arithmetic):
    assert list(DEEP.steps([3, 5], granularity))[index].arithmetic == arithmetic


@pytest.mark.parametrize("granularity, index, values", [
    ("op", 0, {"x0": 3, "x1": 5}),
    ("op", 4, {"x0": 3, "x1": 5, "hidden1.node0_0": 26}),
    ("op", 5, {"x0": 3, "x1": 5, "hidden1.node0_0": 26, "hidden1.node0_1": 0}),
    ("op", 12, {"x0": 3, "x1": 5, "hidden1.node0_0": 26, "hidden1.node0_1": 0,
                "hidden2.node1_0": 0, "hidden2.node1_1": 26}),
    ("op", 13, {"x0": 3, "x1": 5, "hidden1.node0_0": 26, "hidden1.node0_1": 0,
                "hidden2.node1_0": 0, "hidden2.node1_1": 26, "output.output": 182}),
    ("neuron", 0, {"x0": 3, "x1": 5, "hidden1.node0_0": 26}),
    ("layer", 0, {"x0": 3, "x1": 5, "hidden1.node0_0": 26, "hidden1.node0_1": 0}),
], ids=["op-start", "op-mid-neuron", "op-neuron-done", "op-output-half", "op-end",
        "neuron", "layer"])
def test_steps_values_known_so_far(granularity, index, values):
    assert list(DEEP.steps([3, 5], granularity))[index].values == values


def test_steps_earlier_values_do_not_change_later():
    got = list(DEEP.steps([3, 5]))
    assert [len(s.values) for s in got] == [2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 7]


BIASED = Network([
    Layer("hidden", [Neuron("a", [1, 2], bias=1), Neuron("b", [1, 1], bias=-10)], "relu"),
    Layer("out", [Neuron("o", [1, -1], bias=Fraction(1, 2))]),
])


def test_steps_bias_step_when_not_zero():
    assert [s.text for s in BIASED.steps([3, 4])] == [
        "a: 3*1 = 3", "a: 3 + 4*2 = 11", "a: 11 + 1 = 12", "a: relu(12) = 12",
        "b: 3*1 = 3", "b: 3 + 4*1 = 7", "b: 7 + (-10) = -3", "b: relu(-3) = 0",
        "o: 12*1 = 12", "o: 12 + 0*(-1) = 12", "o: 12 + (1/2) = 25/2",
    ]
    bias = list(BIASED.steps([3, 4]))[6]
    assert (bias.kind, bias.operands, bias.result, bias.arithmetic) == (
        "bias", (7, -10), -3, "b: 3*1 + 4*1 + (-10) = -3")


def test_steps_identity_neuron_done_at_its_bias_step():
    last = list(BIASED.steps([3, 4]))[-1]
    assert last.values["out.o"] == Fraction(25, 2)
    assert "out.o" not in list(BIASED.steps([3, 4]))[-2].values


SOFTMAX = Network([Layer("out", [Neuron("p", [1, 0]), Neuron("q", [0, 1])], "softmax")])


def test_steps_softmax_activations_after_the_layers_sums():
    got = list(SOFTMAX.steps([0.0, 0.0]))
    assert [s.text for s in got] == [
        "p: 0.0*1 = 0.0", "p: 0.0 + 0.0*0 = 0.0", "q: 0.0*0 = 0.0", "q: 0.0 + 0.0*1 = 0.0",
        "p: softmax([0.0, 0.0])[0] = 0.5", "q: softmax([0.0, 0.0])[1] = 0.5",
    ]
    assert got[4].operands == (0.0, 0.0)
    assert [s.text for s in SOFTMAX.steps([0.0, 0.0], "neuron")] == [
        "p: 0.0*1 + 0.0*0 = 0.0 -> softmax([0.0, 0.0])[0] = 0.5",
        "q: 0.0*0 + 0.0*1 = 0.0 -> softmax([0.0, 0.0])[1] = 0.5",
    ]


# Every field of every step, worked out by hand from the networks above: (kind, path,
# layer_index, neuron_index, term, operands, result, z).
BIASED_FIELDS = [
    ("multiply-add", "hidden.a", 0, 0, 0, (0, 3, 1), 3, None),
    ("multiply-add", "hidden.a", 0, 0, 1, (3, 4, 2), 11, None),
    ("bias", "hidden.a", 0, 0, None, (11, 1), 12, None),
    ("activation", "hidden.a", 0, 0, None, (12,), 12, 12),
    ("multiply-add", "hidden.b", 0, 1, 0, (0, 3, 1), 3, None),
    ("multiply-add", "hidden.b", 0, 1, 1, (3, 4, 1), 7, None),
    ("bias", "hidden.b", 0, 1, None, (7, -10), -3, None),
    ("activation", "hidden.b", 0, 1, None, (-3,), 0, -3),
    ("multiply-add", "out.o", 1, 0, 0, (0, 12, 1), 12, None),
    ("multiply-add", "out.o", 1, 0, 1, (12, 0, -1), 12, None),
    ("bias", "out.o", 1, 0, None, (12, Fraction(1, 2)), Fraction(25, 2), None),
]
SOFTMAX_FIELDS = [
    ("multiply-add", "out.p", 0, 0, 0, (0, 0.0, 1), 0.0, None),
    ("multiply-add", "out.p", 0, 0, 1, (0.0, 0.0, 0), 0.0, None),
    ("multiply-add", "out.q", 0, 1, 0, (0, 0.0, 0), 0.0, None),
    ("multiply-add", "out.q", 0, 1, 1, (0.0, 0.0, 1), 0.0, None),
    ("activation", "out.p", 0, 0, None, (0.0, 0.0), 0.5, 0.0),
    ("activation", "out.q", 0, 1, None, (0.0, 0.0), 0.5, 0.0),
]


@pytest.mark.parametrize("net, x, fields", [
    (BIASED, [3, 4], BIASED_FIELDS), (SOFTMAX, [0.0, 0.0], SOFTMAX_FIELDS),
], ids=["biased", "softmax"])
def test_steps_every_field_of_every_op_step(net, x, fields):
    got = list(net.steps(x, digits=2))
    assert [(s.kind, s.path, s.layer_index, s.neuron_index, s.term, s.operands, s.result, s.z)
            for s in got] == fields
    assert [s.position for s in got] == [(f[1].split(".")[0], f[1].split(".")[1], f[4]) for f in fields]
    assert all(s.activation is net.layers[s.layer_index].activation for s in got)
    assert all(s.layer == net.layers[s.layer_index].name for s in got)
    assert all(s.neuron == net.layers[s.layer_index].neurons[s.neuron_index].name for s in got)
    assert [s.digits for s in got] == [2] * len(fields)


def test_steps_digits_round_texts_not_values():
    net = Network([Layer("out", [Neuron("o", [1 / 3])], "tanh")])
    got = list(net.steps([1.0], digits=3))
    assert [s.text for s in got] == ["o: 1.0*0.333 = 0.333", "o: tanh(0.333) = 0.322"]
    assert got[1].result == math.tanh(1 / 3)


@pytest.mark.parametrize("x, granularity, error, message", [
    ([3, 5], "term", StepError, r"granularity 'term': expected one of op, neuron, layer"),
    ([3], "op", InputError, r"network 'tutorial-deep': 1 input value but the network has 2 inputs"),
    ({"x0": 3}, "op", InputError, r"input 'x1' is missing"),
], ids=["granularity", "too-few", "missing-name"])
def test_steps_bad_request_raises_before_the_first_step(x, granularity, error, message):
    with pytest.raises(error, match=message):
        DEEP.steps(x, granularity)  # no next(): checked when called


def test_steps_are_lazy():
    it = DEEP.steps([3, 5])
    first = next(it)
    assert first.text == "node0_0: 3*2 = 6"
    assert first.values == {"x0": 3, "x1": 5}


def test_steps_keep_number_types():
    net = Network([Layer("out", [Neuron("o", [Decimal("0.1"), Decimal("0.2")])])])
    got = list(steps(net, [Decimal("2"), Decimal("3")]))
    assert [s.text for s in got] == ["o: 2*0.1 = 0.2", "o: 0.2 + 3*0.2 = 0.8"]
    assert got[-1].result == Decimal("0.8") and isinstance(got[-1].result, Decimal)


# -- the steps compute what forward computes: many random networks -------------------------------

ACTS = ["identity", "relu", "leaky_relu", "tanh", "sigmoid", "softmax"]
numbers = st.one_of(st.integers(-9, 9), st.floats(-9, 9, allow_nan=False).map(lambda v: round(v, 3)),
                    st.fractions(min_value=-9, max_value=9, max_denominator=7))


@st.composite
def networks(draw):
    widths = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    weights = [[[draw(numbers) for _ in range(n_in)] for _ in range(n_out)]
               for n_in, n_out in zip(widths, widths[1:])]
    biases = [[draw(st.one_of(st.just(0), numbers)) for _ in range(n_out)] for n_out in widths[1:]]
    acts = [draw(st.sampled_from(ACTS)) for _ in widths[1:]]
    x = [draw(numbers) for _ in range(widths[0])]
    return Network.from_matrices(weights, biases, acts), x, (widths, acts)


def exact(values):
    return [(type(v), v) for v in values]


@settings(max_examples=150, deadline=None)
@given(networks())
def test_steps_compute_what_forward_computes(case):
    net, x, shape = case
    trace = net.trace(x)
    expected = {n.path: n.a for n in trace.neurons()}
    for granularity in ("op", "neuron", "layer"):
        got = list(net.steps(x, granularity))
        values = got[-1].values
        out = [values[f"output.{n.name}"] for n in net.layers[-1].neurons]
        assert exact(out) == exact(net.forward(x)), (shape, granularity)
        assert {k: v for k, v in values.items() if "." in k} == expected, (shape, granularity)
    ops = list(net.steps(x, "op"))
    count = sum(len(n.weights) + (n.bias != 0) + (layer.activation.name != "identity")
                for layer in net.layers for n in layer.neurons)
    assert len(ops) == count, shape
    assert [s.text for s in net.steps(x, "neuron")] == [n.text() for n in trace.neurons()], shape

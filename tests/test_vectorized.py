"""The numpy matrix implementation: matrices and back, dtypes, activations, and scalar == vectorized."""

import ast
import math
import random
import warnings
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import scalarnet
from scalarnet import ACTIVATIONS, InputError, Network, NumberError, compare, get_activation, load
from scalarnet.vectorized import activate, as_array, forward, layer_scales, matrices

TUTORIAL = ["tutorial-forward", "tutorial-tanh", "tutorial-relu", "tutorial-deep"]


# -- matrices and back ----------------------------------------------------------------------


def test_matrices_one_row_per_neuron():
    m = matrices(load("tutorial-deep"))
    assert [w.tolist() for w in m.weights] == [[[2, 4], [4, -5]], [[-1, 2], [1, 2]], [[2, 7]]]
    assert [b.tolist() for b in m.biases] == [[0, 0], [0, 0], [0]]
    assert [w.dtype for w in m.weights] == [np.dtype("int64")] * 3
    assert [a.name for a in m.activations] == ["relu", "relu", "identity"]
    assert m.layer_names == ["hidden1", "hidden2", "output"]
    assert m.neuron_names == [["node0_0", "node0_1"], ["node1_0", "node1_1"], ["output"]]
    assert m.widths == [2, 2, 2, 1]


ROUND_TRIP = {
    "tutorial-deep": load("tutorial-deep"),
    "floats-and-biases": Network.from_matrices([[[0.5, -1.25], [2.0, 0.1]], [[1.0, -3.5]]],
                                               [[0.25, -1.0], [7.5]], ["leaky_relu", "sigmoid"],
                                               inputs=["a", "b"], name="f"),
    "fractions": Network.from_matrices([[[Fraction(1, 3), 2]]], [[Fraction(-1, 7)]]),
    "decimals": Network.from_matrices([[[Decimal("0.1"), Decimal("-2.5")]]], [[Decimal("1.5")]]),
    "huge-ints": Network.from_matrices([[[2 ** 80, -1]]], [[3]]),
}


@pytest.mark.parametrize("net", ROUND_TRIP.values(), ids=ROUND_TRIP.keys())
def test_to_network_round_trip(net):
    back = matrices(net).to_network()
    assert back.layers == net.layers and back.inputs == net.inputs and back.name == net.name
    for layer, again in zip(net.layers, back.layers):  # types kept, not only values
        for n, m in zip(layer.neurons, again.neurons):
            assert [type(w) for w in m.weights] == [type(w) for w in n.weights]
            assert type(m.bias) is type(n.bias)


# -- dtypes: ints stay ints, exact numbers stay exact ---------------------------------------


@pytest.mark.parametrize("name", TUTORIAL)
def test_tutorial_bit_for_bit(name):
    net = load(name)
    trace = net.trace(net.example_input)
    run = forward(net, [net.example_input])
    for k, layer in enumerate(trace.layers):
        for side, ours, theirs in (("z", layer.z, run.z[k][0].tolist()), ("a", layer.a, run.a[k][0].tolist())):
            assert theirs == ours, (layer.name, side)
            assert [type(v) for v in theirs] == [type(v) for v in ours], (layer.name, side)


EXACT = {
    # sums beyond int64: computed in Python ints, not wrapped around
    "ints-beyond-int64": (Network.from_matrices([[[2 ** 40, 2 ** 40]], [[2 ** 40]]]), [[2 ** 30, 5]]),
    "fractions": (Network.from_matrices([[[Fraction(1, 3), Fraction(-2, 5)], [1, 1]], [[Fraction(1, 2), 3]]],
                                        [[0, Fraction(1, 9)], [1]], "leaky_relu"), [[Fraction(3, 4), 2]]),
    "decimals": (Network.from_matrices([[[Decimal("0.1"), Decimal("-2.5")]], [[Decimal("3")]]],
                                       activations="relu"), [[Decimal("4.2"), 1]]),
    "decimal-leaky": (Network.from_matrices([[[Decimal("-1.5")]], [[Decimal("2")]]],
                                            activations="leaky_relu"), [[Decimal("3")]]),
}


@pytest.mark.parametrize("net, rows", EXACT.values(), ids=EXACT.keys())
def test_exact_numbers_stay_exact(net, rows):
    run = forward(net, rows)
    trace = net.trace(rows[0])
    for k, layer in enumerate(trace.layers):
        got = run.a[k][0].tolist()
        assert got == layer.a
        assert [type(v) for v in got] == [type(v) for v in layer.a]


EXACT_NAN = {
    "relu": get_activation("relu"),
    "leaky_relu": get_activation("leaky_relu", slope=0.1),
}


@pytest.mark.parametrize("act", EXACT_NAN.values(), ids=EXACT_NAN.keys())
def test_decimal_nan_passes_through_as_in_the_engine(act):
    # a Decimal NaN refuses `>` (InvalidOperation): the engine tests for NaN first, and so must numpy's side
    z = [Decimal("NaN"), Decimal("-2"), Decimal("3")]
    out = activate(act, np.array([z], dtype=object))[0].tolist()
    assert [str(v) for v in out] == [str(v) for v in act.apply(z)]


MIXED = {
    # Decimal * float is a TypeError in Python: the float side decides, as numpy would compute in floats
    "decimal-weights-float-rows": (Network.from_matrices([[[Decimal("0.5"), Decimal("1.5")]]], [[Decimal("1")]]),
                                   [[2.0, 4.0]], [[8.0]]),
    "float-weights-decimal-rows": (Network.from_matrices([[[0.5, 1.5]]], [[1.0]]),
                                   np.array([[Decimal("2"), Decimal("4")]], dtype=object), [[8.0]]),
}


@pytest.mark.parametrize("net, rows, expected", MIXED.values(), ids=MIXED.keys())
def test_decimals_meet_floats_in_floats(net, rows, expected):
    out = forward(net, rows).output
    assert out.dtype == np.float64 and out.tolist() == expected


def test_as_array_dtypes():
    assert as_array([[1, 2]]).dtype == np.int64
    assert as_array([[1, 2.5]]).dtype == np.float64
    assert as_array(np.array([1.5], dtype=np.float32)).dtype == np.float64
    assert as_array([2 ** 63]).dtype == object
    with pytest.raises(NumberError, match=r"^rows: expected numbers, got an array of <U1$"):
        as_array([["a"]], "rows")
    with pytest.raises(InputError, match=r"^rows: not a rectangular table of numbers"):
        as_array([[1, 2], [3]], "rows")


def test_forward_checks_the_shape():
    with pytest.raises(InputError, match=r"^rows: shape \(1, 3\) but the network reads \(rows, 2\) \(x0, x1\)$"):
        forward(load("tutorial-deep"), [[1, 2, 3]])
    with pytest.raises(InputError, match=r"^rows: shape \(2,\) but the network reads"):
        forward(load("tutorial-deep"), [3, 5])


def test_pass_layer_lookup():
    run = forward(load("tutorial-deep"), [[3, 5]])
    z, a = run.layer("hidden2")
    assert z.tolist() == [[-26, 26]] and a.tolist() == [[0, 26]]
    assert run.output.tolist() == [[182]]
    with pytest.raises(scalarnet.NetworkError, match=r"^no layer 'h9' \(layers: hidden1, hidden2, output\)$"):
        run.layer("h9")


# -- activations: numpy versions against the engine's ----------------------------------------

NAN, INF = math.nan, math.inf

ACTIVATE = [
    ("relu", [[26, -13]], [[26, 0]], np.int64),
    ("relu", [[-1.5, NAN, 0.0]], [[0.0, NAN, 0.0]], np.float64),
    ("leaky_relu", [[10, -10]], [[10.0, -0.1]], np.float64),
    ("tanh", [[40, -40]], [[1.0, -1.0]], np.float64),
    ("sigmoid", [[-1000.0, 0.0, 1000.0, NAN]], [[0.0, 0.5, 1.0, NAN]], np.float64),
    ("softmax", [[1000.0, 1000.0], [INF, 1.0], [INF, INF], [NAN, 1.0]],
     [[0.5, 0.5], [1.0, 0.0], [0.5, 0.5], [NAN, NAN]], np.float64),
    ("identity", [[3, -4]], [[3, -4]], np.int64),
]


@pytest.mark.parametrize("name, z, expected, dtype", ACTIVATE,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(ACTIVATE)])
def test_activate_table(name, z, expected, dtype):
    out = activate(name, np.array(z))
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.array(expected))


SILENT = {
    "leaky-float": (np.array([[-1e308, 1.0]]), [[-INF, 1.0]]),
    "leaky-object": (np.array([[-1e308, Fraction(1, 2)]], dtype=object), [[-INF, Fraction(1, 2)]]),
}


@pytest.mark.parametrize("z, expected", SILENT.values(), ids=SILENT.keys())
def test_activate_overflows_silently_as_the_engine(z, expected):
    # the engine's 2*(-1e308) is -inf without a word; numpy's would print a RuntimeWarning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = activate(get_activation("leaky_relu", slope=2), z)
    assert out.tolist() == expected


def test_leaky_relu_keeps_fractions_exact():
    out = activate(get_activation("leaky_relu", slope=0.1), np.array([[Fraction(-3), Fraction(1, 2)]], dtype=object))
    assert out.tolist() == [[Fraction(-3, 10), Fraction(1, 2)]]


values = st.floats(allow_nan=True, allow_infinity=True, width=64)


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(zs=st.lists(values, min_size=1, max_size=8))
@settings(max_examples=150, deadline=None)
def test_activate_equals_engine(name, zs):
    """Every numpy activation against the engine's scalar one: equal to a few ulps, NaN where it has NaN.

    Softmax sums its row (math.fsum in the engine, numpy's pairwise sum here): one more ulp per term.
    """
    act = get_activation(name)
    ours = act.apply(zs)
    theirs = activate(act, np.array([zs]))[0].tolist()
    ulps = 2 + (len(zs) if name == "softmax" else 0)
    for z, o, t in zip(zs, ours, theirs):
        if math.isnan(o):
            assert math.isnan(t), (z, o, t)
        else:
            assert t == o or abs(t - o) <= ulps * math.ulp(max(abs(o), abs(t))), (z, o, t)


# -- the scale floats are compared relative to --------------------------------------------------


def test_layer_scales_are_the_sum_of_magnitudes():
    net = Network.from_matrices([[[1.0, -1.0]], [[2.0]]], [[0.5], [-3.0]])
    m = matrices(net)
    x = np.array([[1e6, 1e6]])
    run = forward(m, x)
    scales = layer_scales(m, x, run, 1e-9)
    # hidden: |1e6*1| + |1e6*(-1)| + |0.5|; output: |2| * (its input's scale + |0.5|) + |-3|
    assert scales[0].tolist() == [[2e6 + 0.5]]
    assert scales[1].tolist() == [[2 * (2e6 + 0.5 + 0.5) + 3]]


def test_layer_scales_overflow_to_infinity_never_nan():
    # 1e308 + 1e308 overflows: the scale is inf, and a zero weight from it adds 0 (not inf*0 = nan)
    net = Network.from_matrices([[[1.0, -1.0]], [[0.0]]], [[0.0], [1.0]])
    m = matrices(net)
    x = np.array([[1e308, 1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning either
        scales = layer_scales(m, x, forward(m, x), 1e-9)
    assert [s.tolist() for s in scales] == [[[math.inf]], [[1.0]]]


# -- property: random networks, scalar == vectorized ---------------------------------------------


@dataclass
class NetCase:
    """A random network and batch, rebuilt from its seed: printable, so a failure can be replayed."""

    seed: int
    widths: list
    activations: list
    kind: str  # the numbers: "int", "float" or "mixed"
    n_rows: int

    def number(self, rng: random.Random):
        if self.kind == "int" or (self.kind == "mixed" and rng.random() < 0.5):
            return rng.randint(-5, 5)
        return rng.uniform(-10, 10)

    def build(self):
        rng = random.Random(self.seed)
        weights = [[[self.number(rng) for _ in range(n_in)] for _ in range(n_out)]
                   for n_in, n_out in zip(self.widths, self.widths[1:])]
        biases = [[self.number(rng) for _ in range(n_out)] for n_out in self.widths[1:]]
        acts = [get_activation("leaky_relu", slope=rng.choice([0.01, 0.2, 3])) if a == "leaky_relu"
                else get_activation(a) for a in self.activations]
        rows = [[self.number(rng) for _ in range(self.widths[0])] for _ in range(self.n_rows)]
        return Network.from_matrices(weights, biases, acts), rows


@st.composite
def net_cases(draw):
    n_layers = draw(st.integers(1, 5))
    return NetCase(seed=draw(st.integers(0, 2 ** 32 - 1)),
                   widths=draw(st.lists(st.integers(1, 16), min_size=n_layers + 1, max_size=n_layers + 1)),
                   activations=draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=n_layers,
                                             max_size=n_layers)),
                   kind=draw(st.sampled_from(["int", "float", "mixed"])),
                   n_rows=draw(st.integers(1, 50)))


def assert_close(ours, theirs, scale, place):
    """|ours - theirs| <= 1e-12 * max(|ours|, scale): relative to the size of the sum behind it."""
    assert abs(ours - theirs) <= 1e-12 * max(abs(ours), scale), (place, ours, theirs, scale)


@given(case=net_cases())
@settings(max_examples=300, deadline=None)
def test_scalar_equals_vectorized(case):
    net, rows = case.build()
    note(f"widths {case.widths}, activations {case.activations}, {case.kind} numbers, "
         f"{case.n_rows} rows, seed {case.seed}")
    run = forward(net, rows)
    int_only = case.kind == "int" and all(a in ("identity", "relu") for a in case.activations)
    for r, row in enumerate(rows):
        trace = net.trace(row)
        prev_scale, prev = [0] * len(row), row
        for k, (layer, record) in enumerate(zip(net.layers, trace.layers)):
            # the size of the sums behind each value, computed here independently of vectorized.py
            scale = [sum(abs(w) * (s + abs(x)) for w, s, x in zip(n.weights, prev_scale, prev)) + abs(n.bias)
                     for n in layer.neurons]
            for j, z in enumerate(record.z):
                assert_close(z, run.z[k][r, j].item(), scale[j], f"row {r}, {layer.name} z[{j}]")
            if layer.activation.name == "softmax":
                scale = [max(scale)] * len(scale)
            for j, a in enumerate(record.a):
                assert_close(a, run.a[k][r, j].item(), scale[j], f"row {r}, {layer.name} a[{j}]")
            if int_only:  # ints stay ints, bit for bit
                assert run.a[k][r].tolist() == record.a
                assert all(type(v) is int for v in run.a[k][r].tolist())
            prev_scale, prev = scale, record.a
    report = compare(net, rows, rtol=1e-12, atol=0)
    assert report.ok, str(report)


# -- the engine never imports numpy ---------------------------------------------------------------

ENGINE = ["activations", "errors", "layer", "network", "neuron", "numbers", "trace"]


@pytest.mark.parametrize("module", ENGINE)
def test_engine_modules_do_not_import_numpy(module):
    source = Path(scalarnet.__file__).with_name(f"{module}.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module:  # from .vectorized import ...
            imported.add("." + node.module)
    assert not imported & {"numpy", ".vectorized", ".crosscheck"}, imported

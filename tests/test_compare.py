"""compare: the report, the first wrong neuron, the diagnoses (each both ways), bad `against`, the CLI."""

import math
import random
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from scalarnet import (ACTIVATIONS, FileFormatError, InputError, Network, NumberError, Report, compare,
                       get_activation, load, vectorized)
from scalarnet.crosscheck import DEFAULT_TOLERANCES
from scalarnet.cli import main

TUTORIAL = ["tutorial-forward", "tutorial-tanh", "tutorial-relu", "tutorial-deep"]

# tutorial-deep at [3, 5] with relu forgotten in both hidden layers: each layer is x @ W.T
DEEP_NO_RELU = [[[26, -13]], [[-52, 0]], [[-104]]]


# -- agreement --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TUTORIAL)
def test_tutorial_examples_agree_bit_for_bit(name):
    net = load(name)
    report = compare(net, [net.example_input])
    assert report.ok and report.first is None and report.diagnoses == []
    assert [(r.max_abs, r.max_rel, r.differing) for r in report.layers] == [(0, 0.0, 0)] * len(net.layers)


def test_int_layers_report_int_differences():
    report = compare(load("tutorial-forward"), [[40, 0]])
    assert [type(r.max_abs) for r in report.layers] == [int, int]


def test_report_text_when_everything_agrees():
    report = compare(load("tutorial-deep"), [[3, 5], {"x0": 1, "x1": 1}])
    assert str(report) == (
        "compare 'tutorial-deep' (2-2-2-1), 2 rows: scalar engine vs vectorized (numpy)\n"
        "tolerance: |difference| <= atol + rtol * scale, rtol=1e-09 atol=2.23e-308 (defaults for float64; "
        "0 where both sides are ints or fractions)\n"
        "layer    width  differ  max abs diff  max rel diff  alone  result\n"
        "hidden1      2     0/4             0           0.0  ok     ok\n"
        "hidden2      2     0/4             0           0.0  ok     ok\n"
        "output       1     0/2             0           0.0  ok     ok\n"
        "all 3 layers agree")


def test_report_text_names_the_first_wrong_neuron():
    report = compare(load("tutorial-deep"), [[3, 5]], against=DEEP_NO_RELU)
    # max rel diff is relative to the larger of |expected|, |got| and the scale: relu's 0 given as
    # -13 is 13/13 (a dead relu's scale is 0: its 0 is exact); the output's scale goes through the
    # live neurons only: hidden1 [26 + 26, 0], hidden2 [0, 52 + 26] -> 7*78 = 546, 286 off -> 0.524
    assert str(report) == (
        "compare 'tutorial-deep' (2-2-2-1), 1 row: scalar engine vs the given arrays\n"
        "tolerance: |difference| <= atol + rtol * scale, rtol=1e-09 atol=2.23e-308 (defaults for float64; "
        "0 where both sides are ints or fractions)\n"
        "layer    width  differ  max abs diff  max rel diff  alone  result\n"
        "hidden1      2     1/2            13           1.0  wrong  DIFFERS\n"
        "hidden2      2     2/2            52           1.0  wrong  DIFFERS\n"
        "output       1     1/1           286         0.524  ok     DIFFERS\n"
        "alone: the layer recomputed from the other side's own previous values "
        "(ok = right, only inherits a difference)\n"
        "hidden1: neurons that differ: node0_1 (1 of 2)\n"
        "hidden2: neurons that differ: node1_0, node1_1 (2 of 2)\n"
        "output: neurons that differ: output (1 of 1)\n"
        "\n"
        "first difference: layer 'hidden1', neuron 'node0_1', row 0\n"
        "  expected (scalar engine): 0\n"
        "  got (the given arrays): -13\n"
        "  right arithmetic: node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0\n"
        "likely bug:\n"
        "  layer 'hidden1': relu is missing: the values are the weighted sums z "
        "(if these are pre-activation values, compare the outputs after relu)\n"
        "  layer 'hidden2': relu is missing: the values are the weighted sums z "
        "(if these are pre-activation values, compare the outputs after relu)")
    assert not report.ok and isinstance(report, Report)


def test_first_difference_is_the_first_row_of_the_first_wrong_layer():
    net = load("tutorial-deep")
    rows = [[0, 0], [3, 5], [1, 1]]
    against = [np.array(a) for a in compare_values(net, rows)]
    against[1][2, 1] += 1  # row 2, hidden2.node1_1
    against[1][1, 0] += 1  # row 1, hidden2.node1_0: the first in reading order
    report = compare(net, rows, against=against)
    f = report.first
    assert (f.path, f.index, f.row, f.expected, f.got) == ("hidden2.node1_0", 0, 1, 0, 1)
    assert f.arithmetic() == net.trace([3, 5]).neuron("hidden2.node1_0").text()
    assert [r.ok for r in report.layers] == [True, False, True]  # the output was left as it was
    # one value off by one fits none of the named bugs
    assert report.diagnoses == []
    assert str(report).endswith("likely bug: none of transposed_weights, missing_bias, extra_activation, "
                                "missing_activation, wrong_activation reproduces the values "
                                "(recomputed from the correct previous layer)")


def compare_values(net, rows):
    """Each layer's outputs for the rows, from the engine, as (rows, width) lists."""
    traces = [net.trace(r) for r in rows]
    return [[t.layers[k].a for t in traces] for k in range(len(net.layers))]


def test_long_sums_are_shortened():
    net = Network.from_matrices([[list(range(1, 21))]], [[1]])
    report = compare(net, [[1] * 20], against=[[[0]]])
    assert report.first.arithmetic() == (
        "output: 1*1 + 1*2 + 1*3 + 1*4 + 1*5 + 1*6 + 1*7 + 1*8 + ... (10 more) ... "
        "+ 1*19 + 1*20 + 1 = 211")


NAN = math.nan

NANS = {
    "same-place": ([NAN, 1.0], [NAN, 1.0], True, 0.0),
    "one-side": ([NAN, 1.0], [0.0, 1.0], False, NAN),
    "other-side": ([0.0, 1.0], [NAN, 1.0], False, NAN),
    "inf-equal": ([math.inf, -math.inf], [math.inf, -math.inf], True, 0.0),
    "inf-sign": ([math.inf, 0.0], [-math.inf, 0.0], False, math.inf),
    "inf-vs-finite": ([math.inf, 0.0], [1e308, 0.0], False, math.inf),
}


@pytest.mark.parametrize("column, against, ok, max_abs", NANS.values(), ids=NANS.keys())
def test_nan_and_inf(column, against, ok, max_abs):
    net = Network.from_matrices([[[1.0]]])  # one input, output = input: one value per row
    report = compare(net, [[v] for v in column], against=[[[v] for v in against]])
    assert report.ok is ok
    assert report.layers[0].max_abs == pytest.approx(max_abs, nan_ok=True)


def test_equal_values_agree_when_the_scale_overflows():
    # hidden1 sums 1e308 + 1e308 in magnitude (inf); the output reads it through a weight of 0
    net = Network.from_matrices([[[1.0, -1.0]], [[0.0]]], [[0.0], [1.0]])
    report = compare(net, [[1e308, 1e308]])
    assert report.ok and [r.max_abs for r in report.layers] == [0.0, 0.0]
    assert not compare(net, [[1e308, 1e308]], against=[[[0.0]], [[2.0]]]).ok


def test_exact_fractions_compare_exactly():
    net = Network.from_matrices([[[Fraction(1, 3), Fraction(1, 3)]]])
    assert compare(net, [[1, 1]]).ok
    report = compare(net, [[1, 1]], against=[[[Fraction(2, 3) + Fraction(1, 10 ** 30)]]])
    assert not report.ok and report.layers[0].max_abs == 1e-30


EXACT = {
    # (the network's weights, the input row, the other side's output, ok with the default tolerances)
    # nothing is rounded when both sides are ints: a difference of 1000 in 2e12 is a bug, not rounding
    "ints-off-by-1000": ([[10 ** 6, 10 ** 6]], [10 ** 6, 10 ** 6], 2 * 10 ** 12 + 1000, False),
    "ints-equal": ([[10 ** 6, 10 ** 6]], [10 ** 6, 10 ** 6], 2 * 10 ** 12, True),
    # a float on either side was rounded: the float64 defaults apply
    "float-side": ([[10 ** 6, 10 ** 6]], [10 ** 6, 10 ** 6], 2e12 + 1000, True),
    "float-weights": ([[1e6, 1e6]], [10 ** 6, 10 ** 6], 2 * 10 ** 12 + 1000, True),
}


@pytest.mark.parametrize("weights, row, other, ok", EXACT.values(), ids=EXACT.keys())
def test_ints_on_both_sides_compare_exactly_unless_a_tolerance_is_given(weights, row, other, ok):
    net = Network.from_matrices([weights])
    assert compare(net, [row], against=[[[other]]]).ok is ok
    assert compare(net, [row], against=[[[other]]], atol=1000).ok  # given: applies to ints too


def test_decimal_network_against_a_float_pass():
    # the float side is recomputed from in floats: Decimal * float would be a TypeError
    net = Network.from_matrices([[[Decimal("0.5"), Decimal("1.5")]], [[Decimal("2")]]], [[Decimal("1")], [0]])
    assert compare(net, [[2, 4]], against=[[[8.0]], [[16.0]]]).ok
    report = compare(net, [[2, 4]], against=[[[8.0]], [[17.0]]])
    assert [(r.ok, r.alone_ok) for r in report.layers] == [(True, True), (False, False)]


# -- the diagnoses: a user's own numpy forward pass with one bug, saved as .npz ------------------

W = [[[-0.65, -0.17, 1.66], [0.66, -1.64, -0.01], [-0.62, 0.15, -1.61]],
     [[0.24, 0.24, 1.58], [0.32, 0.51, -1.49], [2.25, -1.92, 1.1]],
     [[-0.33, -0.88, -0.66], [-0.67, 0.38, -0.11]]]
B = [[1.48, -1.83, -0.0], [-0.89, 0.78, -2.12], [-0.34, 0.21]]
ACTS = ["sigmoid", "relu", "identity"]
NAMES = ["hidden1", "hidden2", "output"]
X = [[-2.97, 1.97, 0.36], [2.01, 1.92, -1.96], [-1.6, -0.41, 1.5], [1.7, -1.42, -1.21], [-1.6, -1.17, -0.48]]

NUMPY_ACTS = {"identity": lambda z: z, "relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
              "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
              "softmax": lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)}


def user_forward(bug=None, dtype=np.float64):
    """Someone's own numpy forward pass of the 3-3-3-2 network, with `bug` in it."""
    a = np.array(X, dtype=dtype)
    saved = {}
    for name, w, b, act in zip(NAMES, W, B, ACTS):
        w, b = np.array(w, dtype=dtype), np.array(b, dtype=dtype)
        square = w.shape[0] == w.shape[1]
        w_used = w if bug == "transposed" and square else w.T  # (n_in, n_out)
        z = a @ w_used + (0 if bug == "no_bias" else b)  # (rows, n_in) @ (n_in, n_out) -> (rows, n_out)
        if bug in ("relu_on_output", "softmax_on_output") and name == "output":
            act = bug.split("_")[0]
        if bug == "forgot_relu" and act == "relu":
            act = "identity"
        if bug == "tanh_for_sigmoid" and act == "sigmoid":
            act = "tanh"
        a = NUMPY_ACTS[act](z)
        saved[name] = z if bug == "saved_z" else a
    return saved


def diagnosis_net():
    return Network.from_matrices(W, B, ACTS)


BUGS = {
    "transposed": [("hidden1", "transposed_weights", "layer 'hidden1': transposed weight matrix: the values "
                    "are x @ W + b, but W (3x3) has one row per neuron, so the layer is x @ W.T + b "
                    "(each neuron read a column of W)"),
                   ("hidden2", "transposed_weights", "layer 'hidden2': transposed weight matrix")],
    "no_bias": [("hidden1", "missing_bias", "layer 'hidden1': missing bias: the values are x @ W.T without + b"),
                ("hidden2", "missing_bias", "layer 'hidden2': missing bias"),
                ("output", "missing_bias", "layer 'output': missing bias")],
    "relu_on_output": [("output", "extra_activation",
                        "layer 'output': relu applied where the layer has no activation (identity)")],
    "softmax_on_output": [("output", "extra_activation",
                           "layer 'output': softmax applied where the layer has no activation (identity)")],
    "forgot_relu": [("hidden2", "missing_activation", "layer 'hidden2': relu is missing: the values are "
                     "the weighted sums z")],
    "tanh_for_sigmoid": [("hidden1", "wrong_activation", "layer 'hidden1': tanh used where the layer has sigmoid")],
    # pre-activations saved instead of outputs: the first layer with an activation shows it
    "saved_z": [("hidden1", "missing_activation", "layer 'hidden1': sigmoid is missing")],
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("bug, expected", BUGS.items(), ids=BUGS.keys())
def test_diagnosis_names_the_bug(tmp_path, bug, expected, dtype):
    path = tmp_path / "acts.npz"
    np.savez(path, **user_forward(bug, dtype))
    report = compare(diagnosis_net(), X, against=str(path))
    assert not report.ok
    assert report.first.layer == expected[0][0]
    assert [(d.layer, d.kind) for d in report.diagnoses] == [(layer, kind) for layer, kind, _ in expected]
    for d, (_, _, message) in zip(report.diagnoses, expected):
        assert d.message.startswith(message)
        assert f"  {d.message}" in str(report)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16], ids=["float64", "float32", "float16"])
def test_correct_implementation_gets_no_diagnosis(tmp_path, dtype):
    path = tmp_path / "acts.npz"
    np.savez(path, **user_forward(None, dtype))
    report = compare(diagnosis_net(), X, against=path)
    assert report.ok and report.diagnoses == [] and report.first is None
    assert report.tolerance_source == (f"defaults for {np.dtype(dtype).name}; "
                                       "0 where both sides are ints or fractions")


@pytest.mark.parametrize("bug", BUGS)
def test_correct_previous_values_are_what_the_diagnosis_starts_from(bug):
    """Each hypothesis is judged by recomputing from the correct values; the correct layer must fail."""
    from scalarnet.crosscheck import diagnose
    from scalarnet.vectorized import matrices

    m = matrices(diagnosis_net())
    k = BUGS[bug][0][0]
    k = NAMES.index(k)
    prev = np.array(X) if k == 0 else compare_values_array(k - 1)
    got = user_forward(bug)[NAMES[k]]
    scale = np.ones(prev.shape)  # the scale of the values the layer reads
    named = diagnose(NAMES[k], m.weights[k], m.biases[k], m.activations[k], prev, got, scale, 1e-9, 1e-12)
    assert [d.kind for d in named] == [BUGS[bug][0][1]]
    # the same layer, given its own correct values, has nothing to diagnose
    right = compare_values_array(k)
    assert diagnose(NAMES[k], m.weights[k], m.biases[k], m.activations[k], prev, right, scale, 1e-9, 1e-12) == []


def compare_values_array(k):
    return np.array(compare_values(diagnosis_net(), X)[k])


def test_a_bug_that_fits_no_hypothesis_is_not_named():
    saved = user_forward(None)
    saved["hidden2"] = saved["hidden2"] * 1.5  # off by a factor: none of the named bugs
    report = compare(diagnosis_net(), X, against=saved)
    assert not report.ok and report.diagnoses == []
    # the output was computed from the unscaled values, so given the scaled ones it is wrong too
    assert [r.alone_ok for r in report.layers] == [True, False, False]


# -- against: bad arrays are clear errors ------------------------------------------------------------


def deep(**changes):
    arrays = {"hidden1": np.array([[26, 0]]), "hidden2": np.array([[0, 26]]), "output": np.array([[182]])}
    arrays.update(changes)
    return {k: v for k, v in arrays.items() if v is not None}


BAD_AGAINST = {
    "missing-layer": (deep(hidden2=None), InputError,
                      r"^against: no array for layer 'hidden2' \(expected one per layer: hidden1, hidden2, "
                      r"output; got: hidden1, output\)$"),
    "mis-shaped": (deep(hidden2=np.zeros((1, 3))), InputError,
                   r"^against: layer 'hidden2' has shape \(1, 3\) but expected \(1, 2\) \(1 rows x 2 neurons\)$"),
    "transposed-array": (deep(hidden1=np.zeros((2, 1))), InputError,
                         r"^against: layer 'hidden1' has shape \(2, 1\) but expected \(1, 2\)"),
    "list-too-short": ([np.zeros((1, 2))], InputError,
                       r"^against: 1 arrays for 3 layers \(hidden1, hidden2, output\)$"),
    "strings": (deep(output=np.array([["x"]])), NumberError,
                r"^against: layer 'output': expected numbers, got an array of <U1$"),
    "ragged": (deep(hidden1=[[26, 0], [1]]), InputError,
               r"^against: layer 'hidden1': not a rectangular table of numbers \("),
    "numbers-and-none": (deep(hidden1=[[26, None]]), NumberError,
                         r"^against: layer 'hidden1': expected numbers, got an array of object$"),
    "numpy-scalars-as-objects": (deep(hidden1=np.array([[np.int64(26), 0]], dtype=object)), NumberError,
                                 r"^against: layer 'hidden1': expected numbers, got an array of object$"),
    "not-arrays": (42, InputError, r"^against: expected a list of arrays, a dict by layer name or an "
                                   r"\.npz path, got int$"),
}


@pytest.mark.parametrize("against, error, message", BAD_AGAINST.values(), ids=BAD_AGAINST.keys())
def test_bad_against(against, error, message):
    with pytest.raises(error, match=message):
        compare(load("tutorial-deep"), [[3, 5]], against=against)


def test_npz_files(tmp_path):
    net = load("tutorial-deep")
    missing = tmp_path / "missing.npz"
    with pytest.raises(InputError, match=rf"^against: no file '{missing}'$"):
        compare(net, [[3, 5]], against=missing)
    text = tmp_path / "text.npz"
    text.write_text("x0,x1\n3,5\n")  # numpy takes it for a pickle: the message must not suggest loading one
    with pytest.raises(FileFormatError, match=rf"^{text}: not an \.npz file of arrays \(an \.npz file is a "
                                              r"zip archive of \.npy arrays, as numpy\.savez writes\)$"):
        compare(net, [[3, 5]], against=text)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(FileFormatError, match=rf"^{broken}: not an \.npz file of arrays \("):
        compare(net, [[3, 5]], against=broken)
    one = tmp_path / "one.npy"
    np.save(one, np.zeros((1, 2)))
    with pytest.raises(FileFormatError, match=rf"^{one}: one array, but an \.npz file with one array per "
                                              r"layer is expected \(hidden1, hidden2, output\)$"):
        compare(net, [[3, 5]], against=one)


def test_extra_arrays_are_noted_and_one_row_may_be_1d():
    against = deep(hidden1=np.array([26, 0]), logits=np.zeros(3))
    report = compare(load("tutorial-deep"), [[3, 5]], against=against)
    assert report.ok
    assert report.notes == ["ignored arrays not named after a layer: logits"]
    assert "\nnote: ignored arrays not named after a layer: logits\n" in str(report)


BAD_ROWS = {
    "one-row-unwrapped": ([3, 5], InputError, r"^rows: expected a list of input rows, got one row \[3, 5\] "
                                              r"\(wrap it: \[row\]\)$"),
    "empty": ([], InputError, r"^rows: no rows to compare$"),
    "short-row": ([[3, 5], [1]], InputError, r"^row 1: network 'tutorial-deep': 1 input value but"),
    "string": ([[3, "5"]], NumberError, r"^row 0: input 'x1': expected a number, got '5' \(str\)$"),
}


@pytest.mark.parametrize("rows, error, message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_rows(rows, error, message):
    with pytest.raises(error, match=message):
        compare(load("tutorial-deep"), rows)


@pytest.mark.parametrize("rtol, atol, message", [
    (-1, None, r"^rtol: expected a finite number >= 0, got -1$"),
    (None, math.nan, r"^atol: expected a finite number >= 0, got nan$"),
    ("1e-3", None, r"^rtol: expected a finite number >= 0, got '1e-3'$"),
    (math.inf, None, r"^rtol: expected a finite number >= 0, got inf$"),
], ids=["negative", "nan", "string", "infinite"])
def test_bad_tolerances(rtol, atol, message):
    with pytest.raises(InputError, match=message):
        compare(load("tutorial-deep"), [[3, 5]], rtol=rtol, atol=atol)


def test_given_tolerances_are_used_and_said():
    against = deep(output=np.array([[182.5]]))
    assert not compare(load("tutorial-deep"), [[3, 5]], against=against).ok
    report = compare(load("tutorial-deep"), [[3, 5]], against=against, atol=0.5)
    assert report.ok and (report.rtol, report.atol) == (1e-9, 0.5)
    assert report.tolerance_source == ("atol given, the other the default for float64 "
                                       "(0 where both sides are ints or fractions)")
    assert compare(load("tutorial-deep"), [[3, 5]], rtol=0, atol=0).tolerance_source == "given"


# -- the command line -----------------------------------------------------------------------------


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_agrees_exit_0(capsys, tmp_path):
    code, out, err = run(capsys, "compare", "tutorial-deep")
    assert (code, err) == (0, "")
    assert out.startswith("compare 'tutorial-deep' (2-2-2-1), 1 row: scalar engine vs vectorized (numpy)\n")
    assert out.endswith("\nall 3 layers agree\n")
    rows = tmp_path / "rows.csv"
    rows.write_text("x0,x1\n3,5\n-1,2.5\n")
    code, out, _ = run(capsys, "compare", "tutorial-deep", "--inputs", rows)
    assert code == 0 and ", 2 rows:" in out


def test_cli_difference_exit_1(capsys, tmp_path):
    acts = tmp_path / "acts.npz"
    np.savez(acts, hidden1=np.array(DEEP_NO_RELU[0]), hidden2=np.array(DEEP_NO_RELU[1]),
             output=np.array(DEEP_NO_RELU[2]))
    code, out, err = run(capsys, "compare", "tutorial-deep", "--input", "3", "5", "--against", acts)
    assert (code, err) == (1, "")
    assert f"  got ({acts}): -13\n" in out
    assert "  right arithmetic: node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0\n" in out
    assert "  layer 'hidden1': relu is missing" in out
    # a loose enough tolerance accepts it: exit 0
    code, _, _ = run(capsys, "compare", "tutorial-deep", "--input", "3", "5", "--against", acts,
                     "--rtol", "1", "--atol", "300")
    assert code == 0


def test_cli_bad_input_exit_2(capsys, tmp_path):
    shaped = tmp_path / "shaped.npz"
    np.savez(shaped, hidden1=np.zeros((1, 2)), hidden2=np.zeros((2, 2)), output=np.zeros((1, 1)))
    rows = tmp_path / "rows.csv"
    rows.write_text("x0,x1\n3,5\n")
    cases = [
        (["--against", tmp_path / "none.npz"], f"against: no file '{tmp_path / 'none.npz'}'"),
        (["--against", shaped], "against: layer 'hidden2' has shape (2, 2) but expected (1, 2) "
                                "(1 rows x 2 neurons)"),
        (["--rtol", "x"], "argument --rtol: invalid float value: 'x'"),
        (["--atol", "-1"], "atol: expected a finite number >= 0, got -1.0"),
        (["--input", "3", "5", "--inputs", rows], "give either --input or --inputs, not both"),
        (["--input", "3"], "network 'tutorial-deep': 1 input value but the network has 2 inputs (x0, x1)"),
    ]
    for extra, message in cases:
        code, out, err = run(capsys, "compare", "tutorial-deep", *extra)
        assert (code, out, err) == (2, "", f"scalarnet: error: {message}\n"), extra


def test_the_module_and_the_function_have_their_own_names():
    """`import scalarnet.compare` used to give the function: the module is now `crosscheck`."""
    import importlib
    import types

    import scalarnet

    module = importlib.import_module("scalarnet.crosscheck")
    assert isinstance(module, types.ModuleType)
    assert scalarnet.compare is module.compare and callable(scalarnet.compare)
    assert not isinstance(scalarnet.compare, types.ModuleType)


# -- the tolerance goes through the activation ----------------------------------------------------


def softmax_net(weights):
    return Network.from_matrices([weights], activations=["softmax"])


@pytest.mark.parametrize("dtype, weights, row, j, factor", [
    # softmax([0, -30.6]): a probability of 5e-14, given as 5e-11; the sums behind it are 30.6
    (np.float64, [[0.0], [-30.6]], [1.0], 1, 1000),
    # float32: a probability of 1e-4 after cancellation (100 - 109.2), given 10 times too big or small
    (np.float32, [[1.0, -1.0], [1.0, -1.092]], [100.0, 100.0], 1, 10),
    (np.float32, [[1.0, -1.0], [1.0, -1.092]], [100.0, 100.0], 1, 0.1),
], ids=["float64-5e-14-x1000", "float32-1e-4-x10", "float32-1e-4-x0.1"])
def test_a_wrong_small_probability_is_caught(dtype, weights, row, j, factor):
    # The old scale was the sums' (30.6, or 209 after cancellation) for every value of the layer, so
    # these passed: 5e-11 - 5e-14 <= 1e-9 * 30.6, and 9e-4 <= 1e-5 * 209.
    net = softmax_net(weights)
    right = vectorized.forward(net, [row], dtype=np.dtype(dtype).name).a[0]
    assert compare(net, [row], against=[right]).ok
    wrong = right.copy()
    wrong[0, j] *= dtype(factor)
    report = compare(net, [row], against=[wrong])
    assert not report.ok and report.first.index == j, str(report)


@dataclass
class ToleranceCase:
    """A random network within known bounds, a batch, a float dtype and one value to make wrong."""

    seed: int
    widths: list
    activations: list
    dtype: str
    n_rows: int

    gain: float  # weights and biases from -gain to gain: large ones make tiny probabilities

    def build(self):
        rng = random.Random(self.seed)
        g = self.gain
        weights = [[[rng.uniform(-g, g) for _ in range(n_in)] for _ in range(n_out)]
                   for n_in, n_out in zip(self.widths, self.widths[1:])]
        biases = [[rng.uniform(-g, g) for _ in range(n_out)] for n_out in self.widths[1:]]
        acts = [get_activation("leaky_relu", slope=rng.choice([0.01, 0.2])) if a == "leaky_relu"
                else get_activation(a) for a in self.activations]
        rows = [[rng.uniform(-3, 3) for _ in range(self.widths[0])] for _ in range(self.n_rows)]
        return Network.from_matrices(weights, biases, acts), rows, rng


@st.composite
def tolerance_cases(draw):
    n_layers = draw(st.integers(1, 3))
    return ToleranceCase(seed=draw(st.integers(0, 2 ** 32 - 1)),
                         widths=draw(st.lists(st.integers(1, 6), min_size=n_layers + 1,
                                              max_size=n_layers + 1)),
                         activations=draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=n_layers,
                                                   max_size=n_layers)),
                         dtype=draw(st.sampled_from(["float32", "float64"])),
                         n_rows=draw(st.integers(1, 8)), gain=draw(st.sampled_from([0.5, 1, 4, 10])))


def numpy_pass(net, rows, dtype):
    """An independent forward pass written here in plain numpy, every step in `dtype`."""
    a = np.asarray(rows, dtype=dtype)
    layers = []
    for layer in net.layers:
        w = np.array([n.weights for n in layer.neurons], dtype=dtype)  # (n_out, n_in)
        b = np.array([n.bias for n in layer.neurons], dtype=dtype)
        z = np.einsum("ri,ji->rj", a, w) + b  # (rows, n_in), (n_out, n_in) -> (rows, n_out)
        act = layer.activation
        with np.errstate(over="ignore"):
            if act.name == "relu":
                a = np.where(z > 0, z, np.zeros_like(z))
            elif act.name == "leaky_relu":
                a = np.where(z > 0, z, z * np.asarray(act.slope, dtype=dtype))
            elif act.name == "tanh":
                a = np.tanh(z)
            elif act.name == "sigmoid":
                a = np.ones_like(z) / (1 + np.exp(-z))  # exp(-z) may overflow to inf: then 0
            elif act.name == "softmax":
                e = np.exp(z - z.max(axis=1, keepdims=True))
                a = e / e.sum(axis=1, keepdims=True)
            else:
                a = z
        layers.append(a.astype(dtype))
    return layers


def sums_bound(net, rows) -> float:
    """A bound on the sum of the magnitudes of the products behind any value of the pass, worked out
    here layer by layer from the largest row sum of |weights| (the activations used here never make
    a value larger than its sum, or than 1): no rounding in a sum can exceed rtol times this."""
    size = max(abs(x) for row in rows for x in row)  # the largest |value| a layer reads
    carried = bound = 0.0
    for layer in net.layers:
        carried = max(sum(abs(w) for w in n.weights) * (carried + size) + abs(n.bias) for n in layer.neurons)
        size = max(carried, 1.0)
        bound = max(bound, carried)
    return bound


def must_be_caught(act: str, value: float, dtype: str, d: float) -> bool:
    """Whether rounding (every sum off by at most d) cannot explain `value` being 10 times off.

    A sigmoid or softmax probability moves by a factor of at most e^(2d) when its sums move by d:
    with d <= 0.2 that is below 1.5, far from 10. Any other value moves by at most d (every slope
    here is at most 1), so |value| >= 2d cannot become 10*value or value/10.
    """
    if value == 0 or not math.isfinite(value) or abs(value) < np.finfo(dtype).tiny:
        return False  # 0 stays 0; below the smallest normal number a float has no relative precision
    if act in ("sigmoid", "softmax"):
        return d <= 0.2
    return abs(value) >= 2 * d


@given(case=tolerance_cases())
@settings(max_examples=200, deadline=None)
def test_correct_passes_agree_and_a_value_10_times_off_never_does(case):
    net, rows, rng = case.build()
    note(f"{case}")
    passes = {"vectorized": [a.astype(case.dtype) for a in vectorized.forward(net, rows, dtype=case.dtype).a],
              "numpy": numpy_pass(net, rows, case.dtype)}
    for name, layers in passes.items():
        report = compare(net, rows, against=layers)
        assert report.ok, f"{name} pass in {case.dtype}:\n{report}"
    layers = passes["numpy"]
    d = DEFAULT_TOLERANCES[case.dtype][0] * sums_bound(net, rows)
    candidates = [(k, r, j) for k, layer in enumerate(net.layers) for r in range(len(rows))
                  for j in range(len(layer))
                  if must_be_caught(layer.activation.name, float(layers[k][r, j]), case.dtype, d)]
    if not candidates:
        return
    smallest = min(candidates, key=lambda c: abs(float(layers[c[0]][c[1], c[2]])))  # the hardest one
    for (k, r, j), factor in [(rng.choice(candidates), 10), (rng.choice(candidates), 0.1),
                              (smallest, 10), (smallest, 0.1)]:
        wrong = [layer.copy() for layer in layers]
        wrong[k][r, j] *= np.asarray(factor, dtype=case.dtype)
        report = compare(net, rows, against=wrong)
        note(f"layer {k}, row {r}, neuron {j}: {layers[k][r, j]!r} times {factor}")
        assert not report.ok, str(report)
        first = report.first
        assert (first.layer, first.row, first.index) == (net.layers[k].name, r, j), str(report)

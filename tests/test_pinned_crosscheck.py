"""compare pinned: each default tolerance just inside and just outside, exact sides, NaN, the report's text."""

import math
import time
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from scalarnet import InputError, Network, NumberError, compare, get_activation, vectorized
from scalarnet.crosscheck import DEFAULT_TOLERANCES

# one input, one neuron, output = input * 1.0: the expected value is the row and its scale is |row|
ONE = [[[1.0]]]


def against(value, dtype):
    return [np.array([[value]], dtype=dtype)]


# -- the default tolerances, each at half and twice its size (10x looser or tighter fails one) ------

DEFAULTS = {
    # dtype: (rtol, atol: the dtype's smallest normal number)
    "float64": (1e-9, 2.2250738585072014e-308),
    "float32": (1e-5, 1.1754943508222875e-38),
    "float16": (1e-2, 6.103515625e-05),
}


@pytest.mark.parametrize("dtype", DEFAULTS, ids=DEFAULTS.keys())
def test_default_tolerances_by_dtype(dtype):
    rtol, atol = DEFAULTS[dtype]
    assert DEFAULT_TOLERANCES[dtype] == (rtol, atol)
    report = compare(Network.from_matrices(ONE), [[1.0]], against=against(1.0, dtype))
    assert (report.rtol, report.atol) == (rtol, atol)
    assert report.tolerance_source == f"defaults for {dtype}; 0 where both sides are ints or fractions"


@pytest.mark.parametrize("dtype", DEFAULTS, ids=DEFAULTS.keys())
@pytest.mark.parametrize("factor, ok", [(0.5, True), (2.0, False)], ids=["inside", "outside"])
def test_default_rtol_just_inside_and_outside(dtype, factor, ok):
    # expected 1.0 with scale 1: |got - 1| <= atol + rtol
    rtol = DEFAULTS[dtype][0]
    got = np.array([[1.0 + factor * rtol]], dtype=dtype)
    assert abs(float(got[0, 0]) - 1.0) == pytest.approx(factor * rtol, rel=0.1)  # representable enough
    report = compare(Network.from_matrices(ONE), [[1.0]], against=[got])
    assert report.ok is ok


@pytest.mark.parametrize("dtype", DEFAULTS, ids=DEFAULTS.keys())
@pytest.mark.parametrize("factor, ok", [(0.5, True), (2.0, False)], ids=["inside", "outside"])
def test_default_atol_just_inside_and_outside(dtype, factor, ok):
    # a weight of 0 and no bias: expected 0.0 with scale 0, so only atol is left
    atol = DEFAULTS[dtype][1]
    got = np.array([[factor * atol]], dtype=dtype)
    assert float(got[0, 0]) == factor * atol
    report = compare(Network.from_matrices([[[0.0]]]), [[1.0]], against=[got])
    assert report.ok is ok


# -- a float32 layer next to a float64 layer ----------------------------------------------------------

# two layers, each output = input * 1.0: both expected 1.0 with scale 1 (layer 2's scale is 2: its own
# product and layer 1's scale carried through the weight)
TWO = [[[1.0]], [[1.0]]]
MIXED = {
    # (layer 1's value and dtype, layer 2's value and dtype, ok). A layer gets the defaults of the least
    # precise dtype among it and the layers before it: a float64 layer after a float32 one inherits
    # float32's rounding (float32's rtol 1e-5 there), one before it has only float64's (rtol 1e-9)
    "f64-then-f32-f64-off-5e-10": ((1 + 5e-10, "float64"), (1.0, "float32"), True),
    "f64-then-f32-f64-off-2e-9": ((1 + 2e-9, "float64"), (1.0, "float32"), False),
    "f64-then-f32-f64-off-2e-6": ((1 + 2e-6, "float64"), (1.0, "float32"), False),
    "f64-then-f32-f32-off-1.5e-5": ((1.0, "float64"), (1 + 1.5e-5, "float32"), True),
    "f64-then-f32-f32-off-4e-5": ((1.0, "float64"), (1 + 4e-5, "float32"), False),
    "f32-then-f64-f64-off-1.5e-5": ((1.0, "float32"), (1 + 1.5e-5, "float64"), True),
    "f32-then-f64-f64-off-4e-5": ((1.0, "float32"), (1 + 4e-5, "float64"), False),
    "f32-then-f32-off-5e-6": ((1 + 5e-6, "float32"), (1 + 5e-6, "float32"), True),
}


@pytest.mark.parametrize("first, second, ok", MIXED.values(), ids=MIXED.keys())
def test_a_float32_layer_next_to_a_float64_layer(first, second, ok):
    arrays = [np.array([[v]], dtype=d) for v, d in (first, second)]
    report = compare(Network.from_matrices(TWO), [[1.0]], against=arrays)
    assert (report.rtol, report.atol) == DEFAULTS["float32"]  # the header shows the loosest
    assert report.tolerance_source.startswith("defaults for float32;")
    assert report.ok is ok


def test_a_float64_layer_before_a_float32_one_is_noted():
    arrays = [np.array([[1.0]], dtype="float64"), np.array([[1.0]], dtype="float32")]
    report = compare(Network.from_matrices(TWO), [[1.0]], against=arrays)
    assert report.notes == ["layer 'hidden1' has the defaults for float64 (rtol=1e-09 atol=2.23e-308): "
                            "no less precise layer up to it"]
    assert "note: " + report.notes[0] in str(report).splitlines()
    assert compare(Network.from_matrices(TWO), [[1.0]], against=arrays[::-1]).notes == []
    assert compare(Network.from_matrices(TWO), [[1.0]], against=arrays, rtol=1e-5, atol=0).notes == []


def test_a_given_tolerance_applies_to_every_layer():
    arrays = [np.array([[1 + 2e-6]], dtype="float64"), np.array([[1.0]], dtype="float32")]
    assert compare(Network.from_matrices(TWO), [[1.0]], against=arrays, rtol=1e-5).ok
    assert compare(Network.from_matrices(TWO), [[1.0]], against=arrays, rtol=1e-5, atol=0).ok
    assert not compare(Network.from_matrices(TWO), [[1.0]], against=arrays, atol=1e-300).ok


def test_the_least_precise_of_three_dtypes_sets_the_defaults():
    arrays = [np.array([[1.0]], dtype=d) for d in ("float64", "float16", "float32")]
    report = compare(Network.from_matrices([[[1.0]]] * 3), [[1.0]], against=arrays)
    assert (report.rtol, report.atol) == DEFAULTS["float16"]


# -- exact and Decimal sides --------------------------------------------------------------------------

EXACT_SIDES = {
    # (weight, row, the other side's value, ok)
    "fraction-equal": (Fraction(1, 3), [1], Fraction(1, 3), True),
    "fraction-off-1e-40": (Fraction(1, 3), [1], Fraction(1, 3) + Fraction(1, 10 ** 40), False),
    "int-off-1": (3, [10 ** 20], 3 * 10 ** 20 + 1, False),
    "int-equal-beyond-float": (3, [10 ** 20], 3 * 10 ** 20, True),
    # Decimals round (28 digits): they get float64's defaults, not exactness
    "decimal-inside": (Decimal(1), [Decimal(1)], Decimal("1.000000001"), True),
    "decimal-outside": (Decimal(1), [Decimal(1)], Decimal("1.000000002"), False),
}


@pytest.mark.parametrize("weight, row, other, ok", EXACT_SIDES.values(), ids=EXACT_SIDES.keys())
def test_fractions_and_ints_are_exact_decimals_get_float64_defaults(weight, row, other, ok):
    report = compare(Network.from_matrices([[[weight]]]), [row], against=[[[other]]])
    assert report.ok is ok
    assert (report.rtol, report.atol) == DEFAULTS["float64"]  # shown; exact layers use 0


def test_a_fraction_side_against_a_float_side_gets_float64_defaults():
    net = Network.from_matrices([[[Fraction(1, 3)]]])
    assert compare(net, [[1]], against=[[[1 / 3 + 1e-10]]]).ok
    assert not compare(net, [[1]], against=[[[1 / 3 + 1e-8]]]).ok


def test_exact_sides_with_one_tolerance_given_keep_the_other_at_0():
    net = Network.from_matrices([[[1]]])
    # atol given: rtol stays 0 where both sides are ints, so 10**9 + 10 is off by more than atol=5
    assert not compare(net, [[10 ** 9]], against=[[[10 ** 9 + 10]]], atol=5).ok
    assert compare(net, [[10 ** 9]], against=[[[10 ** 9 + 5]]], atol=5).ok
    # rtol given: atol stays 0
    assert compare(net, [[10 ** 9]], against=[[[10 ** 9 + 10]]], rtol=1e-8).ok
    assert not compare(net, [[0]], against=[[[1]]], rtol=1e-8).ok
    report = compare(net, [[1]], against=[[[1]]], rtol=1e-8)
    assert report.tolerance_source == ("rtol given, the other the default for float64 "
                                       "(0 where both sides are ints or fractions)")
    assert (report.rtol, report.atol) == (1e-8, DEFAULTS["float64"][1])


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_int_network_against_a_float_array_holding_nan_or_inf(value):
    report = compare(Network.from_matrices([[[2, 3]]]), [[1, 1]], against=[np.array([[value]])])
    assert not report.ok
    assert report.first.expected == 5 and (report.first.got == value or math.isnan(report.first.got))
    assert report.layers[0].differing == 1


# -- the report's text --------------------------------------------------------------------------------


@pytest.mark.parametrize("n, expected", [
    # 11 products and the bias: 12 terms, in full
    (11, "output: 1*1 + 1*2 + 1*3 + 1*4 + 1*5 + 1*6 + 1*7 + 1*8 + 1*9 + 1*10 + 1*11 + 1 = 67"),
    # 13 terms: the first 8, how many are left out, the last 3
    (12, "output: 1*1 + 1*2 + 1*3 + 1*4 + 1*5 + 1*6 + 1*7 + 1*8 + ... (2 more) ... + 1*11 + 1*12 + 1 = 79"),
], ids=["12-terms-in-full", "13-terms-shortened"])
def test_the_12_term_cutoff(n, expected):
    report = compare(Network.from_matrices([[list(range(1, n + 1))]], [[1]]), [[1] * n], against=[[[0]]])
    assert report.first.arithmetic() == expected
    assert f"  right arithmetic: {expected}" in str(report).splitlines()


@pytest.mark.parametrize("wrong, listed", [
    (5, "output_0, output_1, output_2, output_3, output_4 (5 of 7)"),
    (6, "output_0, output_1, output_2, output_3, output_4, ... (6 of 7)"),
], ids=["5-listed", "6th-elided"])
def test_at_most_5_differing_neurons_are_listed(wrong, listed):
    report = compare(Network.from_matrices([[[1]] * 7]), [[1]], against=[[[0] * wrong + [1] * (7 - wrong)]])
    assert "output: neurons that differ: " + listed in str(report).splitlines()


def test_report_rounds_the_arithmetic_to_6_digits_by_default():
    report = compare(Network.from_matrices([[[1 / 3]]]), [[1.0]], against=[[[0.5]]])
    assert "  right arithmetic: output: 1.0*0.333333 = 0.333333" in str(report).splitlines()
    assert "  right arithmetic: output: 1.0*0.33 = 0.33" in report.text(2).splitlines()
    assert "  expected (scalar engine): 0.3333333333333333" in str(report).splitlines()  # values in full
    assert report.first.arithmetic() == "output: 1.0*0.3333333333333333 = 0.3333333333333333"


def _table_row(report, layer):
    return [x for x in str(report).splitlines() if x.startswith(layer + " ")][0].split()


@pytest.mark.parametrize("weights, activation, row, got, max_abs, max_rel", [
    # a dead relu's 0 (scale 0) given as -1: relative to the larger side, 1/1
    ([[[-1.0]]], "relu", [1.0], -1.0, "1.0", "1.0"),
    # scale 0 (weight 0, no bias), expected 0, given 1e-300: 1e-300 relative to itself
    ([[[0.0]]], "identity", [1.0], 1e-300, "1e-300", "1.0"),
    # scale 0, expected 0, given inf: nothing to be relative to
    ([[[0.0]]], "identity", [1.0], math.inf, "inf", "inf"),
    # expected 2 (scale 2) given 3: 1/3 relative to the larger side
    ([[[2.0]]], "identity", [1.0], 3.0, "1.0", "0.333"),
    # expected 2 given 1: 1/2
    ([[[2.0]]], "identity", [1.0], 1.0, "1.0", "0.5"),
], ids=["dead-relu-off-by-1", "zero-scale-tiny", "zero-scale-inf", "over", "under"])
def test_the_max_diff_columns(weights, activation, row, got, max_abs, max_rel):
    net = Network.from_matrices(weights, activations=[activation])
    report = compare(net, [row], against=[[[got]]])
    assert _table_row(report, "output") == ["output", "1", "1/1", max_abs, max_rel, "wrong", "DIFFERS"]


def test_seconds_are_the_three_parts_and_add_up_to_at_most_the_call():
    net = Network.from_matrices([[[1.0] * 50] * 50] * 3)
    start = time.perf_counter()
    report = compare(net, [[0.5] * 50] * 20)
    total = time.perf_counter() - start
    assert list(report.seconds) == ["scalar", "vectorized", "checks"]
    assert all(0 < s for s in report.seconds.values())
    assert sum(report.seconds.values()) <= total
    assert "second" not in str(report)  # never printed: the text is deterministic


# -- the scales (vectorized.sum_scale, activation_scale): each rule of layer_scales' docstring --------

def _sig(z):
    return 1 / (1 + math.exp(-z))


def test_sum_scale_is_the_magnitudes_through_abs_w_plus_abs_b():
    # (|prev_scale| + |prev|) @ |W|.T + |b|: [1 + 3, 2 + 4] . [1, 2] + 5 = 21; second neuron 4*3 + 0 + 1 = 13
    scale = vectorized.sum_scale(np.array([[1.0, 2.0]]), np.array([[-3.0, 4.0]]),
                                 np.array([[1.0, -2.0], [-3.0, 0.0]]), np.array([-5.0, 1.0]))
    assert scale.tolist() == [[21.0, 13.0]]


SCALES = {
    # (activation, z, z_scale, rtol, expected scale: the move of f on [z - d, z + d] over rtol, d = rtol * z_scale)
    "identity": ("identity", [[5.0, -5.0]], [[3.0, 4.0]], 0.5, [[3.0, 4.0]]),
    "rtol-0-passes-the-sum-scale": ("sigmoid", [[5.0, -5.0]], [[3.0, 4.0]], 0.0, [[3.0, 4.0]]),
    # relu, d = 1: slope 1 above d (z = d included), 0 below -d, 1 in between (it may cross 0)
    "relu": ("relu", [[2.0, 1.0, -2.0, -1.0, 0.5, -0.5]], [[2.0] * 6], 0.5, [[2.0, 2.0, 0.0, 0.0, 2.0, 2.0]]),
    # leaky_relu(0.25): its slope below -d (z = -d included); in between the steeper, 1
    "leaky": (get_activation("leaky_relu", slope=0.25), [[2.0, -1.0, -2.0, 0.5]], [[2.0] * 4], 0.5, [[2.0, 0.5, 0.5, 2.0]]),
    # slope 2: steeper below 0 than above, so in between (z = d excluded) it is 2
    "leaky-steep": (get_activation("leaky_relu", slope=2.0), [[1.0, 0.5, -1.0]], [[2.0] * 3], 0.5, [[2.0, 4.0, 4.0]]),
    # sigmoid at 0, d = 1: the slope 1/4 times d is more than sigmoid(1) - 0.5 = 0.231
    "sigmoid-0": ("sigmoid", [[0.0]], [[2.0]], 0.5, [[0.25 * 1 / 0.5]]),
    # at 2, d = 1: the larger move is down, to sigmoid(1)
    "sigmoid-2": ("sigmoid", [[2.0]], [[2.0]], 0.5, [[(_sig(2) - _sig(1)) / 0.5]]),
    "sigmoid--2": ("sigmoid", [[-2.0]], [[2.0]], 0.5, [[(_sig(-1) - _sig(-2)) / 0.5]]),
    # d below half an ulp of z: the slope times the sum's scale
    "sigmoid-slope": ("sigmoid", [[1.0]], [[3.0]], 1e-20, [[_sig(1) * _sig(-1) * 3.0]]),
    "tanh-slope": ("tanh", [[1.0]], [[3.0]], 1e-20, [[(1 - math.tanh(1) ** 2) * 3.0]]),
    "tanh-1": ("tanh", [[1.0]], [[2.0]], 0.5, [[(math.tanh(1) - math.tanh(0)) / 0.5]]),
    # a non-finite sum is compared exactly: scale 0
    "sigmoid-inf": ("sigmoid", [[math.inf, -math.inf]], [[2.0, 2.0]], 0.5, [[0.0, 0.0]]),
    # softmax: min(a, 1 - a) * (e^(2D) - 1), D the row's largest d, capped at 1, over rtol
    "softmax": ("softmax", [[0.0, math.log(3)], [0.0, 0.0]], [[1.0, 2.0], [0.5, 0.5]], 0.1,
                [[0.25 * math.expm1(0.4) / 0.1] * 2, [0.5 * math.expm1(0.1) / 0.1] * 2]),
    "softmax-capped": ("softmax", [[0.0, 0.0]], [[100.0, 0.0]], 0.1, [[10.0, 10.0]]),
}


@pytest.mark.parametrize("act, z, z_scale, rtol, expected", SCALES.values(), ids=SCALES.keys())
def test_activation_scale(act, z, z_scale, rtol, expected):
    got = vectorized.activation_scale(act, np.array(z), np.array(z_scale), rtol)
    assert got.shape == np.array(expected).shape
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# -- inputs, tolerances given, processes ---------------------------------------------------------------

@pytest.mark.parametrize("rows, message", [
    (5, r"^rows: expected a list of input rows, got 5$"),
    ("35", r"^rows: expected a list of input rows, got '35'$"),
    ({"x0": 3}, r"^rows: expected a list of input rows, got \{'x0': 3\}$"),
    ([5], r"^rows: expected a list of input rows, got one row \[5\] \(wrap it: \[row\]\)$"),
], ids=["int", "str", "dict", "one-number"])
def test_rows_that_are_not_a_list_of_rows(rows, message):
    with pytest.raises(InputError, match=message):
        compare(Network.from_matrices(ONE), rows)


def test_rows_may_be_a_2d_array():
    report = compare(Network.from_matrices(ONE), np.array([[1.0], [2.0]]))
    assert report.ok and report.rows == 2


@pytest.mark.parametrize("rtol, atol", [(0, 0), (0.5, 0), (0, 2.5)], ids=["zeros", "rtol-half", "atol"])
def test_zero_and_large_tolerances_are_accepted(rtol, atol):
    report = compare(Network.from_matrices(ONE), [[1.0]], against=[[[1.0]]], rtol=rtol, atol=atol)
    assert (report.rtol, report.atol, report.tolerance_source) == (rtol, atol, "given")


def test_given_tolerances_show_3_significant_digits():
    report = compare(Network.from_matrices(ONE), [[1.0]], rtol=1.23456e-5, atol=6.54321e-7)
    assert str(report).splitlines()[1] == ("tolerance: |difference| <= atol + rtol * scale, rtol=1.23e-05 "
                                           "atol=6.54e-07 (given)")
    arrays = [np.array([[1.0]], dtype="float64"), np.array([[1.0]], dtype="float32")]
    report = compare(Network.from_matrices(TWO), [[1.0]], against=arrays, rtol=1.23456e-5)
    assert report.notes == ["layer 'hidden1' has the defaults for float64 (rtol=1.23e-05 atol=2.23e-308): "
                            "no less precise layer up to it"]


def test_the_max_diff_columns_show_3_significant_digits():
    report = compare(Network.from_matrices([[[1 / 3]]]), [[1.0]], against=[[[0.5]]])
    assert _table_row(report, "output") == ["output", "1", "1/1", "0.167", "0.333", "wrong", "DIFFERS"]


def test_one_process_by_default_from_python(monkeypatch):
    from scalarnet import parallel
    calls = []
    real = parallel.run_rows

    def spy(net, rows, one, workers, progress):
        calls.append((workers, progress))
        return real(net, rows, one, workers, progress)

    monkeypatch.setattr(parallel, "run_rows", spy)
    compare(Network.from_matrices(ONE), [[1.0]])
    compare(Network.from_matrices(ONE), [[1.0]], workers=None, progress=True)
    assert calls == [(1, False), (None, True)]


def test_a_missing_bias_is_named_when_every_bias_is_1():
    net = Network.from_matrices([[[1.0, 2.0], [3.0, -1.0]]], [[1.0, 1.0]])
    report = compare(net, [[1.0, 2.0], [0.5, -3.0]], against=[[[5.0, 1.0], [-5.5, 4.5]]])
    assert [(d.layer, d.kind) for d in report.diagnoses] == [("output", "missing_bias")]


# -- vectorized: exact values, the int64 limit, bad inputs ---------------------------------------------

BIG = 2 ** 70  # an int beyond int64 makes the array one of Python numbers (object)

SAME_AS_ENGINE = {
    # (activation, the values of one row as an object array): numpy gives the engine's value and type
    "relu-exact": (get_activation("relu"), [BIG, Fraction(1, 2), Fraction(-1, 2), Decimal("-0"), Decimal("0.5"), 0]),
    "leaky-exact": (get_activation("leaky_relu"), [BIG, 0, -BIG, Fraction(-1, 2), Decimal("-2"), Fraction(1, 3)]),
    "leaky-negative-slope-zero": (get_activation("leaky_relu", slope=-1.0), [0.0, -0.0, 2.0, -3.0]),
}


@pytest.mark.parametrize("act, row", SAME_AS_ENGINE.values(), ids=SAME_AS_ENGINE.keys())
def test_activate_gives_the_engines_values_and_types(act, row):
    z = np.array([row], dtype=object if any(not isinstance(v, float) for v in row) else np.float64)
    got = vectorized.activate(act, z)[0].tolist()
    assert [repr(v) for v in got] == [repr(act(v)) for v in row]  # repr: the type and the sign of 0.0


@pytest.mark.parametrize("slope, row, message", [
    (Decimal("0.1"), np.array([[-1.5]]), r"^leaky_relu slope Decimal\('0.1'\) meets floats"),
    (Decimal("0.1"), np.array([[-1.5, BIG]], dtype=object), r"^leaky_relu slope Decimal\('0.1'\): "),
], ids=["float-array", "float-in-object-array"])
def test_a_decimal_slope_meeting_a_float(slope, row, message):
    with pytest.raises(NumberError, match=message):
        vectorized.activate(get_activation("leaky_relu", slope=slope), row)


def test_as_float_of_ints_beyond_a_float_keeps_the_sign():
    assert vectorized.as_float(np.array([2 ** 1100, -2 ** 1100, Fraction(1, 4)], dtype=object)).tolist() == \
        [math.inf, -math.inf, 0.25]


@pytest.mark.parametrize("row, bias, expected", [
    ([2 ** 62], 0, 2 ** 63),            # the bound is exactly 2**63: Python ints
    ([2 ** 62 - 1], 2, 2 ** 63),        # the bias counts: 2**63 - 2 + 2
    ([2 ** 61], 0, 2 ** 62),            # below: int64
], ids=["exactly-2**63", "with-bias", "below"])
def test_int_sums_that_may_reach_2_to_the_63_are_python_ints(row, bias, expected):
    net = Network.from_matrices([[[2]]], [[bias]])
    out = vectorized.forward(net, [row]).output
    assert out.tolist() == [[expected]] and out[0, 0] == net.forward(row)[0]
    assert out.dtype == (object if expected >= 2 ** 63 else np.int64)


def test_no_rows_stay_int64():
    out = vectorized.forward(Network.from_matrices([[[2, 3]]]), np.zeros((0, 2), dtype=np.int64)).output
    assert out.shape == (0, 1) and out.dtype == np.int64


def test_as_array_keeps_uint64_below_the_int64_limit_as_int64():
    assert vectorized.as_array(np.array([2 ** 63 - 1], dtype=np.uint64)).dtype == np.int64
    assert vectorized.as_array(np.array([2 ** 63], dtype=np.uint64)).tolist() == [2 ** 63]


def test_as_array_refuses_a_decimal_nan():
    with pytest.raises(NumberError, match=r"^rows: Decimal\('NaN'\) is not finite"):
        vectorized.as_array([[Decimal("NaN")]], "rows")


def test_forward_refuses_an_unknown_dtype():
    with pytest.raises(InputError, match=r"^dtype: expected float16, float32 or float64, got 'int8'$"):
        vectorized.forward(Network.from_matrices(ONE), [[1.0]], dtype="int8")


def test_a_decimal_meeting_a_fraction_is_a_number_error():
    net = Network.from_matrices([[[Decimal("1.5")]]])
    with pytest.raises(NumberError, match=r"^row 0, neuron 0: "):
        vectorized.forward(net, [[Fraction(1, 3)]])


def test_to_network_refuses_names_that_do_not_fit():
    m = vectorized.matrices(Network.from_matrices([[[1, 2], [3, 4]]]))
    m.neuron_names = [["only_one"]]
    with pytest.raises(ValueError):
        m.to_network()


def test_an_activation_without_a_numpy_version_is_a_network_error():
    from scalarnet.activations import Activation
    from scalarnet.errors import NetworkError

    class Cube(Activation):
        name = "cube"

        def __call__(self, z):
            return z ** 3

    with pytest.raises(NetworkError, match=r"^vectorized: no numpy version of activation 'cube'$"):
        vectorized.activate(Cube(), np.array([[1.0]]))


def test_diagnose_alone_scales_with_its_own_rtol():
    from scalarnet.crosscheck import diagnose
    w, b = np.array([[2.0, 4.0], [4.0, -5.0]]), np.array([0.0, 0.0])
    prev = np.array([[3.0, 5.0]])
    found = diagnose("hidden1", w, b, get_activation("relu"), prev, np.array([[26.0, -13.0]]),
                     np.zeros((1, 2)), 1e-9, 0.0)
    assert [(d.layer, d.kind) for d in found] == [("hidden1", "missing_activation")]
    assert diagnose("hidden1", w, b, get_activation("relu"), prev, np.array([[26.0, 0.0]]),
                    np.zeros((1, 2)), 1e-9, 0.0) == []


def test_each_noted_layer_names_the_least_precise_dtype_up_to_it():
    arrays = [np.array([[1.0]], dtype=d) for d in ("float64", "float32", "float16")]
    report = compare(Network.from_matrices([[[1.0]]] * 3), [[1.0]], against=arrays)
    assert report.notes == [
        "layer 'hidden1' has the defaults for float64 (rtol=1e-09 atol=2.23e-308): no less precise layer up to it",
        "layer 'hidden2' has the defaults for float32 (rtol=1e-05 atol=1.18e-38): no less precise layer up to it"]


def test_against_a_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"^against: cannot read '.*' \(.*\)$"):
        compare(Network.from_matrices(ONE), [[1.0]], against=str(tmp_path))

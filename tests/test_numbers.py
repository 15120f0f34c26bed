"""Numbers where they enter: numpy scalars, the Decimal policy, huge ints, and the errors they give."""

import math
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from scalarnet import (Layer, LossError, Network, NetworkError, Neuron, NumberError, ScalarnetError, compare,
                       get_activation, gradients, load, loads, train)
from scalarnet.cli import main
from scalarnet.numbers import fmt
from scalarnet.vectorized import forward as vectorized_forward


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def python_numbers(values):
    return all(type(v) in (int, float, Fraction, Decimal) for v in values)


# -- numpy scalars become Python numbers where they enter ----------------------------------------


SUM = Network.from_matrices([[[1, 2]]])  # output = x0 + 2*x1


@pytest.mark.parametrize("inputs, output", [
    (list(np.array([200, 100], dtype=np.uint8)), [400]),  # was 144: uint8 wrapped around (400 - 256)
    (list(np.array([100, 100], dtype=np.int8)), [300]),  # was 44
    (list(np.array([0.1, 1], dtype=np.float32)), [float(np.float32(0.1)) + 2.0]),  # was float32 arithmetic
    (list(np.array([3, 5], dtype=np.int64)), [13]),
    (list(np.array([0.5, 1], dtype=np.float16)), [2.5]),
    ([np.longdouble(0.5), np.uint64(2 ** 63)], [0.5 + 2 ** 64]),
], ids=["uint8", "int8", "float32", "int64", "float16", "longdouble-uint64"])
def test_numpy_inputs_compute_as_python_numbers(inputs, output):
    got = SUM.forward(inputs)
    assert got == output and python_numbers(got), got
    assert python_numbers(SUM.trace(inputs).output)
    assert SUM.forward_many([inputs]) == [output]


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float32, np.float64])
@pytest.mark.parametrize("name", ["tutorial-forward", "tutorial-tanh", "tutorial-relu", "tutorial-deep", "iris-mlp"])
def test_bundled_examples_with_numpy_inputs(name, dtype):
    # tutorial-tanh with uint8 inputs said "an int beyond a float's range" (np.uint8 * 1.0 ... wrapped)
    net = load(name)
    x = net.example_input
    given = list(np.array(x).astype(dtype))
    out = net.forward(given)
    assert out == net.forward([v.item() for v in given]) and python_numbers(out)


def test_numpy_weights_biases_slope_and_lr_become_python_numbers():
    w = np.array([[200, 100]], dtype=np.uint8)
    net = Network([Layer("out", [Neuron("n", list(w[0]), np.float32(0.5))],
                         get_activation("leaky_relu", slope=np.float32(0.25)))])
    n = net.layers[0].neurons[0]
    assert [type(v) for v in n.weights] == [int, int] and type(n.bias) is float
    assert type(net.layers[0].activation.slope) is float
    assert net.forward([np.uint8(1), np.uint8(1)]) == [300.5]
    assert net.forward([-1, -1]) == [0.25 * -299.5]
    train(net, [[1, 0]], [[np.float32(1)]], lr=np.float64(0.5))
    assert python_numbers(n.weights + [n.bias])


def test_numpy_targets_and_compare_rows():
    net = load("tutorial-deep")
    g = gradients(net, list(np.array([3, 5], dtype=np.uint8)), list(np.array([180], dtype=np.uint8)))
    assert g.loss == 2 and type(g.target[0]) is int
    report = compare(net, [list(np.array([200, 100], dtype=np.uint8))])
    assert report.ok, str(report)


@pytest.mark.parametrize("value", [np.True_, np.bool_(False), True], ids=["numpy-true", "numpy-false", "true"])
def test_bools_are_refused_numpy_or_not(value):
    with pytest.raises(NumberError, match=r"input 'x0': expected a number, got (True|False) \(bool\)"):
        SUM.forward([value, 1])
    with pytest.raises(NumberError, match="neuron 'n', weight 0: expected a number"):
        Neuron("n", [value])


# -- Decimals: never with floats or Fractions, checked where they enter ----------------------------

RULE = r"Decimals compute only with ints and Decimals .*: make every number a Decimal, Decimal\(str\(x\)\)"


@pytest.mark.parametrize("build, message", [
    (lambda: Network.from_matrices([[[Decimal("0.1"), 0.5]]]),
     r"weight 0 is Decimal\('0.1'\) but layer 'output', neuron 'output', weight 1 is the float 0.5"),
    (lambda: Network.from_matrices([[[Decimal(1)]]], [[Fraction(1, 3)]]),
     r"weight 0 is Decimal\('1'\) but layer 'output', neuron 'output', bias is the Fraction"),
    (lambda: Network.from_matrices([[[2]], [[Decimal(1)]]], activations="tanh"),
     r"layer 'output', neuron 'output', weight 0 is Decimal\('1'\) but layer 'hidden1' has tanh, "
     r"which gives floats"),
    (lambda: Network([Layer("h", [Neuron("n", [0.5])], get_activation("leaky_relu", slope=Decimal("0.1")))]),
     r"layer 'h', leaky_relu slope is Decimal\('0.1'\) but layer 'h', neuron 'n', weight 0 is the float 0.5"),
], ids=["decimal-and-float", "decimal-and-fraction", "decimal-after-tanh", "decimal-slope-and-float"])
def test_networks_mixing_decimals_are_refused_when_built(build, message):
    with pytest.raises(NetworkError, match=message + ".*" + RULE):
        build()


@pytest.mark.parametrize("build, inputs", [
    (lambda: Network.from_matrices([[[Decimal("0.1"), 2]], [[3]]], activations="tanh"), [1, 2]),
    (lambda: Network.from_matrices([[[1, 2]], [[0.5]]], activations="tanh"), [Decimal(1), Decimal(2)]),
    (lambda: Network.from_matrices([[[1, 2]]], [[Decimal("0.5")]]), [Decimal("0.25"), 3]),
], ids=["decimal-then-tanh-then-int", "decimal-input-tanh-float", "decimals-and-ints"])
def test_decimals_with_ints_or_before_a_float_activation_compute(build, inputs):
    net = build()
    assert net.forward(inputs) == vectorized_forward(net, [inputs]).output[0].tolist()


@pytest.mark.parametrize("net, inputs, message", [
    (Network.from_matrices([[[1, 2]]]), [Decimal(1), 2.5],
     r"input 'x0' is Decimal\('1'\) but input 'x1' is the float 2.5"),
    (Network.from_matrices([[[1, 2]], [[0.5]]], activations="relu"), [Decimal(1), Decimal(2)],
     r"input 'x0' is Decimal\('1'\) but layer 'output', neuron 'output', weight 0 is the float 0.5"),
    (Network.from_matrices([[[1, 2]]]), [Decimal(1), Fraction(1, 2)],
     r"input 'x0' is Decimal\('1'\) but input 'x1' is the Fraction"),
], ids=["decimal-and-float-inputs", "decimal-input-float-weight", "decimal-and-fraction-inputs"])
def test_decimal_inputs_meeting_floats_are_refused_before_computing(net, inputs, message):
    for call in (net.forward, net.trace, lambda x: net.gradients(x, [1]), lambda x: list(net.steps(x))):
        with pytest.raises(NumberError, match=message + ".*" + RULE):
            call(inputs)


@pytest.mark.parametrize("value", [Decimal("Infinity"), Decimal("-Infinity"), Decimal("NaN"), Decimal("sNaN")],
                         ids=str)
def test_non_finite_decimals_are_refused(value):
    # Decimal('Infinity') * 0 raised decimal.InvalidOperation from forward; floats have IEEE inf and nan
    with pytest.raises(NumberError, match=r"input 'x0': Decimal\('-?s?(Infinity|NaN)'\) is not finite"):
        SUM.forward([value, 1])
    with pytest.raises(NumberError, match="weight 0: .* is not finite"):
        Neuron("n", [value])


def test_leaky_relu_slope_errors():
    # a Decimal slope on a float input was a TypeError; a NaN slope on a Fraction a ValueError
    with pytest.raises(NumberError, match=r"leaky_relu slope Decimal\('0.1'\) meets float -1.5: a Decimal"):
        get_activation("leaky_relu", slope=Decimal("0.1"))(-1.5)
    for slope in (math.nan, math.inf, 10 ** 400, Decimal("-1e400")):
        with pytest.raises(NumberError, match=r"leaky_relu slope: expected a finite number within a "
                                              r"float's range \(about 1.8e308\), got (nan|inf|1000|Decimal)"):
            get_activation("leaky_relu", slope=slope)
    assert get_activation("leaky_relu", slope=0.5)(Fraction(-1, 3)) == Fraction(-1, 6)


def test_a_decimal_beyond_the_context_is_a_number_error():
    net = Network.from_matrices([[[Decimal("1e600000")]], [[Decimal("1e600000")]]])
    with pytest.raises(NumberError, match="layer 'output', neuron 'output': a Decimal beyond the decimal"):
        net.forward([1])


# -- huge ints: written bounded, and never an OverflowError ---------------------------------------


def long_int(n):
    """The bounded form, worked out from str() with Python's limit lifted: an independent reference."""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        digits = str(abs(n))
    finally:
        sys.set_int_max_str_digits(old)
    sign = "-" if n < 0 else ""
    return f"{sign}{digits}" if len(digits) <= 50 else f"{sign}{digits[:4]}...{digits[-4:]} ({len(digits)} digits)"


@pytest.mark.parametrize("value", [10 ** 49, -(10 ** 50) - 7, 10 ** 4400 + 12, 3 ** 9000, -7 ** 6000, 2 ** 166],
                         ids=["50-digits", "51-digits", "4401-digits", "3**9000", "-7**6000", "2**166"])
def test_fmt_of_long_ints_is_bounded(value):
    assert fmt(value) == long_int(value)
    assert fmt(Fraction(1, value)) == ("-1/" if value < 0 else "1/") + long_int(abs(value))
    assert fmt(Fraction(4 * value + 1, 4)) == f"{long_int(4 * value + 1)}/4"


@given(n=st.one_of(st.integers(), st.integers(10 ** 49, 10 ** 300),
                  st.integers(0, 3000).map(lambda k: 10 ** k), st.integers(1, 3000).map(lambda k: 10 ** k - 1),
                  st.integers(1, 3000).map(lambda k: -(10 ** k) + 1), st.integers(1, 9000).map(lambda k: 2 ** k)))
@settings(max_examples=500, deadline=None)
def test_fmt_of_any_int_against_str(n):
    assert fmt(n) == long_int(n)


def test_fmt_of_long_ints_examples():
    assert fmt(-(10 ** 50) - 7) == "-1000...0007 (51 digits)"
    assert fmt(10 ** 49) == "1" + "0" * 49


def test_gradient_text_of_a_huge_fraction():
    # the loss is a Fraction of more than 4300 digits: str() raised ValueError in numbers.fmt
    net = Network.from_matrices([[[1]]])
    g = gradients(net, [10 ** 2200 + 1], [0])
    assert g.text().splitlines()[0] == ("loss: mse = 1/2*(1000...0001 (2201 digits) - 0)^2 = "
                                        "1000...0001 (4401 digits)/2")
    g = gradients(Network.from_matrices([[[Fraction(1, 3 ** 4000)]]]), [1], [0])
    assert "(1909 digits)" in g.text()


def test_tutorial_key_with_4300_digits_is_a_network_error():
    with pytest.raises(NetworkError, match=r"key 'node1111.*'... \(4305 characters\) has a node number of "
                                           r"more than 9 digits"):
        loads('{"node%s": [1], "output": [1]}' % ("1" * 4301))


@pytest.mark.parametrize("argv, message", [
    (["step", "BIG", "--input", "1.5", "--granularity", "op"],
     "layer 'output', neuron 'output': an int beyond a float's range (about 1.8e308) meets a float"),
    (["compare", "BIG", "--input", "2"], None),
    (["gradients", "tutorial-tanh", "--input", "1", "1", "--target", "1" + "0" * 400],
     "target 'output': an int beyond a float's range (about 1.8e308) meets a float"),
    (["gradients", "tutorial-deep", "--input", "1" + "0" * 2200, "1", "--target", "0"], None),
], ids=["step", "compare", "gradients-target", "gradients-huge-loss"])
def test_cli_huge_numbers_one_line(argv, message, capsys, tmp_path):
    path = tmp_path / "big.json"
    path.write_text('{"output": [1%s]}' % ("0" * 400))  # a weight of 10**400, all ints
    argv = [str(path) if a == "BIG" else a for a in argv]
    code, out, err = run(capsys, *argv)
    if message is None:  # ints all the way: exact, and written bounded
        assert (code, err) == (0, ""), err
        assert len(out) < 5000 and ("digits)" in out or "all 1 layers agree" in out)
    else:
        assert (code, out, err) == (2, "", f"scalarnet: error: {message}; use ints and Fractions only, "
                                           "or floats only\n")


def test_compare_of_an_int_network_beyond_a_float():
    net = Network.from_matrices([[[10 ** 400, 1]]])
    assert compare(net, [[2, 3]]).ok
    report = compare(net, [[2, 3]], against=[[[2 * 10 ** 400 + 4]]])
    assert not report.ok and report.first.got == 2 * 10 ** 400 + 4


VECTORIZED_CRASH = """
from decimal import Decimal
from scalarnet import Layer, Network, Neuron, ScalarnetError
from scalarnet.vectorized import forward
for weights, bias, row in [([10**400, 0.5], 0, [Decimal(1), Decimal(2)]), ([10**400, 2], 0, [Decimal(1), 1.5]),
                           ([10**400, 1], 0, [1.5, Decimal(2)]), ([10**400], 0, [Decimal('1.5')])]:
    net = Network([Layer('o', [Neuron('n', weights, bias)])])
    try:
        print(forward(net, [row]).output.tolist())
    except ScalarnetError as e:
        print(type(e).__name__)
"""


def test_vectorized_never_hands_object_arrays_to_matmul():
    # numpy's matrix product of object arrays mixing Decimals and floats crashed the process
    result = subprocess.run([sys.executable, "-c", VECTORIZED_CRASH], capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == ["NumberError", "NumberError", "NumberError",
                                          "[[Decimal('1.500000000000000000000000000E+400')]]"]


# -- targets from torch -------------------------------------------------------------------------


def float32_targets():
    torch = pytest.importorskip("torch", reason="needs torch (pip install torch)")
    torch.manual_seed(0)
    smoothed = torch.nn.functional.one_hot(torch.tensor(1), 3).float() * 0.9 + 0.1 / 3
    return {"softmax": torch.softmax(torch.randn(7), 0), "smoothing": smoothed,
            "thirds": torch.full((3,), 1 / 3), "tenths": torch.full((10,), 0.1)}


@pytest.mark.parametrize("kind", ["softmax", "smoothing", "thirds", "tenths"])
def test_cross_entropy_takes_float32_soft_targets(kind):
    target = float32_targets()[kind]
    n = len(target)
    assert abs(math.fsum(target.tolist()) - 1) > 0 or kind == "tenths"  # not exactly 1 as float64s
    net = Network.from_matrices([[[0.1 * (j + 1)] for j in range(n)]], activations=["softmax"])
    for given in (target.tolist(), list(target.numpy())):
        g = gradients(net, [1.0], given, loss="cross_entropy")
        assert all(type(t) is float for t in g.target)


@pytest.mark.parametrize("target", [[0.5, 0.5001], [0.3, 0.3, 0.3], [1.0000001, 0.0]], ids=str)
def test_cross_entropy_still_refuses_targets_that_do_not_add_up(target):
    net = Network.from_matrices([[[1.0]] * len(target)], activations=["softmax"])
    with pytest.raises(LossError, match="must be probabilities that add up to 1"):
        gradients(net, [1.0], target, loss="cross_entropy")


def test_compare_against_tensors_that_require_grad():
    torch = pytest.importorskip("torch", reason="needs torch (pip install torch)")
    net = load("tutorial-deep")
    layers = [torch.tensor(a, dtype=torch.float64, requires_grad=True) * 1
              for a in ([[26.0, 0.0]], [[0.0, 26.0]], [[182.0]])]
    assert compare(net, [[3, 5]], against=layers).ok
    assert compare(net, [[3, 5]], against=dict(zip(["hidden1", "hidden2", "output"], layers))).ok
    with pytest.raises(ScalarnetError, match=r"cannot read the tensor .*tensor.float\(\)"):
        compare(net, [[3, 5]], against=[layer.to(torch.bfloat16) for layer in layers])


@pytest.mark.parametrize("value, shown", [
    (np.array([1, 2]), r"array\(\[1, 2\]\) \(ndarray\)"), (np.complex64(1), r"\(1\+0j\) \(complex\)"),
    (np.str_("3"), r"'3' \(str\)"), (np.datetime64("2020-01-01"), r"datetime.date\(2020, 1, 1\) \(date\)"),
], ids=["array", "complex", "str", "datetime"])
def test_numpy_values_that_are_not_numbers_are_refused(value, shown):
    with pytest.raises(NumberError, match=r"input 'x0': expected a number, got " + shown):
        SUM.forward([value, 1])


def test_to_number_keeps_python_numbers():
    from scalarnet.numbers import to_number

    for value in (3, 2.5, Fraction(1, 3), Decimal("0.1"), 10 ** 400, math.inf):
        assert to_number(value, "x") is value


# -- fuzz: any numbers, anywhere in the Python API: only ScalarnetError, and Python numbers out -----

NUMPY_TYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
               np.float16, np.float32, np.float64, np.longdouble, np.complex64]


@st.composite
def numpy_scalars(draw):
    kind = draw(st.sampled_from(NUMPY_TYPES))
    if kind is np.bool_:
        return kind(draw(st.booleans()))
    if np.issubdtype(kind, np.integer):
        info = np.iinfo(kind)
        return kind(draw(st.integers(int(info.min), int(info.max))))
    with np.errstate(over="ignore"):
        return kind(draw(st.floats(allow_nan=True, allow_infinity=True)))


ANY_NUMBER = st.one_of(
    st.integers(-5, 5), st.integers(-(10 ** 400), 10 ** 400), st.sampled_from([10 ** 400, -(10 ** 309)]),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(-3, 3),
    st.fractions(max_denominator=10 ** 6), st.decimals(allow_nan=True, allow_infinity=True, places=3),
    st.decimals(-10, 10, places=2), numpy_scalars(),
    st.sampled_from([np.array([1.0, 2.0]), np.array(5), np.array(2.5, dtype=np.float32), np.complex128(1), "3"]))


@st.composite
def api_cases(draw):
    widths = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    # mostly one kind of number per case, sometimes any mix: both reach the boundary checks
    numbers = ANY_NUMBER if draw(st.booleans()) else draw(st.sampled_from([
        st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.decimals(-10, 10, places=2),
        st.fractions(max_denominator=100), numpy_scalars()]))
    weights = [[[draw(numbers) for _ in range(n_in)] for _ in range(n_out)]
               for n_in, n_out in zip(widths, widths[1:])]
    biases = [[draw(numbers) for _ in range(n_out)] for n_out in widths[1:]]
    acts = draw(st.lists(st.sampled_from(["identity", "relu", "leaky_relu", "tanh", "sigmoid", "softmax"]),
                         min_size=len(widths) - 1, max_size=len(widths) - 1))
    slope = draw(numbers)
    acts = [("leaky_relu", slope) if a == "leaky_relu" else a for a in acts]
    x = [draw(numbers) for _ in range(widths[0])]
    target = [draw(numbers) for _ in range(widths[-1])]
    loss = draw(st.sampled_from(["mse", "cross_entropy", "binary_cross_entropy"]))
    return weights, biases, acts, x, target, loss


PYTHON_NUMBERS = (int, float, Fraction, Decimal)


def assert_python_numbers(values, what):
    bad = [v for v in values if type(v) not in PYTHON_NUMBERS]
    assert not bad, f"{what}: {bad!r}"


@given(case=api_cases())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_python_api_numbers(case):
    weights, biases, acts, x, target, loss = case
    note(repr(case))

    def call(f, *args, **kwargs):
        try:
            return f(*args, **kwargs)
        except ScalarnetError:
            return None

    activations = [call(get_activation, a[0], slope=a[1]) if isinstance(a, tuple) else a for a in acts]
    if any(a is None for a in activations):
        return
    net = call(Network.from_matrices, weights, biases, activations)
    if net is None:
        return
    for n in (n for layer in net.layers for n in layer.neurons):
        assert_python_numbers(n.weights + [n.bias], "weights")
    out = call(net.forward, x)
    if out is not None:
        assert_python_numbers(out, "forward")
    trace = call(net.trace, x)
    if trace is not None:
        assert_python_numbers(trace.output, "trace")
        assert isinstance(trace.text(), str) and isinstance(trace.text(digits=3), str)
    steps = call(lambda: [s.text for s in net.steps(x)])
    if steps is not None:
        assert all(isinstance(t, str) for t in steps)
    g = call(net.gradients, x, target, loss)
    if g is not None:
        assert_python_numbers([g.loss] + g.dx, "gradients")
        assert isinstance(g.text(), str)
    call(vectorized_forward, net, [x])
    report = call(compare, net, [x])
    if report is not None:
        assert isinstance(report.text(), str)
    call(lambda: train(net, [x], [target], lr=0.1, loss=loss))


# -- what the fuzz found -------------------------------------------------------------------------


def test_softmax_of_a_huge_int_and_a_float():
    # 0.0 - 10**400 raised OverflowError inside softmax
    assert get_activation("softmax").apply([10 ** 400, 0.0]) == [1.0, 0.0]
    assert get_activation("softmax").apply([0.5, -(10 ** 400)]) == [1.0, 0.0]


@pytest.mark.parametrize("target, message", [
    ([0.0, Decimal("1.000")], None),  # the targets are added exactly: any kinds of number
    ([10 ** 400, 0], "must be probabilities that add up to 1"),  # was OverflowError
    ([0.5, math.inf], "must be probabilities that add up to 1"),
], ids=["float-and-decimal", "huge-int", "inf"])
def test_cross_entropy_targets_of_any_kind(target, message):
    net = Network.from_matrices([[[0], [0]]], activations=["softmax"])
    if message is None:
        assert gradients(net, [1], target, loss="cross_entropy").loss == math.log(2)
    else:
        with pytest.raises(LossError, match=message):
            gradients(net, [1], target, loss="cross_entropy")


def test_mse_target_that_is_a_decimal_for_a_float_output():
    net = Network.from_matrices([[[0.5]]])
    with pytest.raises(NumberError, match=r"target 'output' is Decimal\('1'\) but the output is 0.5: Decimals"):
        gradients(net, [1], [Decimal(1)])
    with pytest.raises(NumberError, match=r"row 0: target 'output' is Decimal\('1'\)"):
        train(net, [[1]], [[Decimal(1)]], lr=0.5)


def test_vectorized_refuses_a_non_finite_decimal_row():
    net = Network.from_matrices([[[1, 1]]])
    with pytest.raises(NumberError, match=r"rows: Decimal\('sNaN'\) is not finite"):
        vectorized_forward(net, [[0, Decimal("sNaN")]])

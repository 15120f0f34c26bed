"""Activation behaviours mutation testing showed no test pinned (benchmarks/mutation.py activations):
values and types at the edges (0, -0.0, NaN, beyond a float's range), the number kind a slope is
written in, softmax with infinities, its jacobian and backward, and get_activation's messages."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from scalarnet import Layer, Network, NetworkError, Neuron, NumberError, get_activation

relu = get_activation("relu")
leaky = get_activation("leaky_relu")  # slope 0.01
sigmoid = get_activation("sigmoid")
tanh = get_activation("tanh")
softmax = get_activation("softmax")


def _same(a, b):
    """Equal value, type and sign (so -0.0 is not 0.0, and NaN is NaN)."""
    if a != a:
        return b != b and type(a) is type(b)
    return type(a) is type(b) and a == b and str(a) == str(b)


@pytest.mark.parametrize("act, z, expected", [
    (relu, -0.0, 0.0),                      # written 0.0 in a trace, not -0.0
    (relu, Decimal("NaN"), Decimal("NaN")),
    (relu, math.nan, math.nan),
    (relu, 0.5, 0.5),
    (leaky, 0, 0.0),                        # slope*z with a float slope: a float, as for z < 0
    (leaky, -5, -0.05),
    (leaky, -100, -1.0),                    # the default slope is 0.01
    (leaky, Decimal("-5"), Decimal("-0.05")),
    (get_activation("leaky_relu", slope=Decimal("0.1")), Decimal("-5"), Decimal("-0.5")),
    (leaky, Fraction(-5), Fraction(-1, 20)),
    (leaky, -10 ** 400, -math.inf),         # beyond a float's range: IEEE's infinity
    (leaky, 0.5, 0.5),
    (leaky, math.nan, math.nan),
    (sigmoid, -10 ** 400, 0.0),
    (sigmoid, 10 ** 400, 1.0),
    (tanh, -10 ** 400, -1.0),
    (sigmoid, 0.9, 1.0 / (1.0 + math.exp(-0.9))),   # the written formula 1/(1 + e^-z) for z >= 0
    (sigmoid, 1.5, 1.0 / (1.0 + math.exp(-1.5))),
    (sigmoid, -0.5, math.exp(-0.5) / (1.0 + math.exp(-0.5))),
], ids=["relu-minus-zero", "relu-decimal-nan", "relu-nan", "relu-half", "leaky-int-zero", "leaky-int",
        "leaky-default-slope", "leaky-decimal", "leaky-decimal-slope", "leaky-fraction", "leaky-huge-int",
        "leaky-half", "leaky-nan", "sigmoid-huge-negative", "sigmoid-huge", "tanh-huge-negative",
        "sigmoid-0.9", "sigmoid-1.5", "sigmoid-minus-half"])
def test_activation_value_and_type(act, z, expected):
    assert _same(act(z), expected), (act(z), expected)


@pytest.mark.parametrize("act, z, expected", [
    (leaky, Decimal(-1), Decimal("0.01")),
    (leaky, Fraction(-1), Fraction(1, 100)),
    (leaky, -1, 0.01),
    (leaky, 0.5, 1),
    (relu, 0.5, 1),
    (get_activation("identity"), 3, 1),
    (tanh, 0.5, 1.0 - math.tanh(0.5) ** 2),
    (sigmoid, 0.0, 0.25),
    (sigmoid, 2.0, sigmoid(2.0) * (1.0 - sigmoid(2.0))),
], ids=["leaky-decimal", "leaky-fraction", "leaky-float", "leaky-positive", "relu-positive", "identity",
        "tanh", "sigmoid-zero", "sigmoid-two"])
def test_derivative_value_and_type(act, z, expected):
    assert _same(act.derivative(z), expected)


def test_the_base_activation_computes_nothing():
    # a kind that forgets its function or derivative fails loudly, never a silent None
    from scalarnet import Activation

    with pytest.raises(NotImplementedError):
        Activation()(1)
    with pytest.raises(NotImplementedError):
        Activation().derivative(1)


def test_elementwise_activations_are_written_per_value():
    net = Network([Layer("h", [Neuron("a", [1]), Neuron("b", [-1])], "tanh")])
    line = str(net.trace([0]).layers[0].neurons[1])
    assert line == "b: 0*(-1) = 0 -> tanh(0) = 0.0"
    assert all(get_activation(name).elementwise for name in ("identity", "relu", "leaky_relu", "tanh", "sigmoid"))
    assert not softmax.elementwise


def test_softmax_edges():
    assert softmax.apply([]) == []
    assert softmax.apply([math.inf, 1, math.inf]) == [0.5, 0.0, 0.5]
    assert softmax.apply([math.inf, 1]) == [1.0, 0.0]
    out = softmax.apply([1, math.nan])
    assert len(out) == 2 and all(v != v for v in out)
    assert softmax.apply([0, math.log(3)]) == pytest.approx([0.25, 0.75], rel=1e-15)


def test_softmax_jacobian_and_backward():
    assert softmax.jacobian([0.25, 0.75]) == [[0.1875, -0.1875], [-0.1875, 0.1875]]
    assert softmax.backward([0, 0], [0.25, 0.75], [1.0, 2.0]) == [-0.1875, 0.1875]
    assert relu.backward([1, -1], [1, 0], [2, 3]) == [2, 0]
    assert leaky.backward([-1], [-0.01], [3]) == [0.03]


def test_get_activation_forms():
    act = get_activation("leaky_relu", slope=0.2)
    assert get_activation(act) is act
    assert get_activation(None) == get_activation("identity")
    assert get_activation("leaky_relu", slope=0.2) == act
    assert get_activation("relu") != get_activation("tanh")
    assert repr(act) == "get_activation('leaky_relu', slope=0.2)"


@pytest.mark.parametrize("call, message", [
    (lambda: get_activation("relu", slope=1), "activation 'relu' does not take slope (it takes no parameters)"),
    (lambda: get_activation("leaky_relu", alpha=1), "activation 'leaky_relu' does not take alpha (it takes slope)"),
    (lambda: get_activation(5), "unknown activation 5 (known: identity, leaky_relu, relu, sigmoid, softmax, tanh)"),
    (lambda: softmax(1.0), "softmax is a layer activation: use apply(zs) on the whole layer"),
], ids=["relu-slope", "leaky-alpha", "number", "softmax-call"])
def test_get_activation_refuses(call, message):
    with pytest.raises(NetworkError) as info:
        call()
    assert str(info.value) == message


# --- leaky_relu's slope: a float's range exactly, how a refused slope is written, a Fraction meeting a Decimal

_LARGEST_FLOAT = (2 - 2 ** -52) * 2 ** 1023    # sys.float_info.max, worked out: 2**1024 - 2**971


@pytest.mark.parametrize("slope", [_LARGEST_FLOAT, -_LARGEST_FLOAT, 2 ** 1024 - 2 ** 971, 1e308,
                                   Decimal(2 ** 1024 - 2 ** 971)], ids=repr)
def test_leaky_slope_up_to_the_largest_float_is_taken(slope):
    assert get_activation("leaky_relu", slope=slope).slope == slope


@pytest.mark.parametrize("slope, shown", [
    (2 ** 1024 - 2 ** 971 + 1, f"{str(2 ** 1024 - 2 ** 971 + 1)[:20]}... (309 characters)"),
    # an out-of-range value is written whole up to 40 characters, else its first 20 and its length
    (Decimal("1." + "2" * 22 + "E+400"), "Decimal('1." + "2" * 22 + "E+400')"),   # 40 characters
    (Decimal("1." + "2" * 23 + "E+400"), "Decimal('1.222222222... (41 characters)"),
], ids=["one-past-the-largest-float", "40-characters", "41-characters"])
def test_leaky_slope_beyond_a_float_is_refused_and_written_short(slope, shown):
    with pytest.raises(NumberError) as info:
        get_activation("leaky_relu", slope=slope)
    assert str(info.value) == ("leaky_relu slope: expected a finite number within a float's range "
                               f"(about 1.8e308), got {shown}")


def test_leaky_fraction_slope_meets_a_decimal():
    # Python cannot multiply a Decimal by a Fraction, and a Fraction's repr is no Decimal: scalarnet's error
    act = get_activation("leaky_relu", slope=Fraction(1, 2))
    message = ("leaky_relu slope Fraction(1, 2) meets the Decimal Decimal('-1'): a Decimal computes only with "
               "ints and Decimals; give the slope as a Decimal or a float")
    for call in (act, act.derivative):
        with pytest.raises(NumberError) as info:
            call(Decimal(-1))
        assert str(info.value) == message
    assert act(Fraction(-1)) == Fraction(-1, 2)

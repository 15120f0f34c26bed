"""Activations: values, types, stability at extreme inputs, derivatives against finite differences."""

import math
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalarnet import ACTIVATIONS, NetworkError, get_activation

nan, inf = math.nan, math.inf


@pytest.mark.parametrize("name, z, expected", [
    ("identity", 40, 40),
    ("identity", Fraction(1, 3), Fraction(1, 3)),
    ("relu", 40, 40),
    ("relu", -13, 0),
    ("relu", -1.5, 0.0),
    ("relu", Fraction(-1, 3), Fraction(0)),
    ("relu", Decimal("-2.5"), Decimal(0)),
    ("relu", Decimal("2.5"), Decimal("2.5")),
    ("leaky_relu", -100, -1.0),
    ("leaky_relu", Fraction(-100), Fraction(-1)),
    ("leaky_relu", Decimal("-100"), Decimal("-1.00")),
    ("tanh", 40, 1.0),
    ("tanh", 0, 0.0),
    ("sigmoid", 0, 0.5),
    ("sigmoid", -1000, 0.0),
    ("sigmoid", 1000, 1.0),
    ("sigmoid", -inf, 0.0),
    ("sigmoid", inf, 1.0),
], ids=lambda v: repr(v) if not isinstance(v, str) else v)
def test_activation_value_and_type(name, z, expected):
    a = get_activation(name)(z)
    assert a == expected
    assert type(a) is type(expected)


BIG = 10 ** 400  # an int (or Fraction) beyond a float's range counts as an infinity, as in IEEE


@pytest.mark.parametrize("name, z, a, slope", [
    ("tanh", BIG, 1.0, 0.0),
    ("tanh", -BIG, -1.0, 0.0),
    ("tanh", Fraction(BIG, 3), 1.0, 0.0),
    ("sigmoid", BIG, 1.0, 0.0),
    ("sigmoid", -BIG, 0.0, 0.0),
    ("sigmoid", Fraction(-BIG, 3), 0.0, 0.0),
    ("leaky_relu", -BIG, -inf, 0.01),
], ids=["tanh", "tanh-negative", "tanh-fraction", "sigmoid", "sigmoid-negative", "sigmoid-fraction",
        "leaky_relu-negative"])
def test_activation_of_int_beyond_float_range(name, z, a, slope):
    act = get_activation(name)
    assert (act(z), act.derivative(z)) == (a, slope)


@pytest.mark.parametrize("zs, expected", [
    ([BIG, 0], [1.0, 0.0]),
    ([0, -BIG], [1.0, 0.0]),
    ([BIG, BIG], [0.5, 0.5]),
    ([BIG + 1, BIG], [1 / (1 + math.exp(-1)), 1 / (1 + math.exp(1))]),
], ids=["one-huge", "one-hugely-negative", "two-equal", "differ-by-one"])
def test_softmax_of_ints_beyond_float_range(zs, expected):
    assert get_activation("softmax").apply(zs) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_float_activation_of_decimal_nan(name):
    assert math.isnan(get_activation(name)(Decimal("NaN")))


@pytest.mark.parametrize("name", ["identity", "relu", "leaky_relu", "tanh", "sigmoid"])
def test_activation_nan_propagates(name):
    assert math.isnan(get_activation(name)(nan))


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_activation_decimal_nan_propagates(name):
    assert get_activation(name)(Decimal("NaN")).is_nan()


@pytest.mark.parametrize("zs, expected", [
    ([1000, 1000], [0.5, 0.5]),
    ([-1000, -1000], [0.5, 0.5]),
    ([0, 0, 0, 0], [0.25] * 4),
    ([inf, 1, inf], [0.5, 0.0, 0.5]),
    ([1000, 0], [1.0, 0.0]),
], ids=["large-equal", "very-negative", "four-zeros", "two-infinities", "one-dominates"])
def test_softmax_stable(zs, expected):
    assert get_activation("softmax").apply(zs) == expected


def test_softmax_nan_anywhere_gives_nan_everywhere():
    assert all(math.isnan(a) for a in get_activation("softmax").apply([1, nan, 2]))


def test_softmax_sums_to_one_and_orders():
    out = get_activation("softmax").apply([2, 1, 0.1])
    assert math.isclose(sum(out), 1.0)
    assert out[0] > out[1] > out[2]


@pytest.mark.parametrize("name", ["identity", "relu", "leaky_relu", "tanh", "sigmoid"])
@given(z=st.floats(-30, 30).filter(lambda v: abs(v) > 1e-3))
def test_derivative_matches_finite_difference(name, z):
    act = get_activation(name)
    h = 1e-6
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    assert act.derivative(z) == pytest.approx(numeric, rel=1e-4, abs=1e-6)


@given(zs=st.lists(st.floats(-20, 20), min_size=1, max_size=6),
       grads=st.lists(st.floats(-5, 5), min_size=6, max_size=6))
def test_softmax_backward_matches_jacobian(zs, grads):
    act = get_activation("softmax")
    outs = act.apply(zs)
    grads = grads[:len(zs)]
    jac = act.jacobian(outs)
    by_jacobian = [sum(grads[i] * jac[i][j] for i in range(len(zs))) for j in range(len(zs))]
    assert act.backward(zs, outs, grads) == pytest.approx(by_jacobian, abs=1e-12)


def test_elementwise_backward_multiplies_by_derivative():
    relu = get_activation("relu")
    assert relu.backward([-1, 2], [0, 2], [5, 7]) == [0, 7]


def test_leaky_relu_slope_settable_and_compared():
    assert get_activation("leaky_relu", slope=0.2)(-10) == -2.0
    assert get_activation("leaky_relu", slope=0.2) == get_activation("leaky_relu", slope=0.2)
    assert get_activation("leaky_relu", slope=0.2) != get_activation("leaky_relu")


@pytest.mark.parametrize("call, message", [
    (lambda: get_activation("rleu"),
     "unknown activation 'rleu' (known: identity, leaky_relu, relu, sigmoid, softmax, tanh)"),
    (lambda: get_activation("relu", slope=0.1),
     "activation 'relu' does not take slope (it takes no parameters)"),
    (lambda: get_activation(3), "unknown activation 3"),
    (lambda: get_activation("softmax")(1.0), "softmax is a layer activation"),
], ids=["typo", "slope-on-relu", "not-a-name", "softmax-per-value"])
def test_activation_errors(call, message):
    with pytest.raises(NetworkError, match="^" + re.escape(message)):
        call()


def test_activation_names_sorted():
    assert list(ACTIVATIONS) == sorted(ACTIVATIONS) == [
        "identity", "leaky_relu", "relu", "sigmoid", "softmax", "tanh"]

"""Neuron behaviours mutation testing showed no test pinned (benchmarks/mutation.py neuron): the
default bias, exact sums with Fractions, the repr, and the checks on weights and inputs."""

from fractions import Fraction

import pytest

from scalarnet import InputError, NetworkError, Neuron, NumberError


def test_default_bias_is_the_int_zero():
    n = Neuron("n", [2])
    assert n.bias == 0 and type(n.bias) is int
    assert type(n.weighted_sum([3])) is int


@pytest.mark.parametrize("neuron, inputs, z", [
    (Neuron("n", [2, 3], bias=1), [4, 5], 24),
    (Neuron("n", [Fraction(1, 3), Fraction(1, 3)], bias=Fraction(1, 3)), [1, 1], Fraction(1)),
    (Neuron("n", [0.1, 0.2]), [1, 1], 0.1 + 0.2),
    (Neuron("n", [2, -3], bias=-1), [4, 5], -8),
], ids=["ints", "fractions", "floats-left-to-right", "negative"])
def test_weighted_sum_and_products(neuron, inputs, z):
    assert neuron.weighted_sum(inputs) == z and type(neuron.weighted_sum(inputs)) is type(z)
    products, total = neuron.products(inputs)
    assert products == [x * w for x, w in zip(inputs, neuron.weights)]
    assert total == z and type(total) is type(z)


def test_call_applies_the_activation():
    assert Neuron("n", [2, 3], activation="relu")([-4, 1]) == 0
    assert Neuron("n", [2, 3])([-4, 1]) == -5


@pytest.mark.parametrize("neuron, text", [
    (Neuron("n", [1, 2]), "Neuron('n', [1, 2])"),
    (Neuron("n", [1.5], bias=-0.5, activation="relu"), "Neuron('n', [1.5], bias=-0.5, activation='relu')"),
    (Neuron("n", [1], bias=2), "Neuron('n', [1], bias=2)"),
    (Neuron("n", [1], activation="tanh"), "Neuron('n', [1], activation='tanh')"),
], ids=["plain", "bias-and-activation", "bias", "activation"])
def test_repr(neuron, text):
    assert repr(neuron) == text


@pytest.mark.parametrize("make, kind, message", [
    (lambda: Neuron("n", 5), NetworkError, "neuron 'n': weights must be a list of numbers, got 5"),
    (lambda: Neuron("n", b"12"), NetworkError, "neuron 'n': weights must be a list of numbers, got b'12'"),
    (lambda: Neuron("n", [1], bias=None), NumberError, "neuron 'n', bias: expected a number, got None (NoneType)"),
    (lambda: Neuron("n", [1, None]), NumberError, "neuron 'n', weight 1: expected a number, got None (NoneType)"),
    (lambda: Neuron("n", [2, 3]).weighted_sum([1, 1, 1]), InputError, "neuron 'n': 3 inputs but 2 weights"),
    (lambda: Neuron("n", [2, 3])([1]), InputError, "neuron 'n': 1 inputs but 2 weights"),
], ids=["weights-a-number", "weights-bytes", "bias-none", "weight-none", "sum-too-many", "call-too-few"])
def test_neuron_refuses(make, kind, message):
    with pytest.raises(kind) as info:
        make()
    assert str(info.value) == message


def test_weights_are_copied_into_a_list():
    weights = (1, 2)
    n = Neuron("n", weights)
    assert n.weights == [1, 2] and type(n.weights) is list

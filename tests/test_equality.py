"""Equality of neurons, layers, activations and networks: equal when every number and name is, unequal
when one differs (a round-trip test `net == loaded` is only as strong as this)."""

import copy
from decimal import Decimal
from fractions import Fraction

import pytest

from scalarnet import Layer, Network, Neuron, get_activation, load


def _net(**change):
    """tutorial-deep with one thing changed: a weight, a bias, a name, an activation, a slope..."""
    parts = {
        "w": [2, 4], "bias": 0, "neuron": "node0_0", "layer": "hidden1", "act": "relu", "slope": 0.01,
        "inputs": ["x0", "x1"], "name": "deep", "description": "", "example": None,
    }
    parts.update(change)
    act = get_activation(parts["act"], slope=parts["slope"]) if parts["act"] == "leaky_relu" else parts["act"]
    hidden1 = Layer(parts["layer"], [Neuron(parts["neuron"], parts["w"], parts["bias"]),
                                     Neuron("node0_1", [4, -5])], act)
    hidden2 = Layer("hidden2", [Neuron("node1_0", [-1, 2]), Neuron("node1_1", [1, 2])], "relu")
    output = Layer("output", [Neuron("output", [2, 7])])
    return Network([hidden1, hidden2, output], inputs=parts["inputs"], name=parts["name"],
                   description=parts["description"], example_input=parts["example"])


@pytest.mark.parametrize("change", [
    {"w": [2, 5]}, {"w": [3, 4]}, {"w": [2.5, 4]}, {"bias": 1}, {"bias": -0.5},
    {"neuron": "n"}, {"layer": "h1"}, {"act": "tanh"}, {"act": "identity"},
    {"act": "leaky_relu"}, {"inputs": ["a", "b"]}, {"name": "other"}, {"description": "d"},
    {"example": [3, 5]},
], ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_network_differing_in_one_thing_is_unequal(change):
    assert _net() == _net()
    assert _net() != _net(**change)
    assert not (_net() == _net(**change))


def test_network_equal_after_deep_copy_and_load():
    net = load("tutorial-deep")
    assert net == copy.deepcopy(net)
    changed = copy.deepcopy(net)
    changed.layers[2].neurons[0].weights[1] = 8
    assert net != changed


def test_leaky_relu_slope_decides_equality():
    a = _net(act="leaky_relu", slope=0.01)
    assert a == _net(act="leaky_relu", slope=0.01)
    assert a != _net(act="leaky_relu", slope=0.2)
    assert get_activation("leaky_relu", slope=0.1) != get_activation("leaky_relu", slope=0.2)
    assert get_activation("leaky_relu") != get_activation("relu")


@pytest.mark.parametrize("other", [
    Neuron("n", [1, 2], 3), Neuron("m", [1, 2], 0), Neuron("n", [1, 3], 0), Neuron("n", [1], 0),
    Neuron("n", [1, 2], 0, activation="relu"), "n", None, [1, 2],
], ids=["bias", "name", "weight", "fewer-weights", "activation", "str", "none", "list"])
def test_neuron_differing_in_one_thing_is_unequal(other):
    n = Neuron("n", [1, 2], 0)
    assert n == Neuron("n", [1, 2], 0)
    assert n != other


def test_neuron_equality_compares_values_across_number_types():
    # equal values are equal neurons whatever their type: 1 == 1.0 == Fraction(1) == Decimal(1)
    assert Neuron("n", [1, 2]) == Neuron("n", [1.0, Fraction(2)])
    assert Neuron("n", [1, 2]) == Neuron("n", [Decimal(1), 2])


@pytest.mark.parametrize("other", [
    Layer("h", [Neuron("a", [1]), Neuron("b", [2])], "tanh"),
    Layer("g", [Neuron("a", [1]), Neuron("b", [2])], "relu"),
    Layer("h", [Neuron("a", [1]), Neuron("b", [3])], "relu"),
    Layer("h", [Neuron("b", [2]), Neuron("a", [1])], "relu"),
    Layer("h", [Neuron("a", [1])], "relu"),
    "h",
], ids=["activation", "name", "weight", "order", "fewer-neurons", "str"])
def test_layer_differing_in_one_thing_is_unequal(other):
    layer = Layer("h", [Neuron("a", [1]), Neuron("b", [2])], "relu")
    assert layer == Layer("h", [Neuron("a", [1]), Neuron("b", [2])], "relu")
    assert layer != other


def test_unhashable_because_mutable():
    for thing in (Neuron("n", [1]), Layer("h", [Neuron("n", [1])]), _net()):
        with pytest.raises(TypeError):
            hash(thing)

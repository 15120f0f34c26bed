"""Layer behaviours mutation testing showed no test pinned (benchmarks/mutation.py layer): which
neuron an error names, the look-up, the repr, the shared activation, and neurons given once."""

from decimal import Decimal

import pytest

from scalarnet import Layer, NetworkError, Neuron, NumberError


def _ab(activation="identity"):
    return Layer("h", [Neuron("a", [1, 2]), Neuron("b", [2, 3])], activation)


@pytest.mark.parametrize("make, kind, message", [
    # the first neuron computes; the error names the second, the one Python refuses
    (lambda: Layer("h", [Neuron("a", [1.5]), Neuron("b", [Decimal(1)])])([1.0]), NumberError,
     "layer 'h', neuron 'b': unsupported operand type(s) for *: 'float' and 'decimal.Decimal'"),
    (lambda: Layer("h", [Neuron("a", [1.5]), Neuron("b", [10 ** 400])])([2.0]), NumberError,
     "layer 'h', neuron 'b': an int beyond a float's range (about 1.8e308) meets a float"),
    (lambda: Layer("h", [Neuron("a", [1, 2]), Neuron("b", [1, 2, 3]), Neuron("c", [1, 2, 3])]), NetworkError,
     "layer 'h', neuron 'b': 3 weights but neuron 'a' has 2"),
    (lambda: Layer("h", [Neuron("a", [1, 2]), Neuron("b", [1, 2]), Neuron("c", [1, 2, 3])]), NetworkError,
     "layer 'h', neuron 'c': 3 weights but neuron 'a' has 2"),
    (lambda: Layer("h", [Neuron("a", [1]), Neuron("b", [1]), Neuron("a", [1])]), NetworkError,
     "layer 'h': two neurons are named 'a'"),
    (lambda: _ab().neuron("c"), NetworkError, "layer 'h' has no neuron 'c' (it has: a, b)"),
], ids=["decimal-in-second", "huge-in-second", "second-differs", "third-differs", "name-twice", "no-neuron"])
def test_layer_refuses_naming_the_neuron(make, kind, message):
    with pytest.raises(kind) as info:
        make()
    assert str(info.value).startswith(message)


def test_layer_of_an_iterator_reads_it_once():
    layer = Layer("h", (Neuron(n, [1]) for n in "ab"))
    assert [n.name for n in layer.neurons] == ["a", "b"]
    assert len(layer) == 2 and layer.n_inputs == 1


def test_neuron_lookup_and_shared_activation():
    layer = _ab("relu")
    assert layer.neuron("b").weights == [2, 3]
    assert layer.neuron("a").weights == [1, 2]
    assert all(n.activation.name == "relu" for n in layer.neurons)
    assert layer.weighted_sums([1, -1]) == [-1, -1]
    assert layer([1, -1]) == [0, 0]
    assert layer([1, 1]) == [3, 5]


@pytest.mark.parametrize("layer, text", [
    (Layer("h", [Neuron("a", [1]), Neuron("b", [2])]), "Layer('h', <2 neurons>, 'identity')"),
    (Layer("h", [Neuron("a", [1])], "relu"), "Layer('h', <1 neuron>, 'relu')"),
], ids=["two", "one"])
def test_repr(layer, text):
    assert repr(layer) == text

"""The neuron: scalar weights, a bias, and a weighted sum computed one multiply-add at a time."""

from __future__ import annotations

from collections.abc import Sequence

from .activations import Activation, get_activation
from .errors import InputError, NetworkError
from .numbers import Number, to_number


class Neuron:
    """A named neuron: `z = x0*w0 + x1*w1 + ... + bias`, then its layer's activation.

    >>> n = Neuron("node0", [1, 1])
    >>> n.weighted_sum([40, 0])
    40
    >>> Neuron("node0_1", [4, -5], activation="relu")([3, 5])
    0

    Weights and bias keep their type: ints give ints, floats floats, and
    `Fraction` or `Decimal` stay exact; numpy scalars become the Python int or
    float they hold. A neuron checks the number of inputs
    before it multiplies anything: nothing is silently left out.
    """

    __slots__ = ("name", "weights", "bias", "activation")

    def __init__(self, name: str, weights: Sequence[Number], bias: Number = 0,
                 activation: str | Activation = "identity"):
        if not isinstance(name, str) or not name:
            raise NetworkError(f"neuron name: expected a non-empty string, got {name!r}")
        if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence):
            raise NetworkError(f"neuron {name!r}: weights must be a list of numbers, got {weights!r}")
        if not weights:
            raise NetworkError(f"neuron {name!r}: no weights (it needs one per input)")
        weights = list(weights)
        for i, w in enumerate(weights):
            if type(w) is not int and type(w) is not float:  # the place is written only when needed
                weights[i] = to_number(w, f"neuron {name!r}, weight {i}")
        self.name = name
        self.weights = weights
        self.bias = to_number(bias, f"neuron {name!r}, bias")
        self.activation = get_activation(activation)

    def _check(self, inputs: Sequence[Number]) -> None:
        if len(inputs) != len(self.weights):
            raise InputError(f"neuron {self.name!r}: {len(inputs)} inputs "
                             f"but {len(self.weights)} weights")

    def weighted_sum(self, inputs: Sequence[Number]) -> Number:
        """z = inputs[0]*weights[0] + inputs[1]*weights[1] + ... + bias, left to right."""
        weights = self.weights
        if len(inputs) != len(weights):
            self._check(inputs)
        total = 0
        for x, w in zip(inputs, weights):  # lengths checked above
            total += x * w
        return total + self.bias

    def products(self, inputs: Sequence[Number]) -> tuple[list, Number]:
        """Every product x*w in order, and z: the same sum as weighted_sum, recorded."""
        weights = self.weights
        if len(inputs) != len(weights):
            self._check(inputs)
        products = [x * w for x, w in zip(inputs, weights)]
        total = 0
        for p in products:  # left to right, exactly as weighted_sum adds them
            total += p
        return products, total + self.bias

    def __call__(self, inputs: Sequence[Number]) -> Number:
        """The neuron's output: its activation of the weighted sum (not for softmax)."""
        return self.activation(self.weighted_sum(inputs))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Neuron) and other.name == self.name
                and other.weights == self.weights and other.bias == self.bias
                and other.activation == self.activation)

    __hash__ = None  # mutable: weights change in training

    def __repr__(self) -> str:
        bias = f", bias={self.bias!r}" if self.bias != 0 else ""
        act = f", activation={self.activation.name!r}" if self.activation.name != "identity" else ""
        return f"Neuron({self.name!r}, {self.weights!r}{bias}{act})"

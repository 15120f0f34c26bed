"""The layer: named neurons that read the same inputs and share one activation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .activations import Activation, get_activation
from .errors import NetworkError, NumberError
from .neuron import Neuron
from .numbers import Number


class Layer:
    """A named list of neurons and the activation they share (softmax spans the layer).

    `layer(inputs)` always returns a list, one value per neuron, even for one neuron.

    >>> hidden = Layer("hidden1", [Neuron("node0_0", [2, 4]), Neuron("node0_1", [4, -5])], "relu")
    >>> hidden([3, 5])
    [26, 0]
    >>> Layer("output", [Neuron("output", [2, 7])])([0, 26])
    [182]
    """

    __slots__ = ("name", "neurons", "activation")

    def __init__(self, name: str, neurons: Sequence[Neuron],
                 activation: str | Activation = "identity"):
        if not isinstance(name, str) or not name:
            raise NetworkError(f"layer name: expected a non-empty string, got {name!r}")
        if isinstance(neurons, Neuron) or not isinstance(neurons, Iterable):
            raise NetworkError(f"layer {name!r}: expected a list of neurons, got {neurons!r}")
        neurons = list(neurons)  # an iterator is read once, here
        if not neurons:
            raise NetworkError(f"layer {name!r}: no neurons (a layer needs at least one)")
        seen = set()
        for i, n in enumerate(neurons):
            if not isinstance(n, Neuron):
                raise NetworkError(f"layer {name!r}, neuron {i}: expected a Neuron, got {n!r}")
            if n.name in seen:
                raise NetworkError(f"layer {name!r}: two neurons are named {n.name!r}")
            seen.add(n.name)
        widths = {len(n.weights) for n in neurons}
        if len(widths) > 1:
            first = neurons[0]
            odd = next(n for n in neurons if len(n.weights) != len(first.weights))
            raise NetworkError(f"layer {name!r}, neuron {odd.name!r}: {len(odd.weights)} weights "
                               f"but neuron {first.name!r} has {len(first.weights)}")
        self.name = name
        self.neurons = neurons
        self.activation = get_activation(activation)
        for n in self.neurons:
            n.activation = self.activation

    @property
    def n_inputs(self) -> int:
        """How many values the layer reads (every neuron has one weight per input)."""
        return len(self.neurons[0].weights)

    def __len__(self) -> int:
        return len(self.neurons)

    def weighted_sums(self, inputs: Sequence[Number]) -> list:
        """Each neuron's z, in order."""
        try:
            return [n.weighted_sum(inputs) for n in self.neurons]
        except (ArithmeticError, TypeError):  # OverflowError, and decimal's Overflow, are ArithmeticErrors
            raise self.arithmetic_error(inputs) from None

    def __call__(self, inputs: Sequence[Number]) -> list:
        return self.activation.apply(self.weighted_sums(inputs))

    def arithmetic_error(self, inputs: Sequence[Number]) -> NumberError:
        """The error naming the neuron whose sum Python refuses: a float times an int beyond a
        float's range (OverflowError, where IEEE would say inf), a Decimal times a float (a
        network changed after it was built: Network checks that once), or a Decimal beyond
        the decimal context's exponent limit."""
        for n in self.neurons:
            place = f"layer {self.name!r}, neuron {n.name!r}"
            try:
                n.weighted_sum(inputs)
            except OverflowError:  # e.g. 1.5 * 10**400: int too large to convert to float
                return NumberError(f"{place}: an int beyond a float's range (about 1.8e308) meets a "
                                   "float; use ints and Fractions only, or floats only")
            except ArithmeticError as e:  # decimal.Overflow: beyond the context's Emax
                return NumberError(f"{place}: a Decimal beyond the decimal context's limits ({e!r}); "
                                   "use ints or floats for numbers this large")
            except TypeError as e:  # Python refuses Decimal * float (and Decimal * Fraction)
                return NumberError(f"{place}: {e}; a Decimal computes only with ints and "
                                   "Decimals (tanh, sigmoid and softmax give floats): use Decimal "
                                   "inputs and weights with identity, relu and leaky_relu, or floats")
        raise AssertionError("no neuron of the layer fails")

    def neuron(self, name: str) -> Neuron:
        """The neuron called `name`."""
        for n in self.neurons:
            if n.name == name:
                return n
        known = ", ".join(n.name for n in self.neurons)
        raise NetworkError(f"layer {self.name!r} has no neuron {name!r} (it has: {known})")

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Layer) and other.name == self.name
                and other.activation == self.activation and other.neurons == self.neurons)

    __hash__ = None

    def __repr__(self) -> str:
        count = f"{len(self.neurons)} neuron{'s' if len(self.neurons) != 1 else ''}"
        return f"Layer({self.name!r}, <{count}>, {self.activation.name!r})"

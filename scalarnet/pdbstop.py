"""pdb inside one neuron: the forward pass stopping in a neuron's multiply-add loop, locals named for the arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .numbers import Number
from .steps import StepError

if TYPE_CHECKING:
    from .network import Network
    from .neuron import Neuron


def forward_with_breakpoint(net: Network, values: list, name: str) -> list:
    """`net.forward(values)`, stopping in the debugger inside neuron `name`'s multiply-add loop.

    The same arithmetic as `Network.forward`; only the named neuron runs
    `debug_weighted_sum`, which calls `breakpoint()` (so PYTHONBREAKPOINT=0
    turns the stop off and PYTHONBREAKPOINT=module.function picks another debugger).
    """
    if not isinstance(name, str):
        raise StepError(f"breakpoint_at: expected a neuron's name like 'hidden1.node0_1', got {name!r}")
    target = net.neuron(name)
    for layer in net.layers:
        zs = [debug_weighted_sum(n, values, f"{layer.name}.{n.name}") if n is target
              else n.weighted_sum(values) for n in layer.neurons]
        values = layer.activation.apply(zs)
    return values


def debug_weighted_sum(neuron: Neuron, inputs: Sequence[Number], name: str) -> Number:
    """`Neuron.weighted_sum` with a `breakpoint()` before its loop, locals named for the arithmetic.

    In pdb: `n` runs one line (the loop's head, then one multiply-add `total += x * w`),
    `p x, w, total` shows the current input, weight and running sum, `c` goes on.
    """
    weights = neuron.weights
    bias = neuron.bias
    if len(inputs) != len(weights):
        neuron._check(inputs)  # raises InputError, naming the neuron
    total = 0
    breakpoint()  # scalarnet: stopped in neuron `name`; n = next multiply-add, p total, c = go on
    for x, w in zip(inputs, weights):
        total += x * w
    return total + bias

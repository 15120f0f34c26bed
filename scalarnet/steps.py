"""The forward pass as a sequence of steps: one multiply-add, neuron or layer at a time.

`steps(net, x, granularity)` (also `net.steps(x, granularity)`) yields `Step`
records in execution order, computing as it goes with exactly the arithmetic of
`net.forward`: the running sum starts at 0, each input times its weight is added
left to right, then the bias, then the activation.

Step texts for the tutorial's deep network, input [3, 5]:

- `op`: each multiply-add of the running sum is a step. The first term is
  written without the `0 + ` it adds to (`node0_1: 3*4 = 12`), the next ones with
  the running sum first (`node0_1: 12 + 5*(-5) = -13`). The bias is a step only
  when it is not 0 (`node0_1: -13 + 1 = -12`), as in the trace's lines, which
  leave out `+ 0`. The activation is a step (`node0_1: relu(-13) = 0`) unless it
  is the identity: an identity layer's neuron is done at its last sum step.
  Elementwise activations follow each neuron's sum; softmax needs the whole
  layer's sums, so a softmax layer's activation steps come after all its sums
  (no value changes: `Layer` also sums every neuron before it activates).
- `neuron`: one step per neuron, the trace's line
  (`node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0`).
- `layer`: one step per layer, its values (`hidden1 (relu): [26, 0]`).

>>> from scalarnet import load
>>> for step in steps(load("tutorial-deep"), [3, 5], "op"):
...     print(step)
node0_0: 3*2 = 6
node0_0: 6 + 5*4 = 26
node0_0: relu(26) = 26
node0_1: 3*4 = 12
node0_1: 12 + 5*(-5) = -13
node0_1: relu(-13) = 0
node1_0: 26*(-1) = -26
node1_0: -26 + 0*2 = -26
node1_0: relu(-26) = 0
node1_1: 26*1 = 26
node1_1: 26 + 0*2 = 26
node1_1: relu(26) = 26
output: 0*2 = 0
output: 0 + 26*7 = 182
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, chain
from operator import mul
from typing import TYPE_CHECKING

from .errors import ScalarnetError
from .numbers import Number
from .steprecord import Step, _MultiplyAdd, _OtherStep, _Place, _SteppedRecord
from .trace import LayerRecord, NeuronRecord

__all__ = ["GRANULARITIES", "KINDS", "Step", "StepError", "count_steps", "steps"]

if TYPE_CHECKING:
    from .backprop import Loss
    from .network import Network

#: How big a step is: one multiply-add (or bias, or activation), one neuron, one layer.
GRANULARITIES = ("op", "neuron", "layer")

#: What a step did: forward op steps are "multiply-add", "bias" or "activation"; backward
#: op steps are "multiply-add" (a term of a dL/da or dL/dx sum) or "gradient".
KINDS = ("multiply-add", "bias", "activation", "gradient", "neuron", "layer")


class StepError(ScalarnetError, ValueError):
    """A request the stepper cannot meet: unknown granularity, name or stop condition."""


def steps(net: Network, x: Sequence[Number] | Mapping[str, Number], granularity: str = "op",
          digits: int | None = None, *, target: Sequence[Number] | None = None,
          loss: str | Loss = "mse", keep: int | None = None) -> Iterator[Step]:
    """The forward pass of `net` on `x`, one `Step` at a time, in execution order.

    With a `target` (one value per output neuron), the backward pass for `loss`
    follows (see `scalarnet.backsteps`). The input, target and loss are checked
    before the first step; steps are computed lazily, so a consumer that stops
    early computes no more than it read. `digits` rounds floats in the texts
    (the values stay exact); `keep` summarises sums of more than 3*keep terms
    in the texts as the diagram does (`(776 more terms: 12.5)`).

    >>> from scalarnet import load
    >>> [str(s) for s in steps(load("tutorial-deep"), [3, 5], "layer")]
    ['hidden1 (relu): [26, 0]', 'hidden2 (relu): [0, 26]', 'output (identity): [182]']
    >>> steps(load("tutorial-deep"), [3, 5], "term")
    Traceback (most recent call last):
    ...
    scalarnet.steps.StepError: granularity 'term': expected one of op, neuron, layer
    """
    return chain.from_iterable(pieces(net, x, granularity, digits, target=target, loss=loss, keep=keep))


def pieces(net: Network, x: Sequence[Number] | Mapping[str, Number], granularity: str = "op",
           digits: int | None = None, *, target: Sequence[Number] | None = None,
           loss: str | Loss = "mse", keep: int | None = None) -> Iterator[Sequence[Step]]:
    """The steps of `steps(...)` in pieces, in order: each a sequence (len, indexing) of steps,
    a forward neuron's multiply-adds as one `_Run` whose steps are made only when read.

    Checks everything `steps` checks, before the first piece.
    """
    if granularity not in GRANULARITIES:
        raise StepError(f"granularity {granularity!r}: expected one of {', '.join(GRANULARITIES)}")
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
        raise StepError(f"keep: expected None or a whole number of at least 1, got {keep!r}")
    values = net.input_values(x)
    if target is None:
        return _walk(net, values, granularity, digits, keep, [])
    from .backprop import _targets, get_loss

    loss = get_loss(loss)
    targets = _targets(net, target, loss)
    return _both(net, values, granularity, digits, keep, targets, loss)


class _Run:
    """A forward neuron's multiply-add steps, numbered start to stop: made (in C) when iterated,
    or one at a time when indexed."""

    __slots__ = ("kind", "start", "stop")

    def __init__(self, kind: type, start: int, stop: int):
        self.kind = kind  # the pass's own subclass of _MultiplyAdd
        self.start = start
        self.stop = stop

    def __iter__(self):
        return map(self.kind, range(self.start, self.stop))

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, k: int) -> Step:
        return self.kind(self.start + k)


def _both(net, values, granularity, digits, keep, targets, loss) -> Iterator[Iterable[Step]]:
    from .backsteps import backward_steps

    records: list[LayerRecord] = []
    index = yield from _walk(net, values, granularity, digits, keep, records)
    yield from backward_steps(net, values, records, targets, loss, granularity, digits, keep, index)


def count_steps(net: Network, granularity: str, target: bool = False) -> tuple[int, int]:
    """How many (forward, backward) steps a pass makes, from the network's shape alone.

    The backward count is 0 without a target.
    """
    layers = net.layers
    if granularity == "layer":
        return len(layers), (len(layers) + 1 if target else 0)
    neurons = sum(len(layer.neurons) for layer in layers)
    if granularity == "neuron":
        return neurons, (neurons + len(net.inputs) if target else 0)
    forward = 0
    for layer in layers:
        act = layer.activation.name != "identity"
        for n in layer.neurons:
            forward += len(n.weights) + (n.bias != 0 or n.bias != n.bias) + act
    if not target:
        return forward, 0
    backward = len(net.inputs) * len(layers[0].neurons)  # dL/dx: one term per first-layer neuron
    for k, layer in enumerate(layers):
        after = len(layers[k + 1].neurons) if k + 1 < len(layers) else 1  # the loss: one step
        for n in layer.neurons:
            backward += after + 1 + len(n.weights) + 1  # dL/da, dL/dz, each dL/dw, dL/dbias
    return forward, backward


def _walk(net: Network, values: list, granularity: str, digits: int | None, keep: int | None,
          records: list) -> Iterator[Iterable[Step]]:
    """The forward steps, in pieces (a neuron's multiply-adds, or one step) to chain.

    Appends each LayerRecord to `records`; returns the next step's index.
    """
    op = granularity == "op"
    inputs = dict(zip(net.inputs, values))
    done: list[NeuronRecord] = []
    index = 0
    names = net.inputs
    # this pass's own kind of multiply-add step, and where it finds each one's place
    multiply_add = type("_MultiplyAdd", (_MultiplyAdd,), {"__slots__": (), "_places": [], "_starts": []})
    for li, layer in enumerate(net.layers):
        act = layer.activation
        record = LayerRecord(layer.name, act, names, values)
        records.append(record)
        places = []  # each neuron's _Place, for a softmax layer's activation steps
        # an identity neuron is done at its last sum step; a softmax neuron once the layer is summed
        shows_activation = act.name != "identity"
        per_neuron = act.elementwise
        for ni, neuron in enumerate(layer.neurons):
            weights, bias, name = neuron.weights, neuron.bias, neuron.name
            if len(values) != len(weights):
                neuron._check(values)  # raises: the network was changed after it was built
            try:  # the running sums (or the products) of the whole neuron, in the neuron's order
                if op:
                    sums = list(accumulate(map(mul, values, weights), initial=0))
                    total = sums[-1]
                    nrec = _SteppedRecord(record, ni, name, weights, None, bias, None, None)
                else:
                    products = list(map(mul, values, weights))
                    total = _total(products)
                    nrec = NeuronRecord(record, ni, name, weights, products, bias, None, None)
                nrec.z = z = total + bias
            except (ArithmeticError, TypeError):  # e.g. 1.5 * 10**400: as trace says it
                raise layer.arithmetic_error(values) from None
            at = _Place(layer.name, li, ni, name, act, values, weights, inputs, done, digits, keep, nrec)
            places.append(at)
            shows_bias = bias != 0 or bias != bias  # as NeuronRecord.sum_text
            done_at_sum = not shows_activation  # an identity neuron: done once z is known
            if op:
                at.sums, at.start, at.known, at.last = sums, index, len(done), len(weights) - 1
                at.last_known = len(done) + (done_at_sum and not shows_bias)
                if done_at_sum:
                    nrec.a = act(z)
                    if not shows_bias:
                        done.append(nrec)
                multiply_add._places.append(at)
                multiply_add._starts.append(index)
                yield _Run(multiply_add, index, index + len(weights))  # made in C when iterated
                index += len(weights)
                if shows_bias:
                    if done_at_sum:
                        done.append(nrec)
                    yield (_OtherStep(index, "bias", (total, bias), z, None, len(done), at),)
                    index += 1
            elif done_at_sum:
                nrec.a = act(z)
                done.append(nrec)
            record.neurons.append(nrec)
            record.z.append(z)
            if per_neuron:
                if shows_activation:
                    nrec.a = act(z)
                    done.append(nrec)
                    if op:
                        yield (_OtherStep(index, "activation", (z,), nrec.a, z, len(done), at),)
                        index += 1
                if granularity == "neuron":
                    yield (_OtherStep(index, "neuron", (values, weights, bias), nrec.a, z, len(done), at),)
                    index += 1
        if not per_neuron:
            zs = record.z
            for nrec, at, a in zip(record.neurons, places, act.apply(zs)):
                nrec.a = a
                done.append(nrec)
                if op:
                    yield (_OtherStep(index, "activation", tuple(zs), a, nrec.z, len(done), at),)
                    index += 1
                elif granularity == "neuron":
                    yield (_OtherStep(index, "neuron", (values, nrec.weights, nrec.bias), a, nrec.z,
                                     len(done), at),)
                    index += 1
        record.a = [n.a for n in record.neurons]
        if granularity == "layer":
            at = _Place(layer.name, li, None, None, act, values, None, inputs, done, digits, keep, record)
            yield (_OtherStep(index, "layer", (values,), record.a, record.z, len(done), at),)
            index += 1
        values = record.a
        names = [n.name for n in layer.neurons]
    return index


def _total(products: list):
    """The products added left to right from 0, as Neuron.weighted_sum adds them."""
    total = 0
    for p in products:
        total += p
    return total

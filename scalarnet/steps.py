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

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from .errors import ScalarnetError
from .numbers import Number, fmt, operand
from .trace import LayerRecord, NeuronRecord, activation_text, values_text

if TYPE_CHECKING:
    from .network import Network

#: How big a step is: one multiply-add (or bias, or activation), one neuron, one layer.
GRANULARITIES = ("op", "neuron", "layer")

#: What a step did; op steps are "multiply-add", "bias" or "activation".
KINDS = ("multiply-add", "bias", "activation", "neuron", "layer")


class StepError(ScalarnetError, ValueError):
    """A request the stepper cannot meet: unknown granularity, name or stop condition."""


class Step:
    """One step of a forward pass: where it is, what it computed, and one line of text.

    Position: `layer` and `neuron` (names; `neuron` is None for a layer step),
    their indexes `layer_index` and `neuron_index`, and `term` (the input's index
    for a multiply-add, else None). `operands` and `result` by kind:

    - multiply-add: `(total, x, w)` -> `total + x*w` (total is 0 for the first term)
    - bias: `(total, bias)` -> `total + bias`, the neuron's z
    - activation: `(z,)`, or a softmax layer's `(z0, z1, ...)` -> this neuron's a
    - neuron: `(inputs, weights, bias)` -> a
    - layer: `(inputs,)` -> the layer's values (a list)

    `z` is the value the activation read (a list for a layer step; None for sum
    steps), `activation` the layer's Activation, `values` every value known once
    this step is done (inputs by name, neurons' outputs by 'layer.neuron'), and
    `arithmetic` the current neuron's hand-worked line so far.
    """

    __slots__ = ("index", "kind", "layer", "neuron", "term", "layer_index", "neuron_index",
                 "operands", "result", "z", "activation", "_text", "_inputs", "_done",
                 "_known", "_work", "digits")

    def __init__(self, index: int, kind: str, layer: LayerRecord, neuron_index: int | None,
                 neuron: str | None, term: int | None, operands: tuple, result, z, text: str,
                 inputs: dict, done: list, work, layer_index: int, digits: int | None):
        self.index = index
        self.kind = kind
        self.layer = layer.name
        self.layer_index = layer_index
        self.neuron = neuron
        self.neuron_index = neuron_index
        self.term = term
        self.operands = operands
        self.result = result
        self.z = z
        self.activation = layer.activation
        self._text = text  # None for a multiply-add: written when first read
        self._inputs = inputs
        self._done = done  # shared by every step of the pass: finished neurons, in order
        self._known = len(done)
        self._work = work  # what `arithmetic` is written from
        self.digits = digits  # significant digits of floats in the texts (None: in full)

    @property
    def text(self) -> str:
        """The step's line: `node0_1: 12 + 5*(-5) = -13`.

        A multiply-add's line is written when first read: writing every number
        of every step made stepping through a large network 100 times slower than
        the bare loop, and most steps of a large pass are never shown.
        """
        if self._text is None:
            before, x, w = self.operands
            product = f"{operand(x, self.digits)}*{operand(w, self.digits)}"
            total = fmt(self.result, self.digits)
            self._text = (f"{self.neuron}: {product} = {total}" if self.term == 0 else
                          f"{self.neuron}: {fmt(before, self.digits)} + {product} = {total}")
        return self._text

    @property
    def position(self) -> tuple:
        """(layer, neuron, term): names, and the input's index for a multiply-add."""
        return (self.layer, self.neuron, self.term)

    @property
    def path(self) -> str:
        """'layer.neuron', or the layer's name for a layer step."""
        return self.layer if self.neuron is None else f"{self.layer}.{self.neuron}"

    @property
    def results(self) -> list:
        """The values this step computed, as a list (one for every kind but layer)."""
        return list(self.result) if self.kind == "layer" else [self.result]

    @property
    def values(self) -> dict:
        """Every value known once this step is done: inputs, then finished neurons' outputs."""
        known = dict(self._inputs)
        for record in self._done[:self._known]:
            known[record.path] = record.a
        return known

    def neurons_done(self) -> list[NeuronRecord]:
        """The trace records of the neurons finished once this step is done, in order."""
        return self._done[:self._known]

    @property
    def arithmetic(self) -> str:
        """The current neuron's hand-worked line so far (a layer step: one line per neuron).

        `node0_1: 3*4 + 5*(-5) = -13` after its second multiply-add, the trace's
        whole line once the neuron is done.
        """
        work, digits = self._work, self.digits
        if isinstance(work, NeuronRecord):
            return work.text(digits)
        if isinstance(work, LayerRecord):
            return "\n".join(n.text(digits) for n in work.neurons)
        inputs, weights, count, bias, total = work
        terms = [f"{operand(x, digits)}*{operand(w, digits)}"
                 for x, w in zip(inputs[:count], weights[:count])]
        if bias is not None:
            terms.append(operand(bias, digits))
        return f"{self.neuron}: {' + '.join(terms)} = {fmt(total, digits)}"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<Step {self.index} {self.kind} {self.path}: {self.text!r}>"


def steps(net: Network, x: Sequence[Number] | Mapping[str, Number], granularity: str = "op",
          digits: int | None = None) -> Iterator[Step]:
    """The forward pass of `net` on `x`, one `Step` at a time, in execution order.

    The input is checked before the first step; steps are computed lazily, so a
    consumer that stops early computes no more than it read. `digits` rounds
    floats in the texts (the values stay exact).

    >>> from scalarnet import load
    >>> [str(s) for s in steps(load("tutorial-deep"), [3, 5], "layer")]
    ['hidden1 (relu): [26, 0]', 'hidden2 (relu): [0, 26]', 'output (identity): [182]']
    >>> steps(load("tutorial-deep"), [3, 5], "term")
    Traceback (most recent call last):
    ...
    scalarnet.steps.StepError: granularity 'term': expected one of op, neuron, layer
    """
    if granularity not in GRANULARITIES:
        raise StepError(f"granularity {granularity!r}: expected one of {', '.join(GRANULARITIES)}")
    values = net.input_values(x)
    return _walk(net, values, granularity, digits)


def _walk(net: Network, values: list, granularity: str, digits: int | None) -> Iterator[Step]:
    op = granularity == "op"
    inputs = dict(zip(net.inputs, values))
    done: list[NeuronRecord] = []
    index = 0
    names = net.inputs

    def step(kind, ni, neuron, term, operands, result, z, text, work):
        # a Step of the current layer (`record`, `li`), numbered in order
        nonlocal index
        index += 1
        return Step(index - 1, kind, record, ni, neuron, term, operands, result, z, text,
                    inputs, done, work, li, digits)

    def finish(nrec, a):
        nrec.a = a
        done.append(nrec)

    for li, layer in enumerate(net.layers):
        act = layer.activation
        record = LayerRecord(layer.name, act, names, values)
        # an identity neuron is done at its last sum step; a softmax neuron once the layer is summed
        shows_activation = act.name != "identity"
        per_neuron = act.elementwise
        for ni, neuron in enumerate(layer.neurons):
            weights, bias, name = neuron.weights, neuron.bias, neuron.name
            if len(values) != len(weights):
                neuron._check(values)  # raises: the network was changed after it was built
            shows_bias = bias != 0 or bias != bias  # as NeuronRecord.sum_text
            last = len(weights) - 1
            products = []
            nrec = NeuronRecord(record, ni, name, weights, products, bias, None, None)
            total = 0
            for k, (x, w) in enumerate(zip(values, weights)):
                before = total
                p = x * w
                products.append(p)
                total += p
                if k == last and not shows_bias:
                    nrec.z = total + bias
                    if not shows_activation:
                        finish(nrec, act(nrec.z))
                if op:  # the hot path: the Step is made here rather than through step()
                    index += 1
                    yield Step(index - 1, "multiply-add", record, ni, name, k, (before, x, w), total,
                               None, None, inputs, done, (values, weights, k + 1, None, total),
                               li, digits)
            if shows_bias:
                nrec.z = total + bias
                if not shows_activation:
                    finish(nrec, act(nrec.z))
                if op:
                    text = f"{name}: {fmt(total, digits)} + {operand(bias, digits)} = {fmt(nrec.z, digits)}"
                    yield step("bias", ni, name, None, (total, bias), nrec.z, None, text,
                               (values, weights, len(weights), bias, nrec.z))
            record.neurons.append(nrec)
            record.z.append(nrec.z)
            if per_neuron:
                if shows_activation:
                    finish(nrec, act(nrec.z))
                    if op:
                        text = f"{name}: {activation_text(act, nrec.z, nrec.a, digits=digits)}"
                        yield step("activation", ni, name, None, (nrec.z,), nrec.a, nrec.z, text, nrec)
                if granularity == "neuron":
                    yield step("neuron", ni, name, None, (values, weights, bias), nrec.a, nrec.z,
                               nrec.text(digits), nrec)
        if not per_neuron:
            zs = record.z
            for nrec, a in zip(record.neurons, act.apply(zs)):
                finish(nrec, a)
                if op:
                    text = f"{nrec.name}: {nrec.activation_text(digits)}"
                    yield step("activation", nrec.index, nrec.name, None, tuple(zs), a, nrec.z,
                               text, nrec)
                elif granularity == "neuron":
                    yield step("neuron", nrec.index, nrec.name, None, (values, nrec.weights, nrec.bias),
                               a, nrec.z, nrec.text(digits), nrec)
        record.a = [n.a for n in record.neurons]
        if granularity == "layer":
            yield step("layer", None, None, None, (values,), record.a, record.z,
                       f"{layer.name} ({act.name}): {values_text(record.a, digits)}", record)
        values = record.a
        names = [n.name for n in layer.neurons]

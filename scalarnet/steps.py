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
from operator import attrgetter
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

    # Every step holds its number, its result, its `_Place` (shared by all the steps
    # of one neuron) and `_known`, how many neurons were done once it was. The rest is
    # held by the two kinds of Step below: `_MultiplyAdd`, kept lean because a pass
    # makes one per weight, and `_OtherStep` for the few bias, activation, neuron and
    # layer steps. Both give every attribute documented above.
    __slots__ = ("index", "result", "_at", "_known")

    # Where the step is, read from the place it shares with its neuron's other steps.
    layer = property(attrgetter("_at.layer"))
    layer_index = property(attrgetter("_at.layer_index"))
    neuron = property(attrgetter("_at.neuron"))
    neuron_index = property(attrgetter("_at.neuron_index"))
    activation = property(attrgetter("_at.activation"))
    digits = property(attrgetter("_at.digits"))  # of floats in the texts (None: in full)

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
        known = dict(self._at.inputs)
        for record in self.neurons_done():
            known[record.path] = record.a
        return known

    def neurons_done(self) -> list[NeuronRecord]:
        """The trace records of the neurons finished once this step is done, in order."""
        return self._at.done[:self._known]

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<Step {self.index} {self.kind} {self.path}: {self.text!r}>"


class _Place:
    """Where steps are and what they read: one per neuron, shared by all its steps (or one layer step's)."""

    __slots__ = ("layer", "layer_index", "neuron", "neuron_index", "activation", "reads",
                 "weights", "inputs", "done", "digits")

    def __init__(self, record: LayerRecord, layer_index: int, neuron_index: int | None,
                 neuron: str | None, weights: list | None, inputs: dict, done: list,
                 digits: int | None):
        self.layer = record.name
        self.layer_index = layer_index
        self.neuron = neuron
        self.neuron_index = neuron_index
        self.activation = record.activation
        self.reads = record.inputs  # the layer's input values, which `weights` multiply
        self.weights = weights
        self.inputs = inputs  # the network's inputs by name
        self.done = done  # shared by every step of the pass: finished neurons, in order
        self.digits = digits


class _MultiplyAdd(Step):
    """A multiply-add step: `result = before + x*w`, where x and w are its neuron's term `term`.

    Stepping through 784-128-64-10 makes 109,000 of these, and building them is
    most of the stepper's time, so each holds only what changes from one term to
    the next. Its position is its neuron's `_Place`; x and w are read from the
    neuron's lists (as a trace's records read them) rather than kept in an operands
    tuple; its text is written when read, as most steps of a large pass are never
    shown (writing every one made stepping 100 times slower than the bare loop).
    """

    __slots__ = ("term", "_before")
    kind = "multiply-add"
    z = None

    def __init__(self, index: int, term: int, before, result, known: int, at: _Place):
        self.index = index
        self.term = term
        self._before = before
        self.result = result
        self._known = known
        self._at = at

    @property
    def operands(self) -> tuple:
        at, term = self._at, self.term
        return (self._before, at.reads[term], at.weights[term])

    @property
    def text(self) -> str:
        """The step's line: `node0_1: 12 + 5*(-5) = -13` (the first term without `0 + `)."""
        at, term, digits = self._at, self.term, self._at.digits
        product = _product(at.reads[term], at.weights[term], digits)
        total = fmt(self.result, digits)
        if term == 0:
            return f"{at.neuron}: {product} = {total}"
        return f"{at.neuron}: {fmt(self._before, digits)} + {product} = {total}"

    @property
    def arithmetic(self) -> str:
        """The neuron's sum up to this term: `node0_1: 3*4 + 5*(-5) = -13`."""
        at, count, digits = self._at, self.term + 1, self._at.digits
        terms = [_product(x, w, digits) for x, w in zip(at.reads[:count], at.weights[:count])]
        return f"{at.neuron}: {' + '.join(terms)} = {fmt(self.result, digits)}"


def _product(x, w, digits: int | None) -> str:
    """`5*(-5)`: one term of a weighted sum, as NeuronRecord.sum_text writes it."""
    return f"{operand(x, digits)}*{operand(w, digits)}"


class _OtherStep(Step):
    """A bias, activation, neuron or layer step: few per neuron, so every field is stored."""

    __slots__ = ("kind", "operands", "z", "text", "_record")
    term = None

    def __init__(self, index: int, kind: str, operands: tuple, result, z, text: str,
                 record: NeuronRecord | LayerRecord, known: int, at: _Place):
        self.index = index
        self.kind = kind
        self.operands = operands
        self.result = result
        self.z = z
        self.text = text
        self._record = record  # what `arithmetic` is written from
        self._known = known
        self._at = at

    @property
    def arithmetic(self) -> str:
        """The neuron's hand-worked line so far (a layer step: one line per neuron)."""
        record, digits = self._record, self.digits
        if self.kind == "layer":
            return "\n".join(n.text(digits) for n in record.neurons)
        if self.kind == "bias":  # the sum with its bias; the activation is still to come
            return f"{record.name}: {record.sum_text(digits)}"
        return record.text(digits)


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

    def step(kind, at, operands, result, z, text, record):
        # any step but a multiply-add, numbered in order
        nonlocal index
        index += 1
        return _OtherStep(index - 1, kind, operands, result, z, text, record, len(done), at)

    def finish(nrec, a):
        nrec.a = a
        done.append(nrec)

    for li, layer in enumerate(net.layers):
        act = layer.activation
        record = LayerRecord(layer.name, act, names, values)
        places = []  # each neuron's _Place, for a softmax layer's activation steps
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
            at = _Place(record, li, ni, name, weights, inputs, done, digits)
            places.append(at)
            total = 0
            for k, (x, w) in enumerate(zip(values, weights)):
                before = total
                try:
                    p = x * w
                    total += p
                    if k == last and not shows_bias:
                        nrec.z = total + bias  # a bias of 0.0 still makes a huge int sum a float
                except (ArithmeticError, TypeError):  # e.g. 1.5 * 10**400: as trace says it
                    raise layer.arithmetic_error(values) from None
                products.append(p)
                if k == last and not shows_bias:
                    if not shows_activation:
                        finish(nrec, act(nrec.z))
                if op:  # the hot path: one lean step per weight, made here rather than in step()
                    yield _MultiplyAdd(index, k, before, total, len(done), at)
                    index += 1
            if shows_bias:
                try:
                    nrec.z = total + bias
                except (ArithmeticError, TypeError):
                    raise layer.arithmetic_error(values) from None
                if not shows_activation:
                    finish(nrec, act(nrec.z))
                if op:
                    text = f"{name}: {fmt(total, digits)} + {operand(bias, digits)} = {fmt(nrec.z, digits)}"
                    yield step("bias", at, (total, bias), nrec.z, None, text, nrec)
            record.neurons.append(nrec)
            record.z.append(nrec.z)
            if per_neuron:
                if shows_activation:
                    finish(nrec, act(nrec.z))
                    if op:
                        text = f"{name}: {activation_text(act, nrec.z, nrec.a, digits=digits)}"
                        yield step("activation", at, (nrec.z,), nrec.a, nrec.z, text, nrec)
                if granularity == "neuron":
                    yield step("neuron", at, (values, weights, bias), nrec.a, nrec.z,
                               nrec.text(digits), nrec)
        if not per_neuron:
            zs = record.z
            for nrec, at, a in zip(record.neurons, places, act.apply(zs)):
                finish(nrec, a)
                if op:
                    text = f"{nrec.name}: {nrec.activation_text(digits)}"
                    yield step("activation", at, tuple(zs), a, nrec.z, text, nrec)
                elif granularity == "neuron":
                    yield step("neuron", at, (values, nrec.weights, nrec.bias), a, nrec.z,
                               nrec.text(digits), nrec)
        record.a = [n.a for n in record.neurons]
        if granularity == "layer":
            at = _Place(record, li, None, None, None, inputs, done, digits)
            yield step("layer", at, (values,), record.a, record.z,
                       f"{layer.name} ({act.name}): {values_text(record.a, digits)}", record)
        values = record.a
        names = [n.name for n in layer.neurons]

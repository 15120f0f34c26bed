"""What one step of a pass is: where it is, what it computed, its text (written when read).

`scalarnet.steps` makes them (and `scalarnet.backsteps` the backward pass's):
`Step` is what every kind of step offers; a forward op step is a `_MultiplyAdd`
(an int, made in C, that finds its neuron's shared `_Place`) or an `_OtherStep`.
"""

from __future__ import annotations

from bisect import bisect_right
from operator import attrgetter, mul

from .numbers import fmt, operand
from .trace import NeuronRecord, terms_text, values_text


class Step:
    """One step of a pass: where it is, what it computed, and one line of text.

    Position: `layer` and `neuron` (names; `neuron` is None for a layer step),
    their indexes `layer_index` and `neuron_index`, and `term` (the input's index
    for a multiply-add, else None). `pass_` is "forward" or "backward" and
    `gradient` which gradient a backward step computes ("dL/da", "dL/dz",
    "dL/dw", "dL/dbias", "dL/dx"; None forward). Forward `operands` and
    `result` by kind:

    - multiply-add: `(total, x, w)` -> `total + x*w` (total is 0 for the first term)
    - bias: `(total, bias)` -> `total + bias`, the neuron's z
    - activation: `(z,)`, or a softmax layer's `(z0, z1, ...)` -> this neuron's a
    - neuron: `(inputs, weights, bias)` -> a
    - layer: `(inputs,)` -> the layer's values (a list)

    (backward steps: see `scalarnet.backsteps`). `z` is the value the activation
    read (a list for a layer step; None for sum steps), `activation` the layer's
    Activation, `values` every value known once this step is done (inputs by
    name, neurons' outputs by 'layer.neuron'), and `arithmetic` the current
    neuron's hand-worked line so far. Texts are written when read.
    """

    # Every step has its number `index` and its `_Place`, shared by all the steps of one
    # neuron (or one layer step's). The kinds of Step hold them: `_MultiplyAdd`, which is
    # its number and nothing more (a pass makes one per weight: its place, term, sums and
    # text are looked up when asked for), and `_OtherStep` for the few other steps.
    __slots__ = ()
    pass_ = "forward"
    gradient = None
    _opens = True  # whether the step may open its neuron or layer (False: a later term of a sum)

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
        """'layer.neuron', or the layer's name for a layer step (an input's name for dL/dx)."""
        if self.layer is None:
            return self.neuron
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
    """Where steps are and what they read: one per neuron, shared by all its steps (or one layer step's).

    For a neuron stepped by op, also its running sums (`sums[k]` before term k,
    `sums[k + 1]` after it), the index of its first multiply-add step (`start`),
    and how many neurons were done when it began (`known`) and after its last
    term (`last_known`: one more when an identity neuron without a bias step is
    done there).
    """

    __slots__ = ("layer", "layer_index", "neuron", "neuron_index", "activation", "reads",
                 "weights", "inputs", "done", "digits", "keep", "record", "sums", "start",
                 "known", "last", "last_known")

    def __init__(self, layer: str | None, layer_index: int | None, neuron_index: int | None,
                 neuron: str | None, activation, reads: list, weights: list | None, inputs: dict,
                 done: list, digits: int | None, keep: int | None, record=None):
        self.layer = layer
        self.layer_index = layer_index
        self.neuron = neuron
        self.neuron_index = neuron_index
        self.activation = activation
        self.reads = reads  # the values `weights` multiply: the layer's inputs
        self.weights = weights
        self.inputs = inputs  # the network's inputs by name
        self.done = done  # shared by every step of the pass: finished neurons, in order
        self.digits = digits
        self.keep = keep  # None: sums in full; else summarised past 3*keep terms
        self.record = record  # the neuron's NeuronRecord (a layer step's LayerRecord)


class _MultiplyAdd(Step, int):
    """A multiply-add step: `result = before + x*w`, where x and w are its neuron's term `term`.

    Stepping through 784-128-64-10 makes 109,000 of these, and making them was
    most of the stepper's time. So a multiply-add step is its number (an int
    subclass, made in C by `map(cls, range(...))`, one `map` per neuron, and
    never tracked by the garbage collector); each pass has its own subclass
    whose `_places` and `_starts` find the step's `_Place`, where its term, sums
    and text are read when asked for (most steps of a large pass are never shown).
    A step equals only itself, and is true, as any other step.
    """

    __slots__ = ()
    kind = "multiply-add"
    z = None
    _places: list = []  # the pass's own subclass: each op neuron's place, and its first step
    _starts: list = []
    index = property(int.__int__)

    @property
    def _opens(self) -> bool:
        return self.index == self._at.start

    @property
    def _at(self) -> _Place:
        return self._places[bisect_right(self._starts, self) - 1]

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return True

    @property
    def term(self) -> int:
        return self.index - self._at.start

    @property
    def result(self):
        return self._at.sums[self.index - self._at.start + 1]

    @property
    def _known(self) -> int:
        at = self._at
        return at.last_known if self.index - at.start == at.last else at.known

    @property
    def operands(self) -> tuple:
        at, term = self._at, self.term
        return (at.sums[term], at.reads[term], at.weights[term])

    @property
    def text(self) -> str:
        """The step's line: `node0_1: 12 + 5*(-5) = -13` (the first term without `0 + `)."""
        at, term, digits = self._at, self.term, self._at.digits
        product = f"{operand(at.reads[term], digits)}*{operand(at.weights[term], digits)}"
        total = fmt(at.sums[term + 1], digits)
        if term == 0:
            return f"{at.neuron}: {product} = {total}"
        return f"{at.neuron}: {fmt(at.sums[term], digits)} + {product} = {total}"

    @property
    def arithmetic(self) -> str:
        """The neuron's sum up to this term: `node0_1: 3*4 + 5*(-5) = -13`."""
        at, count = self._at, self.term + 1
        terms = terms_text(at.reads, at.weights, at.record.products, count, at.digits, at.keep)
        return f"{at.neuron}: {' + '.join(terms)} = {fmt(at.sums[count], at.digits)}"


class _OtherStep(Step):
    """A bias, activation, neuron or layer step: few per neuron, so its fields are stored (not its text)."""

    __slots__ = ("index", "_at", "kind", "operands", "result", "z", "_known")
    term = None

    def __init__(self, index: int, kind: str, operands: tuple, result, z, known: int, at: _Place):
        self.index = index
        self.kind = kind
        self.operands = operands
        self.result = result
        self.z = z
        self._known = known
        self._at = at

    @property
    def text(self) -> str:
        at, digits, kind = self._at, self._at.digits, self.kind
        record = at.record
        if kind == "bias":
            total, bias = self.operands
            return f"{at.neuron}: {fmt(total, digits)} + {operand(bias, digits)} = {fmt(self.result, digits)}"
        if kind == "activation":
            return f"{at.neuron}: {record.activation_text(digits)}"
        if kind == "neuron":
            return record.text(digits, at.keep)
        return f"{at.layer} ({at.activation.name}): {values_text(self.result, digits)}"

    @property
    def arithmetic(self) -> str:
        """The neuron's hand-worked line so far (a layer step: one line per neuron)."""
        at, record, digits = self._at, self._at.record, self._at.digits
        if self.kind == "layer":
            return "\n".join(n.text(digits, at.keep) for n in record.neurons)
        if self.kind == "bias":  # the sum with its bias; the activation is still to come
            return f"{record.name}: {record.sum_text(digits, at.keep)}"
        return record.text(digits, at.keep)


class _SteppedRecord(NeuronRecord):
    """A neuron's record made while stepping by op: the running sums are what the steps need,
    so its products (the same x*w again) are multiplied only when first read."""

    __slots__ = ("_products",)

    @property
    def products(self) -> list:
        if self._products is None:
            self._products = list(map(mul, self.layer.inputs, self.weights))
        return self._products

    @products.setter
    def products(self, value) -> None:
        self._products = value

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

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, chain
from operator import attrgetter, mul
from typing import TYPE_CHECKING

from .errors import ScalarnetError
from .numbers import Number, fmt, operand
from .trace import LayerRecord, NeuronRecord, terms_text, values_text

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
    _firsts: set = set()  # the places' first steps, as ints
    index = property(int.__int__)

    @property
    def _opens(self) -> bool:
        return int(self) in self._firsts

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
    if granularity not in GRANULARITIES:
        raise StepError(f"granularity {granularity!r}: expected one of {', '.join(GRANULARITIES)}")
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
        raise StepError(f"keep: expected None or a whole number of at least 1, got {keep!r}")
    values = net.input_values(x)
    if target is None:
        return chain.from_iterable(_walk(net, values, granularity, digits, keep, []))
    from .backprop import _targets, get_loss

    loss = get_loss(loss)
    targets = _targets(net, target, loss)
    return chain.from_iterable(_both(net, values, granularity, digits, keep, targets, loss))


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
    multiply_add = type("_MultiplyAdd", (_MultiplyAdd,),
                        {"__slots__": (), "_places": [], "_starts": [], "_firsts": set()})
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
            except (OverflowError, TypeError):
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
                multiply_add._firsts.add(index)
                yield map(multiply_add, range(index, index + len(weights)))  # the hot loop, in C
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


def _total(products: list):
    """The products added left to right from 0, as Neuron.weighted_sum adds them."""
    total = 0
    for p in products:
        total += p
    return total

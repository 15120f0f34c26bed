"""The backward pass as steps: each dL/da term, dL/dz, dL/dw and dL/dbias, from the output back to the inputs.

`steps(net, x, granularity, target=..., loss=...)` goes on past the forward
pass into these steps, computed with exactly the arithmetic of
`scalarnet.backprop.gradients` (the same loss functions, the same
`Activation.backward`, each dL/da summed from 0 over the next layer's neurons
in order, `w*d`), so every number equals `net.gradients(x, target, loss)`'s.
Layers go from the output back to the first, neurons in order, then the inputs:

- `op`: a hidden neuron's dL/da is one `multiply-add` step per neuron of the
  next layer (`node0_0: dL/da = 0 + 1*14 = 14`; the output layer's is one
  `gradient` step from the loss), then one `gradient` step each for dL/dz, each
  weight's dL/dw (`node0_0: dL/dw0 = 3*14 = 42`) and dL/dbias; the inputs'
  dL/dx are multiply-adds like a hidden dL/da. A softmax layer under mse needs
  every dL/da of the layer before any dL/dz, so its dL/da steps come first.
- `neuron`: one step per neuron, its four lines as `Gradients` writes them, then
  one per input (`dL/dx0 = 2*14 + 4*0 = 28`).
- `layer`: one step per layer (`hidden1 (relu): dL/dz = [14, 0]`), then the inputs.

Backward steps have `pass_ == "backward"` and `gradient`, which gradient they
compute ("dL/da", "dL/dz", "dL/dw", "dL/dbias", "dL/dx"; None for a neuron or
layer step, which computes all of them). Their `operands` and `result`:
multiply-add `(total, w, dL/dz)` -> `total + w*dL/dz`; the output's dL/da
`(a, t)`; dL/dz `(z, dL/da)` (softmax under mse: `(a, dL/da, s)`; a loss taken
through its activation: `(a, t)`); dL/dw `(x, dL/dz)`; dL/dbias `(dL/dz,)`; a
neuron step `()` -> its dL/dz; a layer step `()` -> its dL/dz list (the inputs':
their dL/dx). `values` is the whole forward pass; `gradients_done()` the
gradients finished so far, and once the last step is made, `gradients` (on
every backward step) the whole `Gradients`.

>>> from scalarnet import load
>>> net = load("tutorial-deep")
>>> back = [s for s in net.steps([3, 5], "op", target=[180]) if s.pass_ == "backward"]
>>> for step in back[:6] + back[10:12]:
...     print(step)
output: dL/da = a - t = 182 - 180 = 2
output: dL/dz = dL/da = 2
output: dL/dw0 = 0*2 = 0
output: dL/dw1 = 26*2 = 52
output: dL/dbias = dL/dz = 2
node1_0: dL/da = 2*2 = 4
node1_1: dL/da = 7*2 = 14
node1_1: dL/dz = relu'(26) * dL/da = 1 * 14 = 14
>>> print(back[-1], "|", back[-1].arithmetic)
dL/dx1 = 56 + (-5)*0 = 56 | dL/dx1 = 4*14 + (-5)*0 = 56
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import accumulate
from operator import mul
from typing import TYPE_CHECKING

from .backprop import Gradients, LayerGradients, Loss, NeuronGradients
from .numbers import fmt, operand
from .steps import Step
from .trace import LayerRecord, Trace, values_text

if TYPE_CHECKING:
    from .network import Network


class _Pass:
    """What every backward step of one pass shares: the forward records, the finished gradients."""

    __slots__ = ("inputs", "forward_done", "done", "digits", "keep", "loss", "gradients")

    def __init__(self, inputs: dict, forward_done: list, digits, keep, loss: Loss):
        self.inputs = inputs
        self.forward_done = forward_done  # every forward NeuronRecord, in order
        self.done: list = []  # (path, NeuronGradients or an input's dL/dx), as they are finished
        self.digits = digits
        self.keep = keep
        self.loss = loss
        self.gradients: Gradients | None = None  # set once the last step is made


class _BackPlace:
    """Where backward steps are: one per neuron (or input, or layer), shared by its steps."""

    __slots__ = ("layer", "layer_index", "neuron", "neuron_index", "activation", "grads", "sums",
                 "terms", "pass_record")

    def __init__(self, layer, layer_index, neuron_index, neuron, activation, grads, pass_record):
        self.layer = layer
        self.layer_index = layer_index
        self.neuron = neuron
        self.neuron_index = neuron_index
        self.activation = activation
        self.grads = grads  # NeuronGradients, LayerGradients, or for an input its first layer's
        self.sums = None  # the dL/da (or dL/dx) running sums: sums[k] before term k
        self.terms = None  # and the (w, dL/dz) pairs they add
        self.pass_record = pass_record

    @property
    def inputs(self) -> dict:
        return self.pass_record.inputs

    @property
    def done(self) -> list:
        return self.pass_record.forward_done

    @property
    def digits(self):
        return self.pass_record.digits


class _BackStep(Step):
    """One step of the backward pass; its text is written when read."""

    __slots__ = ("index", "_at", "kind", "gradient", "term", "operands", "result", "_back_known")
    pass_ = "backward"
    z = None

    def __init__(self, index, at, kind, gradient, term, operands, result):
        self.index = index
        self._at = at
        self.kind = kind
        self.gradient = gradient
        self.term = term
        self.operands = operands
        self.result = result
        self._back_known = len(at.pass_record.done)

    @property
    def _opens(self) -> bool:  # a neuron's (or input's) first backward step, or a neuron or layer step
        return self.gradient in ("dL/da", "dL/dx", None) and not self.term

    @property
    def _known(self) -> int:  # the forward pass is done
        return len(self._at.pass_record.forward_done)

    @property
    def gradients(self) -> Gradients | None:
        """The whole backward pass's Gradients once its last step has been made, else None."""
        return self._at.pass_record.gradients

    def gradients_done(self) -> list:
        """(path, NeuronGradients) for each neuron finished once this step is done, then
        (input name, dL/dx) for each input's."""
        return self._at.pass_record.done[:self._back_known]

    @property
    def text(self) -> str:
        at, digits, keep = self._at, self._at.digits, self._at.pass_record.keep
        name, kind, g = at.neuron, self.kind, at.grads
        if kind == "layer":
            if at.layer is None:
                return f"inputs: dL/dx = {values_text(self.result, digits)}"
            return f"{at.layer} ({at.activation.name}): dL/dz = {values_text(self.result, digits)}"
        if kind == "neuron":
            if at.layer is None:
                return f"dL/d{name} = {_sum_text(at.terms, self.result, digits, keep)}"
            return _neuron_text(g, digits, keep)
        if kind == "multiply-add":
            total, w, d = self.operands
            head = f"dL/d{name} = " if at.layer is None else f"{name}: dL/da = "
            product = f"{operand(w, digits)}*{operand(d, digits)}"
            if self.term == 0:
                return f"{head}{product} = {fmt(self.result, digits)}"
            return f"{head}{fmt(total, digits)} + {product} = {fmt(self.result, digits)}"
        if self.gradient == "dL/dw":
            x, d = self.operands
            return (f"{name}: dL/dw{self.term} = {operand(x, digits)}*{operand(d, digits)} = "
                    f"{fmt(self.result, digits)}")
        return f"{name}: {_line(g, self.gradient, digits, keep)}"

    @property
    def arithmetic(self) -> str:
        """The neuron's backward lines so far (a layer step: every neuron's)."""
        at, digits, keep = self._at, self._at.digits, self._at.pass_record.keep
        g, kind = at.grads, self.kind
        if kind == "layer":
            if at.layer is None:
                return "\n".join(f"dL/d{p.neuron} = {_sum_text(p.terms, p.sums[-1], digits, keep)}"
                                 for p in g)
            lines = []
            if g.s is not None:
                terms = _summarised([f"{operand(a, digits)}*{operand(d, digits)}"
                                     for a, d in zip(g.record.a, g.da)], keep)
                lines.append(f"s = sum of a*dL/da = {' + '.join(terms)} = {fmt(g.s, digits)}")
            return "\n".join(lines + [_neuron_text(n, digits, keep) for n in g.neurons])
        if kind == "neuron" or at.layer is None:
            if at.layer is None and kind == "multiply-add":
                count = self.term + 1
                return f"dL/d{at.neuron} = {_sum_text(at.terms[:count], self.result, digits, keep)}"
            return self.text
        if kind == "multiply-add":
            count = self.term + 1
            return f"{at.neuron}: dL/da = {_sum_text(at.terms[:count], self.result, digits, keep)}"
        order = ("dL/da", "dL/dz", "dL/dw", "dL/dbias")
        lines = [_line(g, name, digits, keep) for name in order[:order.index(self.gradient)]]
        if self.gradient == "dL/dw":
            count = self.term + 1
            d = operand(g.dz, digits)
            products = _summarised([f"{operand(x, digits)}*{d}" for x in g.record.inputs[:count]], keep)
            lines.append(f"dL/dw = [{', '.join(products)}] = [{', '.join(_summarised(g.dw[:count], keep, digits))}]")
        else:
            lines.append(_line(g, self.gradient, digits, keep))
        indent = " " * (len(at.neuron) + 2)
        return "\n".join([f"{at.neuron}: {lines[0]}"] + [indent + line for line in lines[1:]])


def _summarised(items: list, keep, digits=None) -> list:
    """`items` (texts, or numbers to format) with more than 3*keep of them cut to the first and
    last `keep` around `(776 more)`; all of them when keep is None."""
    if digits is not None or (items and not isinstance(items[0], str)):
        items = [fmt(v, digits) for v in items]
    if keep is None or len(items) <= 3 * keep:
        return items
    return items[:keep] + [f"({len(items) - 2 * keep} more)"] + items[-keep:]


def _sum_text(terms: list, total, digits, keep) -> str:
    """`2*14 + 4*0 = 28`: a dL/da or dL/dx sum of (w, dL/dz) terms; summarised past 3*keep terms."""
    written = [f"{operand(w, digits)}*{operand(d, digits)}" for w, d in terms]
    if keep is not None and len(terms) > 3 * keep:
        middle = 0
        for w, d in terms[keep:len(terms) - keep]:
            middle += w * d
        written = (written[:keep] + [f"({len(terms) - 2 * keep} more terms: {fmt(middle, digits)})"]
                   + written[-keep:])
    return f"{' + '.join(written)} = {fmt(total, digits)}"


def _line(g: NeuronGradients, gradient: str, digits, keep) -> str:
    """One of a neuron's four backward lines, as `Gradients` writes it (summarised with keep)."""
    if gradient == "dL/da":
        if g.layer.next is None or keep is None:
            return g.da_text(digits)
        terms = [(n.weights[g.index], d) for n, d in zip(g.layer.next.record.neurons, g.layer.next.dz)]
        return f"dL/da = {_sum_text(terms, g.da, digits, keep)}"
    if gradient == "dL/dz":
        return g.dz_text(digits)
    if gradient == "dL/dbias":
        return g.dbias_text(digits)
    if keep is None or len(g.dw) <= 3 * keep:
        return g.dw_text(digits)
    d = operand(g.dz, digits)
    products = _summarised([f"{operand(x, digits)}*{d}" for x in g.record.inputs], keep)
    return f"dL/dw = [{', '.join(products)}] = [{', '.join(_summarised(g.dw, keep, digits))}]"


def _neuron_text(g: NeuronGradients, digits, keep) -> str:
    """The neuron's four lines, the first after its name, as NeuronGradients.text writes them."""
    if keep is None:
        return g.text(digits)
    first, *rest = [_line(g, name, digits, keep) for name in ("dL/da", "dL/dz", "dL/dw", "dL/dbias")]
    indent = " " * (len(g.name) + 2)
    return "\n".join([f"{g.name}: {first}"] + [indent + line for line in rest])


def backward_steps(net: Network, values: list, records: list[LayerRecord], targets: list,
                   loss: Loss, granularity: str, digits, keep, index: int) -> Iterator[Iterable[Step]]:
    """The backward steps after a forward pass recorded in `records`, numbered from `index`.

    Yields them in pieces, as `scalarnet.steps._walk` does.
    """
    forward_done = [n for record in records for n in record.neurons]
    shared = _Pass(dict(zip(net.inputs, values)), forward_done, digits, keep, loss)
    out = records[-1]
    combined = loss.output_activation is not None
    layers: list[LayerGradients] = []
    after = None
    for li in range(len(records) - 1, -1, -1):
        record = records[li]
        if after is None:
            da = loss.derivative(out.a, targets)
            dz = loss.dz(out.a, targets) if combined else out.activation.backward(out.z, out.a, da)
            grads = LayerGradients(out, da, dz, None, loss, targets, combined)
        else:
            columns = [_column(after, j) for j in range(len(record.neurons))]
            da = [sums[-1] for sums, _ in columns]
            grads = LayerGradients(record, da, record.activation.backward(record.z, record.a, da), after)
        layers.append(grads)
        places = []
        for j, g in enumerate(grads.neurons):
            at = _BackPlace(record.name, li, j, g.name, record.activation, g, shared)
            if after is not None:
                at.sums, at.terms = columns[j]
            places.append(at)
        if granularity == "layer":
            shared.done += [(g.path, g) for g in grads.neurons]
            at = _BackPlace(record.name, li, None, None, record.activation, grads, shared)
            yield (_BackStep(index, at, "layer", None, None, (), grads.dz),)
            index += 1
        elif granularity == "neuron":
            for at in places:
                shared.done.append((at.grads.path, at.grads))
                yield (_BackStep(index, at, "neuron", None, None, (), at.grads.dz),)
                index += 1
        else:
            split = not combined and not record.activation.elementwise if after is None \
                else not record.activation.elementwise  # softmax: every dL/da first
            if split:
                for at in places:
                    index = yield from _da_steps(at, index, targets)
            for at in places:
                if not split:
                    index = yield from _da_steps(at, index, targets)
                index = yield from _rest_steps(at, index)
        after = grads
    layers.reverse()
    first = layers[0]
    inputs = []
    for i, name in enumerate(net.inputs):
        at = _BackPlace(None, -1, i, name, None, first, shared)
        at.sums, at.terms = _column(first, i)
        inputs.append(at)
    dx = [at.sums[-1] for at in inputs]
    trace = Trace(net.name, net.inputs, values)
    trace.layers = records
    # made before the last steps are handed out, so that each of them has the whole pass
    shared.gradients = Gradients(trace, loss, targets, loss.value(out.z, out.a, targets), layers, dx)
    if granularity == "layer":
        shared.done += [(at.neuron, at.sums[-1]) for at in inputs]
        at = _BackPlace(None, -1, None, "inputs", None, inputs, shared)
        yield (_BackStep(index, at, "layer", "dL/dx", None, (), dx),)
        return
    for at in inputs:
        if granularity == "neuron":
            shared.done.append((at.neuron, at.sums[-1]))
            yield (_BackStep(index, at, "neuron", "dL/dx", None, (), at.sums[-1]),)
            index += 1
            continue
        steps = []
        for k, (w, d) in enumerate(at.terms):
            if k == len(at.terms) - 1:
                shared.done.append((at.neuron, at.sums[-1]))
            steps.append(_BackStep(index, at, "multiply-add", "dL/dx", k, (at.sums[k], w, d),
                                   at.sums[k + 1]))
            index += 1
        yield steps


def _column(after: LayerGradients, j: int) -> tuple[list, list]:
    """The running sums of dL/d(input j of `after`) and its (w, dL/dz) terms, as backprop adds them."""
    terms = [(n.weights[j], d) for n, d in zip(after.record.neurons, after.dz)]
    return list(accumulate(map(mul, [w for w, _ in terms], after.dz), initial=0)), terms


def _da_steps(at: _BackPlace, index: int, targets: list):
    g = at.grads
    if at.sums is None:  # the output layer: from the loss
        yield (_BackStep(index, at, "gradient", "dL/da", None, (g.record.a, targets[g.index]), g.da),)
        return index + 1
    steps = [_BackStep(index + k, at, "multiply-add", "dL/da", k, (at.sums[k], w, d), at.sums[k + 1])
             for k, (w, d) in enumerate(at.terms)]
    yield steps
    return index + len(steps)


def _rest_steps(at: _BackPlace, index: int):
    g = at.grads
    layer, record = g.layer, g.record
    if layer.combined:
        operands = (record.a, layer.target[g.index])
    elif layer.s is not None:
        operands = (record.a, g.da, layer.s)
    else:
        operands = (record.z, g.da)
    steps = [_BackStep(index, at, "gradient", "dL/dz", None, operands, g.dz)]
    for i, (x, dw) in enumerate(zip(record.inputs, g.dw)):
        steps.append(_BackStep(index + 1 + i, at, "gradient", "dL/dw", i, (x, g.dz), dw))
    at.pass_record.done.append((g.path, g))
    steps.append(_BackStep(index + 1 + len(g.dw), at, "gradient", "dL/dbias", None, (g.dz,), g.dbias))
    yield steps
    return index + len(steps)

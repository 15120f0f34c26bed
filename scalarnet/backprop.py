"""Backpropagation: losses, every neuron's gradient as hand-worked lines, and gradient descent.

`gradients(net, x, target, loss="mse")` (also `net.gradients(x, target)`) runs
the forward pass, then goes back from the output to the first layer, one
neuron and one multiply at a time, and records for every neuron

- `da`: dL/da, the loss's derivative for its output `a`. In the output layer
  it comes from the loss; in a hidden layer it adds up, over the neurons of the
  next layer, each one's weight from this neuron times its dL/dz;
- `dz` (the "delta"): dL/dz = act'(z) * dL/da, through the layer's activation
  (its `backward`; softmax mixes the whole layer);
- `dw`: dL/dw, one per weight, the weight's input times the neuron's dL/dz;
- `dbias`: dL/dbias, which is dL/dz (the bias is added to z as it is);

and, for the network's inputs, `dx`: dL/dx, added up like a hidden dL/da.

The losses (`LOSSES`: mse, cross_entropy, binary_cross_entropy) are in `scalarnet.losses`.

The two cross-entropies are differentiated together with their activation:
their dL/dz is a - t, exact and stable, where going through dL/da (-t/a, or
(a - t)/(a*(1 - a))) divides by a probability that may round to 0 or 1. For
reading, dL/da is still recorded. Their values are computed from z (log-softmax,
softplus), so they stay finite where a rounds to 0 or 1.

Number types are kept where the math allows: with ints, identity and ReLU, and
mse, every gradient is an int, and the loss is an exact Fraction (half of a
whole number). The texts, in the trace's style (`str(g)`, from the output back
to the first layer, then the inputs), for the tutorial's deep network, input
[3, 5] and target [180]:

>>> from scalarnet import load
>>> g = gradients(load("tutorial-deep"), [3, 5], [180])
>>> print(g)
loss: mse = 1/2*(182 - 180)^2 = 2
output (identity):
  output: dL/da = a - t = 182 - 180 = 2
          dL/dz = dL/da = 2
          dL/dw = [0*2, 26*2] = [0, 52]
          dL/dbias = dL/dz = 2
hidden2 (relu):
  node1_0: dL/da = 2*2 = 4
           dL/dz = relu'(-26) * dL/da = 0 * 4 = 0
           dL/dw = [26*0, 0*0] = [0, 0]
           dL/dbias = dL/dz = 0
  node1_1: dL/da = 7*2 = 14
           dL/dz = relu'(26) * dL/da = 1 * 14 = 14
           dL/dw = [26*14, 0*14] = [364, 0]
           dL/dbias = dL/dz = 14
hidden1 (relu):
  node0_0: dL/da = (-1)*0 + 1*14 = 14
           dL/dz = relu'(26) * dL/da = 1 * 14 = 14
           dL/dw = [3*14, 5*14] = [42, 70]
           dL/dbias = dL/dz = 14
  node0_1: dL/da = 2*0 + 2*14 = 28
           dL/dz = relu'(-13) * dL/da = 0 * 28 = 0
           dL/dw = [3*0, 5*0] = [0, 0]
           dL/dbias = dL/dz = 0
inputs:
  dL/dx0 = 2*14 + 4*0 = 28
  dL/dx1 = 4*14 + (-5)*0 = 56

A hidden neuron's dL/da line reads "weight * dL/dz" for each neuron of the next
layer (node0_1's weights into hidden2 are 2 and 2); a dL/dw line reads "input *
dL/dz". A softmax layer trained with mse first writes its layer sum
`s = sum of a*dL/da = ...`, then `dL/dz = a*(dL/da - s) = ...` per neuron; an
output layer of softmax with cross_entropy (or sigmoid with
binary_cross_entropy) writes `dL/da = -t/a = ...` (or `(a - t)/(a*(1 - a))`)
and `dL/dz = a - t = ... (softmax with cross_entropy)`.

`sgd_step(net, x, target, lr)` changes the network's weights and biases in
place by -lr times their gradients; `train(net, rows, targets, lr, epochs)`
does that for each row in order, each epoch, and returns the mean loss before
and after each epoch. Copy a network first to keep it (`copy.deepcopy(net)`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Sized
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from .activations import _fsum
from .errors import InputError, NumberError, ScalarnetError
from .losses import LOSSES, Loss, LossError, _targets, get_loss
from .numbers import Number, fmt, is_finite, is_number, operand, to_number
from .trace import LayerRecord, NeuronRecord, Trace, values_text

if TYPE_CHECKING:
    from .network import Network

__all__ = ["LOSSES", "Gradients", "LayerGradients", "Loss", "LossError", "NeuronGradients",
           "get_loss", "gradients", "mean_loss", "sgd_step", "train"]


# -- the gradient records ----------------------------------------------------------------------


class NeuronGradients:
    """One neuron's gradients in one backward pass: da, dz, dw (one per weight), dbias."""

    __slots__ = ("layer", "index", "dw")

    def __init__(self, layer: LayerGradients, index: int, dw: list):
        self.layer = layer
        self.index = index
        self.dw = dw

    @property
    def record(self) -> NeuronRecord:
        """The neuron's forward record: its inputs, weights, z and a."""
        return self.layer.record.neurons[self.index]

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def path(self) -> str:
        return self.record.path

    @property
    def da(self) -> Number:
        """dL/da."""
        return self.layer.da[self.index]

    @property
    def dz(self) -> Number:
        """dL/dz, the neuron's delta."""
        return self.layer.dz[self.index]

    @property
    def dbias(self) -> Number:
        """dL/dbias, which is dL/dz."""
        return self.layer.dz[self.index]

    def da_text(self, digits: int | None = None) -> str:
        """`dL/da = a - t = 182 - 180 = 2`, or in a hidden layer `dL/da = (-1)*0 + 1*14 = 14`."""
        layer, j = self.layer, self.index
        if layer.next is None:
            a, t = self.record.a, layer.target[j]
            return f"dL/da = {layer.loss.derivative_text(a, t, self.da, digits)}"
        return f"dL/da = {_back_sum_text(layer.next, j, self.da, digits)}"

    def dz_text(self, digits: int | None = None) -> str:
        """`dL/dz = relu'(-13) * dL/da = 0 * 28 = 0`: through the activation."""
        layer, record, dz = self.layer, self.record, fmt(self.dz, digits)
        act = layer.record.activation
        if layer.combined:
            t = operand(layer.target[self.index], digits)
            return f"dL/dz = a - t = {fmt(record.a, digits)} - {t} = {dz} ({act.name} with {layer.loss.name})"
        if act.name == "identity":
            return f"dL/dz = dL/da = {dz}"
        if not act.elementwise:
            return (f"dL/dz = a*(dL/da - s) = {operand(record.a, digits)}*({fmt(self.da, digits)}"
                    f" - {operand(layer.s, digits)}) = {dz}")
        slope = act.derivative(record.z)
        return (f"dL/dz = {act.name}'({fmt(record.z, digits)}) * dL/da = "
                f"{operand(slope, digits)} * {operand(self.da, digits)} = {dz}")

    def dw_text(self, digits: int | None = None) -> str:
        """`dL/dw = [3*0, 5*0] = [0, 0]`: each input times dL/dz."""
        d = operand(self.dz, digits)
        products = ", ".join(f"{operand(x, digits)}*{d}" for x in self.record.inputs)
        return f"dL/dw = [{products}] = {values_text(self.dw, digits)}"

    def dbias_text(self, digits: int | None = None) -> str:
        return f"dL/dbias = dL/dz = {fmt(self.dbias, digits)}"

    def lines(self, digits: int | None = None) -> list[str]:
        """The neuron's backward arithmetic: dL/da, dL/dz, dL/dw, dL/dbias."""
        return [self.da_text(digits), self.dz_text(digits), self.dw_text(digits),
                self.dbias_text(digits)]

    def text(self, digits: int | None = None) -> str:
        """The lines, the first after the neuron's name and the others aligned under it."""
        first, *rest = self.lines(digits)
        indent = " " * (len(self.name) + 2)
        return "\n".join([f"{self.name}: {first}"] + [indent + line for line in rest])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<NeuronGradients {self.path}: dz={self.dz!r}>"


class LayerGradients:
    """One layer's backward pass: dL/da and dL/dz per neuron, and the neurons' records."""

    __slots__ = ("record", "da", "dz", "dw", "_neurons", "next", "loss", "target", "combined", "s")

    def __init__(self, record: LayerRecord, da: list, dz: list, next: LayerGradients | None,
                 loss: Loss | None = None, target: list | None = None, combined: bool = False):
        self.record = record
        self.da = da
        self.dz = dz
        self.next = next  # the layer after this one (None for the output layer)
        self.loss = loss  # the output layer's loss and targets
        self.target = target
        self.combined = combined  # dz came from the loss through the activation: a - t
        self.s = None  # a softmax layer's sum of a*dL/da
        if not combined and not record.activation.elementwise:
            self.s = _fsum(g * a for g, a in zip(da, record.a))  # as Softmax.backward adds it
        inputs = record.inputs
        self.dw = [[x * d for x in inputs] for d in dz]  # one row per neuron, one column per input
        # Made when first asked for: each points back at this layer, and that cycle would
        # leave freeing the gradients (and their dw lists) to the garbage collector.
        self._neurons: list[NeuronGradients] | None = None

    @property
    def neurons(self) -> list[NeuronGradients]:
        """One NeuronGradients per neuron, in layer order."""
        if self._neurons is None:
            self._neurons = [NeuronGradients(self, j, dw) for j, dw in enumerate(self.dw)]
        return self._neurons

    @property
    def name(self) -> str:
        return self.record.name

    def text(self, digits: int | None = None) -> str:
        lines = [f"{self.name} ({self.record.activation.name}):"]
        if self.s is not None:
            terms = " + ".join(f"{operand(a, digits)}*{operand(g, digits)}"
                               for a, g in zip(self.record.a, self.da))
            lines.append(f"  s = sum of a*dL/da = {terms} = {fmt(self.s, digits)}")
        for n in self.neurons:
            lines += ["  " + line for line in n.text(digits).split("\n")]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<LayerGradients {self.name}: dz={self.dz!r}>"


def _back_sums(layer: LayerGradients) -> list:
    """dL/d(input j of `layer`) for every j: weight from input j times dL/dz, summed over its neurons.

    Added row by row, one neuron's weights at a time (reading a column, `weights[j]`,
    of every neuron costs an index per term); each total still gets the same terms in
    the same order, starting from the int 0, so the bits are those of a column sum.
    """
    record = layer.record
    totals = [0] * len(record.inputs)
    for neuron, d in zip(record.neurons, layer.dz):
        totals = [t + w * d for t, w in zip(totals, neuron.weights)]
    return totals


def _back_sum_text(layer: LayerGradients, j: int, total, digits: int | None) -> str:
    terms = [f"{operand(n.weights[j], digits)}*{operand(d, digits)}"
             for n, d in zip(layer.record.neurons, layer.dz)]
    return f"{' + '.join(terms)} = {fmt(total, digits)}"


class Gradients:
    """The backward pass for one input and target: `str(g)` is its arithmetic, output layer first.

    `g.loss` is the loss's value, `g.loss_function` the Loss; `g.trace` the forward
    pass; `g.layers` one LayerGradients per layer in forward order (`g.layer("hidden1").dz`);
    `g.neuron("hidden1.node0_1")` (or `"node0_1"` when the name is unique) a
    neuron's `da`, `dz`, `dw`, `dbias`; `g.dx` dL/dx for the inputs.
    """

    __slots__ = ("trace", "loss_function", "target", "loss", "layers", "dx")

    def __init__(self, trace: Trace, loss_function: Loss, target: list, loss: Number,
                 layers: list[LayerGradients], dx: list):
        self.trace = trace
        self.loss_function = loss_function
        self.target = target
        self.loss = loss
        self.layers = layers
        self.dx = dx

    def layer(self, name: str) -> LayerGradients:
        """The layer called `name`."""
        return self.layers[self.trace.layers.index(self.trace.layer(name))]

    def neuron(self, name: str) -> NeuronGradients:
        """A neuron's gradients by 'layer.neuron', or by its name alone when that is unique."""
        record = self.trace.neuron(name)  # the trace's look-up and its error messages
        return self.layers[self.trace.layers.index(record.layer)].neurons[record.index]

    def loss_text(self, digits: int | None = None) -> str:
        """`loss: mse = 1/2*(182 - 180)^2 = 2`."""
        out = self.trace.layers[-1]
        worked = self.loss_function.value_text(out.a, self.target, self.loss, digits)
        return f"loss: {self.loss_function.name} = {worked}"

    def inputs_text(self, digits: int | None = None) -> str:
        """`inputs:` then a line per input, `  dL/dx0 = 2*14 + 4*0 = 28`."""
        first = self.layers[0]
        lines = [f"  dL/d{name} = {_back_sum_text(first, i, d, digits)}"
                 for i, (name, d) in enumerate(zip(self.trace.input_names, self.dx))]
        return "\n".join(["inputs:"] + lines)

    def text(self, digits: int | None = None) -> str:
        """The loss, each layer's lines from the output back to the first, then the inputs."""
        lines = [self.loss_text(digits)]
        lines += [layer.text(digits) for layer in reversed(self.layers)]
        lines.append(self.inputs_text(digits))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        # fmt: an int loss reads 2, not Fraction(2, 1)
        return (f"<Gradients of {self.trace.network_name!r}: "
                f"{self.loss_function.name} loss={fmt(self.loss)}>")

    def _repr_svg_(self) -> str:
        """Jupyter shows the gradients as the ops diagram with every gradient (no system Graphviz needed)."""
        from .diagram import diagram  # graphviz is imported only when something is drawn

        return diagram(self.trace, view="ops", gradients=self).to_svg()

    def to_dict(self) -> dict:
        """The numbers as plain data: loss (name, value), target, output, layers, inputs' dL/dx.

        Each layer is `{"name", "da", "dz", "dw", "dbias"}`, in forward order; `dw`
        has one row per neuron, one column per input.
        """
        return {
            "loss": {"name": self.loss_function.name, "value": self.loss},
            "target": list(self.target),
            "output": list(self.trace.output),
            "layers": [{"name": layer.name, "da": list(layer.da), "dz": list(layer.dz),
                        "dw": [list(n.dw) for n in layer.neurons], "dbias": list(layer.dz)}
                       for layer in self.layers],
            "inputs": dict(zip(self.trace.input_names, self.dx)),
        }


# -- the backward pass -----------------------------------------------------------------------


def gradients(net: Network, x, target, loss: str | Loss = "mse") -> Gradients:
    """The forward and backward pass for input `x` and `target` (one value per output neuron).

    Checks the loss, its output activation and the targets before computing
    anything; see the module doc for what is recorded and how it is written.

    >>> from scalarnet import load
    >>> g = gradients(load("tutorial-deep"), [3, 5], [180])
    >>> g.loss, g.neuron("node0_0").dw, g.dx
    (Fraction(2, 1), [42, 70], [28, 56])
    >>> gradients(load("tutorial-deep"), [3, 5], [0, 1], loss="cross_entropy")
    Traceback (most recent call last):
    ...
    scalarnet.losses.LossError: loss 'cross_entropy' is for a softmax output layer, but layer 'output' has identity (use 'binary_cross_entropy' with sigmoid, 'mse' with any other)
    """
    loss = get_loss(loss)
    targets = _targets(net, target, loss)
    trace = net.trace(x)
    _check_kinds(loss, trace.output, targets, [n.name for n in net.layers[-1].neurons])
    try:
        return _backward(trace, targets, loss)
    except (ArithmeticError, TypeError) as e:  # e.g. 0.76 - 10**400: Python raises where IEEE says -inf
        raise _backward_error(net, trace, targets, e) from None


def _check_kinds(loss: Loss, outs: list, targets: list, names: list[str]) -> None:
    """mse subtracts each target from its output: a Decimal cannot meet a float or a Fraction there
    (the cross-entropies compute with float(t))."""
    if loss.output_activation is not None:
        return
    for name, a, t in zip(names, outs, targets):
        decimal, other = (a, t) if isinstance(a, Decimal) else (t, a)
        if isinstance(decimal, Decimal) and isinstance(other, (float, Fraction)):
            raise NumberError(f"target {name!r} is {t!r} but the output is {a!r}: Decimals compute only "
                              "with ints and Decimals; give the target in the output's kind of number "
                              "(Decimal(str(t)), or float(t))")


def _backward_error(net: Network, trace: Trace, targets: list, error: Exception) -> NumberError:
    """The error for a backward pass that Python's arithmetic refuses: an int (or Fraction) beyond
    a float's range meets a float, in a target or in a weight the gradients go back through; or
    (a TypeError) a Decimal input of a layer whose activation makes its gradients floats."""
    if isinstance(error, TypeError):  # the forward pass checked every other meeting of kinds
        for layer in reversed(trace.layers):  # the backward pass meets the last such layer first
            if any(isinstance(x, Decimal) for x in layer.inputs):
                act = layer.activation.name
                return NumberError(f"network {net.name!r}, backward pass: a Decimal meets a float (the "
                                   f"gradients through layer {layer.name!r}, {act}, are floats): Decimals "
                                   "compute only with ints and Decimals; make every number a float, "
                                   f"float(x), to train through {act}")
    names = [n.name for n in net.layers[-1].neurons]
    rule = ("an int beyond a float's range (about 1.8e308) meets a float; use ints and Fractions "
            "only, or floats only")
    for name, t, a in zip(names, targets, trace.output):
        if isinstance(a, float) and not isinstance(t, float) and abs(t) > _FLOAT_MAX:
            return NumberError(f"target {name!r}: {rule}")
    return NumberError(f"network {net.name!r}, backward pass: {rule}")


_FLOAT_MAX = 1.7976931348623157e308


def _backward(trace: Trace, targets: list, loss: Loss) -> Gradients:
    """Go back through the layers of `trace`, from the loss to the inputs."""
    records = trace.layers
    out = records[-1]
    da = loss.derivative(out.a, targets)
    combined = loss.output_activation is not None
    dz = loss.dz(out.a, targets) if combined else out.activation.backward(out.z, out.a, da)
    layer = LayerGradients(out, da, dz, None, loss, targets, combined)
    layers = [layer]
    for record in reversed(records[:-1]):
        da = _back_sums(layer)
        layer = LayerGradients(record, da, record.activation.backward(record.z, record.a, da), layer)
        layers.append(layer)
    layers.reverse()
    dx = _back_sums(layers[0])
    return Gradients(trace, loss, targets, loss.value(out.z, out.a, targets), layers, dx)


# -- training ----------------------------------------------------------------------------------


def _check_lr(lr) -> Number:
    """lr as a Python number (a numpy float would turn every weight into one), checked."""
    if type(lr).__module__ == "numpy" and is_number(lr):
        lr = to_number(lr, "lr")
    if not is_number(lr) or not lr > 0 or not is_finite(lr):
        raise InputError(f"lr: expected a positive number, got {lr!r}")
    return lr


def sgd_step(net: Network, x, target, lr: Number, loss: str | Loss = "mse") -> Gradients:
    """One step of gradient descent on one input: every weight and bias -= lr * its gradient.

    Changes `net` in place (each neuron gets a new weights list, so traces and
    gradients recorded before keep the old weights) and returns the gradients,
    whose `loss` is the loss before the step. An int `lr` keeps int weights ints.

    >>> from scalarnet import Network
    >>> net = Network.from_matrices([[[1, 1]]])  # a = x0 + x1
    >>> sgd_step(net, [1, 2], [5], lr=0.25).loss  # 1/2*(3 - 5)^2
    Fraction(2, 1)
    >>> net.layers[0].neurons[0]  # w - 0.25*x*(3 - 5), bias - 0.25*(3 - 5)
    Neuron('output', [1.5, 2.0], bias=0.5)
    """
    lr = _check_lr(lr)
    g = gradients(net, x, target, loss)
    pairs = [(neuron, n) for layer, grads in zip(net.layers, g.layers)
             for neuron, n in zip(layer.neurons, grads.neurons)]
    try:  # every new value first, so that a refused one changes nothing
        updates = [([w - lr * d for w, d in zip(neuron.weights, n.dw)], neuron.bias - lr * n.dbias)
                   for neuron, n in pairs]
    except (ArithmeticError, TypeError) as e:  # a float lr and Decimal gradients; 10**400 and a float
        raise NumberError(f"lr {lr!r}: {e}; give lr in the network's kind of number (a Decimal for "
                          "Decimal weights), and keep ints beyond a float's range away from floats") from None
    for (neuron, _), (new_weights, new_bias) in zip(pairs, updates):
        neuron.weights, neuron.bias = new_weights, new_bias
    return g


def mean_loss(net: Network, rows: Sequence, targets: Sequence, loss: str | Loss = "mse") -> Number:
    """The loss averaged over `rows` and their `targets` (forward passes only, nothing recorded)."""
    loss = get_loss(loss)
    _check_rows(rows, targets)
    total = 0
    for r, (x, target) in enumerate(zip(rows, targets)):
        try:
            t = _targets(net, target, loss)
            values = net.input_values(x)
            for layer in net.layers[:-1]:
                values = layer(values)
            last = net.layers[-1]
            zs = last.weighted_sums(values)
            outs = last.activation.apply(zs)
            _check_kinds(loss, outs, t, [n.name for n in last.neurons])
            try:
                total += loss.value(zs, outs, t)
            except (ArithmeticError, TypeError):  # a float output and an int target beyond a float
                raise NumberError(f"loss {loss.name!r}: an int beyond a float's range (about 1.8e308) "
                                  "meets a float; use ints and Fractions only, or floats only") from None
        except ScalarnetError as e:
            raise type(e)(f"row {r}: {e}") from None
    return total / len(rows)


def _check_rows(rows: Sequence, targets: Sequence) -> None:
    for what, values in (("rows", rows), ("targets", targets)):
        if not isinstance(values, Sized) or isinstance(values, (str, bytes, Mapping)):
            raise InputError(f"{what}: expected a list (or an array) of {what}, got {type(values).__name__}")
    if len(rows) != len(targets):
        raise InputError(f"{len(rows)} rows but {len(targets)} targets (one target per row)")
    if len(rows) == 0:  # not `not rows`: a numpy array has no truth value
        raise InputError("no rows to train on")


def train(net: Network, rows: Sequence, targets: Sequence, lr: Number, epochs: int = 1,
          loss: str | Loss = "mse") -> list:
    """Gradient descent, one `sgd_step` per row in order, `epochs` times; changes `net` in place.

    Returns the history: the mean loss over the rows before training, then after
    each epoch (`epochs + 1` values).

    >>> from scalarnet import Network
    >>> net = Network.from_matrices([[[0.0]]], [[0.0]])  # learn y = 2x + 1
    >>> history = train(net, [[0], [1], [2]], [[1], [3], [5]], lr=0.1, epochs=200)
    >>> round(history[0], 3), history[-1] < 1e-6
    (5.833, True)
    >>> [round(w, 3) for w in net.layers[0].neurons[0].weights], round(net.layers[0].neurons[0].bias, 3)
    ([2.0], 1.0)
    """
    lr = _check_lr(lr)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise InputError(f"epochs: expected a whole number of at least 1, got {epochs!r}")
    history = [mean_loss(net, rows, targets, loss)]
    for _ in range(epochs):
        for r, (x, target) in enumerate(zip(rows, targets)):
            try:
                sgd_step(net, x, target, lr, loss)
            except ScalarnetError as e:
                raise type(e)(f"row {r}: {e}") from None
        history.append(mean_loss(net, rows, targets, loss))
    return history

"""The record of one forward pass, and its hand-worked arithmetic lines.

A `Trace` holds, for every neuron, the inputs it read, its weights, each product,
its bias, its weighted sum `z` and its output `a`; for every layer its values;
and the network's output. `str()` of any record is the tutorial's arithmetic:

    node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0

Records share lists rather than copy them (every neuron of a layer points at the
same list of inputs), so tracing a large network stays small.
"""

from __future__ import annotations

from .activations import Activation
from .errors import InputError
from .numbers import fmt, is_finite, operand


class NeuronRecord:
    """One neuron's arithmetic in one pass."""

    __slots__ = ("layer", "index", "name", "weights", "products", "bias", "z", "a", "flag")

    def __init__(self, layer: LayerRecord, index: int, name: str, weights: list,
                 products: list, bias, z, a):
        self.layer = layer
        self.index = index
        self.name = name
        self.weights = weights
        self.products = products
        self.bias = bias
        self.z = z
        self.a = a
        self.flag = ""  # a note shown after the line, e.g. where NaN first appears

    @property
    def inputs(self) -> list:
        """The values this neuron read (the previous layer's outputs, or the inputs)."""
        return self.layer.inputs

    @property
    def path(self) -> str:
        """'layer.neuron', the name breakpoints and look-ups use."""
        return f"{self.layer.name}.{self.name}"

    def sum_text(self, digits: int | None = None, keep: int | None = None) -> str:
        """`3*4 + 5*(-5) = -13`: the products, the bias when it is not 0, and z.

        With `keep`, a sum of more than 3*keep terms shows its first and last `keep`
        and the rest as `(776 more terms: 12.5)`, as the diagram summarises it.
        """
        terms = terms_text(self.layer.inputs, self.weights, self.products, len(self.weights),
                           digits, keep)
        if self.bias != 0 or self.bias != self.bias:
            terms.append(operand(self.bias, digits))
        return f"{' + '.join(terms)} = {fmt(self.z, digits)}"

    def activation_text(self, digits: int | None = None) -> str:
        """`relu(-13) = 0`, or '' for identity."""
        return activation_text(self.layer.activation, self.z, self.a, self.index,
                               self.layer.z, digits)

    def text(self, digits: int | None = None, keep: int | None = None) -> str:
        """The whole hand-worked line, with `digits` significant digits for floats (`keep`: as sum_text)."""
        line = f"{self.name}: {self.sum_text(digits, keep)}"
        act = self.activation_text(digits)
        if act:
            line += f" -> {act}"
        if self.flag:
            line += f"  <- {self.flag}"
        return line

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<NeuronRecord {self.path}: z={self.z!r} a={self.a!r}>"


def terms_text(inputs: list, weights: list, products: list, count: int, digits: int | None = None,
               keep: int | None = None) -> list[str]:
    """The first `count` terms of a weighted sum (`3*4`, `5*(-5)`); with `keep`, more than
    3*keep of them are the first and last `keep` around `(776 more terms: 12.5)`, the
    middle products added left to right from 0."""
    def term(i):
        return f"{operand(inputs[i], digits)}*{operand(weights[i], digits)}"

    if keep is None or count <= 3 * keep:
        return [term(i) for i in range(count)]
    middle = 0
    for p in products[keep:count - keep]:
        middle += p
    return ([term(i) for i in range(keep)] + [f"({count - 2 * keep} more terms: {fmt(middle, digits)})"]
            + [term(i) for i in range(count - keep, count)])


def activation_text(activation: Activation, z, a, index: int = 0, zs: list | None = None,
                    digits: int | None = None) -> str:
    """How an activation step is written: `relu(-13) = 0`, `softmax([2, 1])[0] = 0.73`."""
    name = activation.name
    if name == "identity":
        return ""
    if activation.elementwise:
        return f"{name}({fmt(z, digits)}) = {fmt(a, digits)}"
    values = ", ".join(fmt(v, digits) for v in zs)
    return f"{name}([{values}])[{index}] = {fmt(a, digits)}"


class LayerRecord:
    """One layer's pass: the inputs it read, its neurons' records, z and a."""

    __slots__ = ("name", "activation", "input_names", "inputs", "neurons", "z", "a")

    def __init__(self, name: str, activation: Activation, input_names: list, inputs: list):
        self.name = name
        self.activation = activation
        self.input_names = input_names
        self.inputs = inputs
        self.neurons: list[NeuronRecord] = []
        self.z: list = []
        self.a: list = []

    def text(self, digits: int | None = None) -> str:
        lines = [f"{self.name} ({self.activation.name}):"]
        lines += [f"  {n.text(digits)}" for n in self.neurons]
        lines.append(f"  values: {values_text(self.a, digits)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<LayerRecord {self.name}: a={self.a!r}>"


def values_text(values: list, digits: int | None = None) -> str:
    """`[26, 0]`: a list of values as the tutorial prints them."""
    return "[" + ", ".join(fmt(v, digits) for v in values) + "]"


def find_neurons(layers: list, path: str) -> list:
    """The neurons `path` names in `layers` (Layers or LayerRecords): 'layer.neuron', where
    either name may hold dots, else a neuron's name alone; several when that is ambiguous."""
    pairs = [(layer.name, n) for layer in layers for n in layer.neurons]
    return ([n for layer_name, n in pairs if f"{layer_name}.{n.name}" == path]
            or [n for _, n in pairs if n.name == path])


def known_names(names: list[str], shown: int = 12) -> str:
    """`a, b, c` for an error message; past `shown` names, the first and last few and the count."""
    if len(names) <= shown:
        return ", ".join(names)
    half = shown // 2
    return f"{', '.join(names[:half])}, ..., {', '.join(names[-half:])} ({len(names)} in all)"


def split_path(layers: list, path: str) -> tuple[str, str]:
    """'layer.neuron' split after a layer's name when it starts with one (names may hold dots),
    else at the first dot: the parts to name in an error when `find_neurons` finds nothing."""
    for layer in layers:
        if path.startswith(f"{layer.name}."):
            return layer.name, path[len(layer.name) + 1:]
    layer_name, _, neuron_name = path.partition(".")
    return layer_name, neuron_name


class Trace:
    """The whole forward pass for one input: `str(trace)` is its arithmetic, layer by layer.

    Look-ups: `trace.output`, `trace.layer("hidden1").a`, `trace.neuron("hidden1.node0_1").z`
    (or just `"node0_1"` when the name is unique). `trace.first_nonfinite` is the
    first neuron whose value is NaN or infinite, or None; its line is marked.
    """

    __slots__ = ("network_name", "input_names", "input_values", "layers", "first_nonfinite")

    def __init__(self, network_name: str, input_names: list, input_values: list):
        self.network_name = network_name
        self.input_names = input_names
        self.input_values = input_values
        self.layers: list[LayerRecord] = []
        self.first_nonfinite: NeuronRecord | None = None

    @property
    def output(self) -> list:
        """The network's output: the last layer's values."""
        return self.layers[-1].a

    @property
    def inputs(self) -> dict:
        """The inputs by name."""
        return dict(zip(self.input_names, self.input_values))

    def neurons(self):
        """Every neuron record, in execution order."""
        for layer in self.layers:
            yield from layer.neurons

    def layer(self, name: str) -> LayerRecord:
        for layer in self.layers:
            if layer.name == name:
                return layer
        known = ", ".join(layer.name for layer in self.layers)
        raise InputError(f"no layer {name!r} in the trace (layers: {known})")

    def neuron(self, name: str) -> NeuronRecord:
        """A neuron's record by 'layer.neuron', or by its name alone when that is unique."""
        if not isinstance(name, str):
            raise InputError(f"expected a neuron's name ('layer.neuron', or its name alone), got {name!r}")
        found = find_neurons(self.layers, name)
        if len(found) == 1:
            return found[0]
        if found:
            raise InputError(f"neuron name {name!r} is in several layers: "
                             f"say which ({', '.join(n.path for n in found)})")
        if "." in name:
            layer_name, neuron_name = split_path(self.layers, name)
            layer = self.layer(layer_name)  # raises when there is no such layer
            raise InputError(f"layer {layer_name!r} has no neuron {neuron_name!r} "
                             f"(it has: {known_names([n.name for n in layer.neurons])})")
        raise InputError(f"no neuron {name!r} in the trace "
                         f"(neurons: {known_names([n.path for n in self.neurons()])})")

    def mark_nonfinite(self) -> None:
        """Find and flag the first neuron where a NaN or an infinity appears."""
        for n in self.neurons():
            if not (is_finite(n.z) and is_finite(n.a)):
                n.flag = "first non-finite value"
                self.first_nonfinite = n
                return

    def inputs_text(self, digits: int | None = None) -> str:
        parts = []
        for name, value in zip(self.input_names, self.input_values):
            note = " (non-finite)" if not is_finite(value) else ""
            parts.append(f"{name} = {fmt(value, digits)}{note}")
        return "inputs: " + ", ".join(parts)

    def text(self, digits: int | None = None) -> str:
        """The whole pass: the inputs, each layer's lines and values, then the output."""
        lines = [self.inputs_text(digits)]
        lines += [layer.text(digits) for layer in self.layers]
        lines.append(f"output: {values_text(self.output, digits)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Trace of {self.network_name!r}: output={self.output!r}>"

    def _repr_svg_(self) -> str:
        """Jupyter shows a trace as the network diagram with every value, with no system Graphviz needed."""
        from .diagram import diagram  # graphviz is imported only when something is drawn

        return diagram(self).to_svg()

    def to_dict(self) -> dict:
        """`{"inputs": {...}, "layers": [{"name", "z", "a"}, ...], "output": [...]}`."""
        return {
            "inputs": self.inputs,
            "layers": [{"name": layer.name, "z": list(layer.z), "a": list(layer.a)}
                       for layer in self.layers],
            "output": list(self.output),
        }

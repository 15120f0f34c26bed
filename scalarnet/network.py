"""The network: named inputs and layers, the forward pass, and its recorded trace."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set

from .activations import Activation, get_activation
from .backprop import Gradients, Loss, gradients
from .pdbstop import forward_with_breakpoint
from .errors import InputError, NetworkError, NumberError, ScalarnetError
from .layer import Layer
from .neuron import Neuron
from .numbers import Number, to_number
from .steps import Step, steps
from .trace import LayerRecord, NeuronRecord, Trace, find_neurons, known_names, split_path


class Network:
    """Named inputs, then layers; each layer reads the one before it.

    >>> net = Network.from_tutorial_weights({'node0': [1, 1], 'node1': [1, -1], 'output': [1, -1]})
    >>> net.forward([40, 0])
    [0]
    >>> print(net.trace([40, 0]))
    inputs: x0 = 40, x1 = 0
    hidden1 (identity):
      node0: 40*1 + 0*1 = 40
      node1: 40*1 + 0*(-1) = 40
      values: [40, 40]
    output (identity):
      output: 40*1 + 40*(-1) = 0
      values: [0]
    output: [0]
    """

    __slots__ = ("name", "inputs", "layers", "description", "example_input")

    def __init__(self, layers: Sequence[Layer], inputs: Sequence[str] | None = None,
                 name: str = "network", description: str = "",
                 example_input: Sequence[Number] | None = None):
        if not isinstance(name, str):
            raise NetworkError(f"network name: expected a string, got {name!r}")
        if not isinstance(description, str):
            raise NetworkError(f"network {name!r}, description: expected a string, got {description!r}")
        if isinstance(layers, Layer) or not isinstance(layers, Iterable):
            raise NetworkError(f"network {name!r}: expected a list of layers, got {layers!r}")
        layers = list(layers)  # an iterator is read once, here
        if not layers:
            raise NetworkError(f"network {name!r}: no layers (it needs at least an output layer)")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise NetworkError(f"network {name!r}, layer {i}: expected a Layer, got {layer!r}")
        n_inputs = layers[0].n_inputs
        if inputs is None:
            inputs = [f"x{i}" for i in range(n_inputs)]
        if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Iterable):
            raise NetworkError(f"network {name!r}: expected a list of input names, got {inputs!r}")
        inputs = list(inputs)
        _check_names(inputs, f"network {name!r}", "input")
        _check_names([layer.name for layer in layers], f"network {name!r}", "layer")
        if len(inputs) != n_inputs:
            first = layers[0].neurons[0]
            raise NetworkError(f"layer {layers[0].name!r}, neuron {first.name!r}: {n_inputs} weights "
                               f"but the network has {len(inputs)} inputs ({', '.join(inputs)})")
        for before, layer in zip(layers, layers[1:]):
            if layer.n_inputs != len(before):
                first = layer.neurons[0]
                raise NetworkError(f"layer {layer.name!r}, neuron {first.name!r}: {layer.n_inputs} "
                                   f"weights but the layer before has {len(before)} outputs")
        clash = _decimal_clash(layers)  # checked once here, not at each multiply
        if clash:
            raise NetworkError(f"network {name!r}: {clash}")
        self.name = name
        self.inputs = inputs
        self.layers = layers
        self.description = description
        self.example_input = None
        if example_input is not None:
            try:
                self.example_input = self.input_values(example_input)
            except ScalarnetError as e:
                raise NetworkError(f"example_input: {e}") from None

    # -- building --------------------------------------------------------------------------

    @classmethod
    def from_tutorial_weights(cls, weights: Mapping[str, Sequence[Number]],
                              activation: str | Activation = "identity",
                              inputs: Sequence[str] | None = None, name: str = "network",
                              **kwargs) -> Network:
        """Build a network from the tutorial's dict of node name -> incoming weights.

        Keys are `node{i}` (one hidden layer), `node{layer}_{i}` (several), and
        `output` (or `output_{i}` for several outputs). Hidden layers get
        `activation`; the output layer none, as in the tutorial. Layers are
        named `hidden1`, `hidden2`, ..., `output`; no biases.

        >>> net = Network.from_tutorial_weights({'node0_0': [2, 4], 'node0_1': [4, -5],
        ...     'node1_0': [-1, 2], 'node1_1': [1, 2], 'output': [2, 7]}, activation="relu")
        >>> net.forward([3, 5])
        [182]
        """
        if not isinstance(weights, Mapping) or not weights:
            raise NetworkError(f"tutorial weights: expected a dict of node name -> weights, got {weights!r}")
        hidden: dict[int, dict[int, tuple[str, Sequence]]] = {}
        outputs: dict[int, tuple[str, Sequence]] = {}
        for key, ws in weights.items():
            m = _TUTORIAL_KEY.fullmatch(key) if isinstance(key, str) else None
            if m is None:
                raise NetworkError(f"tutorial weights: key {key!r} is not a node name "
                                   "(expected node0, node1, ... or node0_0, node1_0, ..., and output)")
            if max(len(m[g] or "") for g in ("l", "i", "oi")) > _MAX_INDEX_DIGITS:  # int() would refuse 4300
                shown = f"{key[:24]!r}... ({len(key)} characters)" if len(key) > 40 else repr(key)
                raise NetworkError(f"tutorial weights: key {shown} has a node number of more than "
                                   f"{_MAX_INDEX_DIGITS} digits (expected node0, node1, ..., output)")
            if m["out"]:
                nodes, i = outputs, int(m["oi"] or 0)
            elif m["i"] is not None:
                nodes, i = hidden.setdefault(int(m["l"]), {}), int(m["i"])
            else:
                nodes, i = hidden.setdefault(0, {}), int(m["l"])
            if i in nodes:  # node0 and node0_0, or output and output_0: one would be lost
                raise NetworkError(f"tutorial weights: keys {nodes[i][0]!r} and {key!r} name the same node")
            nodes[i] = (key, ws)
        if not outputs:
            raise NetworkError("tutorial weights: no 'output' node")
        layers = []
        for depth, nodes in enumerate(_consecutive(hidden, "hidden layer")):
            names_weights = _consecutive(nodes, f"hidden layer {depth} node")
            layers.append(_layer(f"hidden{depth + 1}", names_weights, None, activation))
        layers.append(_layer("output", _consecutive(outputs, "output node"), None, "identity"))
        return cls(layers, inputs=inputs, name=name, **kwargs)

    @classmethod
    def from_matrices(cls, weights: Sequence, biases: Sequence | None = None,
                      activations: str | Activation | Sequence = "identity",
                      inputs: Sequence[str] | None = None, name: str = "network",
                      **kwargs) -> Network:
        """Build a network from one weight matrix per layer: one row per neuron, one column per input.

        `weights[k][j][i]` is the weight from input `i` of layer `k` to its neuron `j`
        (the layout of `torch.nn.Linear.weight`; numpy arrays work too).
        `biases[k][j]` is neuron j's bias (default 0). `activations` is either one
        name for every hidden layer (the output layer then gets none) or a list with
        one per layer. Layers are named `hidden1`, ..., `output`; neurons
        `node{k}_{j}` and, in the output layer, `output` or `output_{j}`.

        >>> net = Network.from_matrices([[[2, 4], [4, -5]], [[-1, 2], [1, 2]], [[2, 7]]],
        ...                             activations="relu")
        >>> net.forward([3, 5])
        [182]
        """
        weights = _plain(weights)
        if not isinstance(weights, list) or not weights:
            raise NetworkError("from_matrices: expected a list of weight matrices, one per layer")
        n = len(weights)
        biases = [None] * n if biases is None else _plain(biases)
        if not _is_list(biases):
            raise NetworkError(f"from_matrices: expected a list of bias vectors, one per layer, got {biases!r}")
        if len(biases) != n:
            raise NetworkError(f"from_matrices: {len(biases)} bias vectors for {n} weight matrices")
        if isinstance(activations, (str, Activation)) or not isinstance(activations, Iterable):
            activations = [get_activation(activations)] * (n - 1) + ["identity"]
        activations = list(activations)
        if len(activations) != n:
            raise NetworkError(f"from_matrices: {len(activations)} activations for {n} layers")
        layers = []
        for k, (matrix, bias) in enumerate(zip(weights, biases)):
            matrix, bias = _plain(matrix), _plain(bias)
            last = k == n - 1
            layer_name = "output" if last else f"hidden{k + 1}"
            if not isinstance(matrix, list) or not matrix:
                raise NetworkError(f"layer {layer_name!r}: expected a matrix (a list of rows), got {matrix!r}")
            if last:
                names = ["output"] if len(matrix) == 1 else [f"output_{j}" for j in range(len(matrix))]
            else:
                names = [f"node{k}_{j}" for j in range(len(matrix))]
            layers.append(_layer(layer_name, list(zip(names, matrix)), bias, activations[k]))
        return cls(layers, inputs=inputs, name=name, **kwargs)

    # -- running ---------------------------------------------------------------------------

    def input_values(self, x: Sequence[Number] | Mapping[str, Number]) -> list:
        """`x` as a list in input order, checked: a sequence, or a dict by input name."""
        names = self.inputs
        expected = ", ".join(names)
        if isinstance(x, (list, tuple)):  # the usual case, without the slower checks below
            values = list(x)
        elif isinstance(x, Mapping):
            for key in x:
                if key not in names:
                    raise InputError(f"unknown input {key!r} (expected: {expected})")
            for key in names:
                if key not in x:
                    raise InputError(f"input {key!r} is missing (expected: {expected})")
            values = [x[key] for key in names]
        else:
            if hasattr(x, "tolist"):  # a numpy array or scalar
                x = x.tolist()
            if isinstance(x, (str, bytes, Set)) or not isinstance(x, Iterable):  # a set has no order
                raise InputError(f"network {self.name!r}: expected the input values as a list "
                                 f"or a dict by name ({expected}), got {x!r}")
            values = list(x)
        if len(values) != len(names):
            raise InputError(f"network {self.name!r}: {_count(len(values), 'input value')} but "
                             f"the network has {_count(len(names), 'input')} ({expected})")
        decimal = False
        for i, v in enumerate(values):
            kind = type(v)
            if kind is int or kind is float:
                continue
            v = values[i] = to_number(v, f"input {names[i]!r}")  # the place is written only here
            decimal = decimal or isinstance(v, Decimal)
        if decimal:  # the only case that needs a look at the weights
            self._check_decimal_input(values)
        return values

    def _check_decimal_input(self, values: list) -> None:
        """A Decimal input computes only with ints and Decimals: the other inputs and the weights it meets."""
        clash = _decimal_clash(self.layers, list(zip(self.inputs, values)))
        if clash:
            raise NumberError(clash)

    def forward(self, x: Sequence[Number] | Mapping[str, Number],
                breakpoint_at: str | None = None) -> list:
        """The output for one input: a list with one value per output neuron.

        `breakpoint_at="hidden1.node0_1"` stops in Python's debugger (`breakpoint()`,
        so PYTHONBREAKPOINT applies) inside that neuron's multiply-add loop, where the
        locals are `inputs`, `weights`, `bias`, `total` (the running sum), `x` and `w`.
        """
        values = self.input_values(x)
        if breakpoint_at is not None:
            return forward_with_breakpoint(self, values, breakpoint_at)
        for layer in self.layers:
            values = layer(values)
        return values

    def forward_many(self, rows: Iterable, workers: int | None = 1,
                     progress: bool = False) -> list[list]:
        """`forward` for each row (observation), outputs in row order; an error names the row.

        ``workers=N`` splits the rows across N processes (``None``: one per core for
        more than a few hundred rows), with the same results; see `scalarnet.parallel`.
        ``progress`` shows a progress bar on stderr for long runs.
        """
        if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
            raise InputError(f"network {self.name!r}: expected the rows as a list of inputs, got {rows!r}")
        from .parallel import run_rows

        return run_rows(self, rows, Network.forward, workers, progress)

    def steps(self, x: Sequence[Number] | Mapping[str, Number], granularity: str = "op",
              digits: int | None = None, *, target: Sequence[Number] | None = None,
              loss: str | Loss = "mse", keep: int | None = None) -> Iterator[Step]:
        """The forward pass one step at a time ("op", "neuron" or "layer"), and with a target
        the backward pass after it: see `scalarnet.steps` and `scalarnet.backsteps`."""
        return steps(self, x, granularity, digits, target=target, loss=loss, keep=keep)

    def trace(self, x: Sequence[Number] | Mapping[str, Number]) -> Trace:
        """The whole pass recorded: every neuron's products, z and a; see `Trace`."""
        values = self.input_values(x)
        trace = Trace(self.name, self.inputs, values)
        names = self.inputs
        for layer in self.layers:
            record = LayerRecord(layer.name, layer.activation, names, values)
            zs = []
            try:
                for i, neuron in enumerate(layer.neurons):
                    products, z = neuron.products(values)
                    record.neurons.append(NeuronRecord(record, i, neuron.name, neuron.weights,
                                                       products, neuron.bias, z, None))
                    zs.append(z)
            except (ArithmeticError, TypeError):
                raise layer.arithmetic_error(values) from None
            record.z = zs
            record.a = layer.activation.apply(zs)
            for n, a in zip(record.neurons, record.a):
                n.a = a
            trace.layers.append(record)
            values = record.a
            names = [n.name for n in layer.neurons]
        trace.mark_nonfinite()
        return trace

    def gradients(self, x: Sequence[Number] | Mapping[str, Number], target: Sequence[Number],
                  loss: str | Loss = "mse") -> Gradients:
        """The backward pass for one input and target: every dL/da, dL/dz, dL/dw; see `scalarnet.backprop`."""
        return gradients(self, x, target, loss)

    # -- looking things up -----------------------------------------------------------------

    def layer(self, name: str) -> Layer:
        """The layer called `name`."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        known = ", ".join(layer.name for layer in self.layers)
        raise NetworkError(f"network {self.name!r} has no layer {name!r} (layers: {known})")

    def neuron(self, path: str) -> Neuron:
        """A neuron by 'layer.neuron', or by its name alone when no other neuron has it.

        Names may hold dots: 'h.1.a.b' is neuron 'a.b' of layer 'h.1'.
        """
        if not isinstance(path, str):
            raise NetworkError(f"network {self.name!r}: expected a neuron's name ('layer.neuron', "
                               f"or its name alone), got {path!r}")
        found = find_neurons(self.layers, path)
        if not found and "." in path:  # name the missing part: these look-ups raise
            layer_name, neuron_name = split_path(self.layers, path)
            self.layer(layer_name).neuron(neuron_name)
        if len(found) != 1:
            paths = [f"{layer.name}.{n.name}" for layer in self.layers for n in layer.neurons]
            how = ("several layers have one; name it as 'layer.neuron'" if found
                   else f"there is none; neurons: {known_names(paths)}")
            raise NetworkError(f"network {self.name!r}: no single neuron {path!r} ({how})")
        return found[0]

    @property
    def widths(self) -> list[int]:
        """The number of inputs, then each layer's number of neurons: [784, 128, 64, 10]."""
        return [len(self.inputs)] + [len(layer) for layer in self.layers]

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Network) and other.name == self.name
                and other.inputs == self.inputs and other.layers == self.layers
                and other.description == self.description
                and other.example_input == self.example_input)

    __hash__ = None

    def __repr__(self) -> str:
        shape = "-".join(str(w) for w in self.widths)
        return f"<Network {self.name!r} {shape}>"

    def _repr_svg_(self) -> str:
        """Jupyter shows a network as its diagram (weights and biases), with no system Graphviz needed."""
        from .diagram import diagram  # graphviz is imported only when something is drawn

        return diagram(self).to_svg()


_MAX_INDEX_DIGITS = 9  # a billion nodes in a layer is more than any network file holds

_TUTORIAL_KEY = re.compile(r"node(?P<l>\d+)(?:_(?P<i>\d+))?|(?P<out>output)(?:_?(?P<oi>\d+))?")


def _consecutive(numbered: dict, what: str) -> list:
    """The values of a dict keyed 0..n-1, in order; a gap is an error."""
    order = sorted(numbered)
    if order != list(range(len(order))):
        missing = next(i for i in range(len(order) + 1) if i not in numbered)
        raise NetworkError(f"tutorial weights: {what} {missing} is missing "
                           f"(found {', '.join(str(i) for i in order)})")
    return [numbered[i] for i in order]


def _layer(name: str, names_weights: list, biases, activation) -> Layer:
    """A Layer from (neuron name, weights) pairs; errors name the layer."""
    try:
        if biases is None:
            biases = [0] * len(names_weights)
        if not _is_list(biases):
            raise NetworkError(f"biases: expected a list, one per neuron, got {biases!r}")
        if len(biases) != len(names_weights):
            raise NetworkError(f"{len(biases)} biases for {len(names_weights)} neurons")
        neurons = [Neuron(n, _plain(ws), b) for (n, ws), b in zip(names_weights, biases)]
        return Layer(name, neurons, get_activation(activation))
    except ScalarnetError as e:
        message = str(e)
        if not message.startswith("layer "):
            message = f"layer {name!r}, {message}"
        raise type(e)(message) from None


_DECIMAL_RULE = ("Decimals compute only with ints and Decimals (Python refuses a Decimal times a float "
                 "or a Fraction): make every number a Decimal, Decimal(str(x)), or every one a float, "
                 "float(x)")

_FLOAT_ACTIVATIONS = ("sigmoid", "softmax", "tanh")  # they turn any number into a float


def _kind(value) -> str:
    """The kind of number a value is, as far as mixing goes: "int", "float", "Fraction" or "Decimal"."""
    if isinstance(value, float):
        return "float"
    if isinstance(value, Fraction):
        return "Fraction"
    return "Decimal" if isinstance(value, Decimal) else "int"


def _has_decimal(layers: list) -> bool:
    """Whether any weight, bias or slope is a Decimal (ints and floats are passed over by type)."""
    plain = (int, float)
    for layer in layers:
        if isinstance(layer.activation.params().get("slope"), Decimal):
            return True
        for n in layer.neurons:
            if type(n.bias) not in plain and isinstance(n.bias, Decimal):
                return True
            for w in n.weights:
                if type(w) not in plain and isinstance(w, Decimal):
                    return True
    return False


def _said(value) -> str:
    kind = _kind(value)
    return repr(value) if kind in ("Decimal", "int") else f"the {kind} {value!r}"


def _decimal_clash(layers: list, inputs: list | None = None) -> str | None:
    """Where a Decimal would meet a float or a Fraction in a pass, or None.

    Follows the kinds of number through the layers, the way the values would go:
    ints join anything, a float and a Fraction give a float, tanh, sigmoid and
    softmax give floats; a Decimal meeting a float or a Fraction is the clash
    (Python refuses that arithmetic). `inputs` are (name, value) pairs, or None
    for ints (when the network is built). Nothing is computed: one look at each number.
    """
    if inputs is None and not _has_decimal(layers):  # the usual case: one quick look, no places written
        return None
    seen: dict[str, str] = {}  # kind -> where it first came from

    def meet(kinds: dict[str, str]) -> str | None:
        for kind, where in kinds.items():
            seen.setdefault(kind, where)
        if "Decimal" in seen and ("float" in seen or "Fraction" in seen):
            other = seen["float"] if "float" in seen else seen["Fraction"]
            return f"{seen['Decimal']} but {other}: {_DECIMAL_RULE}"
        return None

    for name, v in inputs or []:
        clash = meet({_kind(v): f"input {name!r} is {_said(v)}"})
        if clash:
            return clash
    for layer in layers:
        here: dict[str, str] = {}
        for n in layer.neurons:
            for i, v in enumerate(n.weights + [n.bias]):
                kind = _kind(v)
                if kind not in here:  # the place is written once per kind
                    what = f"weight {i}" if i < len(n.weights) else "bias"
                    here[kind] = f"layer {layer.name!r}, neuron {n.name!r}, {what} is {_said(v)}"
        act = layer.activation
        slope = act.params().get("slope")
        if slope is not None and not isinstance(slope, float):  # a float slope takes the input's kind
            here.setdefault(_kind(slope), f"layer {layer.name!r}, leaky_relu slope is {_said(slope)}")
        clash = meet(here)
        if clash:
            return clash
        if act.name in _FLOAT_ACTIVATIONS:  # from here on the values are floats
            seen = {"float": f"layer {layer.name!r} has {act.name}, which gives floats"}
    return None


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _is_list(value) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _plain(value):
    """numpy arrays (or anything with tolist) as nested lists of Python numbers."""
    return value.tolist() if hasattr(value, "tolist") else value


def _check_names(names: list, place: str, what: str) -> None:
    seen = set()
    for name in names:
        if not isinstance(name, str) or not name:
            raise NetworkError(f"{place}: {what} name {name!r} is not a non-empty string")
        if name in seen:
            raise NetworkError(f"{place}: two {what}s are named {name!r}")
        seen.add(name)

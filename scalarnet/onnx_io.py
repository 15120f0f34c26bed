"""ONNX files both ways: a multilayer perceptron's graph read as data into a Network, and a Network written as ONNX.

`from_onnx` reads the graphs that `torch.onnx.export`, skl2onnx and tf2onnx write
for a chain of dense layers: `Gemm` (any transA, transB, alpha, beta), `MatMul`
then `Add`, `Relu`, `LeakyRelu`, `PRelu` (one slope), `Sigmoid`, `Tanh`,
`Softmax` over the last axis, `Identity`, `Cast` to a float, `Dropout` (inference: it passes its
input on), `Flatten`/`Reshape` of the input. Constants may be initializers or
`Constant` nodes. An ONNX file is a protobuf message: reading it runs nothing
from it. Weights become Python floats holding exactly the file's values (a
float32 weight becomes the float it is); `alpha` and `beta` of a Gemm are
multiplied in (in float64). Anything else is a `ModelError` naming the node.

`to_onnx` writes float64 weights (ints become floats, Fractions and Decimals are
rounded), one `Gemm` per layer named after it, and the activation after it
(leaky_relu as `Where(z > 0, z, slope*z)`, with the slope a float64 tensor:
`LeakyRelu`'s alpha is a float32 attribute, which would round a slope of 0.01,
and onnxruntime has no float64 LeakyRelu). The input and neuron names,
the description and the example input go into the model's metadata (JSON under
`scalarnet.network`), so `from_onnx(to_onnx(net))` gives them back.

Only the `onnx` package is needed (`pip install scalarnet[onnx]`), imported when
a model is read or written.
"""

from __future__ import annotations

import json
import os
import re

from .activations import get_activation
from .errors import ScalarnetError
from .network import Network

__all__ = ["from_onnx", "to_onnx", "OPS"]

#: The ONNX operators from_onnx reads.
OPS = ("Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Softmax",
       "Identity", "Dropout", "Flatten", "Reshape", "Constant", "Cast")
MIN_OPSET = 13
_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax"}
_FLOATS = ("float16", "float32", "float64")
# JSON: {"inputs": [...], "neurons": [[...], ...], "description": "...", "example_input": [...]}
_METADATA = "scalarnet.network"


def _model_error(message: str) -> ScalarnetError:
    from .interop import ModelError

    return ModelError(message)


def _onnx():
    try:
        import onnx
    except ImportError:
        raise _model_error("reading or writing ONNX needs the onnx package: "
                           "pip install onnx (or scalarnet[onnx])") from None
    return onnx


# -- reading -------------------------------------------------------------------------------------


def from_onnx(source, inputs=None, name: str | None = None, **kwargs) -> Network:
    """The network of an ONNX multilayer perceptron (a file path, bytes, or an `onnx.ModelProto`).

    Input names are `inputs`, else the ones scalarnet wrote into the file, else the
    graph input's name with an index (`input_0`, `input_1`, ...; the name alone for
    one feature). Layers are named after their `Gemm`/`MatMul` nodes (`/fc1/Gemm`,
    as torch.onnx.export names them, is `fc1`); `name`
    defaults to the graph's name; `kwargs` (`description`, `example_input`) go to
    `Network`.
    """
    onnx = _onnx()
    model, label = _load_model(onnx, source)
    opsets = {o.domain: o.version for o in model.opset_import}
    opset = opsets.get("", opsets.get("ai.onnx"))
    if opset is None or opset < MIN_OPSET:
        raise _model_error(f"{label}: opset {opset} of the default domain: scalarnet reads "
                           f"opset {MIN_OPSET} and later (re-export with opset_version={MIN_OPSET} or more)")
    graph = model.graph
    reader = _Reader(onnx, graph, label)
    layers = reader.read()
    names = _stored_names(model, label)
    n_in = len(layers[0][1][0])
    if inputs is None:
        if names and len(names.get("inputs", ())) == n_in:
            inputs = names["inputs"]
        else:
            tensor = reader.input_name
            inputs = [tensor] if n_in == 1 else [f"{tensor}_{i}" for i in range(n_in)]
    from .interop import _file_network

    neuron_names = names.get("neurons") if names else None
    for key in ("description", "example_input"):
        if names and key in names and key not in kwargs:
            kwargs[key] = names[key]
    return _file_network(label, layers, inputs, name or graph.name or "onnx", kwargs, neuron_names)


def _unique(name: str, used: set) -> str:
    new, i = name, 2
    while new in used:
        new, i = f"{name}_{i}", i + 1
    used.add(new)
    return new


def _load_model(onnx, source):
    if isinstance(source, onnx.ModelProto):
        return source, "ONNX model"
    if isinstance(source, (bytes, bytearray)):
        data, label = bytes(source), "ONNX bytes"
    elif isinstance(source, (str, os.PathLike)):
        label = str(source)
        try:
            with open(source, "rb") as f:
                data = f.read()
        except OSError as e:
            raise _model_error(f"{label}: cannot read ({e.strerror})") from None
    else:
        raise _model_error(f"from_onnx: expected a file path, bytes or an onnx.ModelProto, got {source!r}")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as e:  # protobuf's DecodeError (its module differs by protobuf version)
        raise _model_error(f"{label}: not an ONNX model ({type(e).__name__}: {e})") from None
    if not model.graph.node and not model.graph.input:
        raise _model_error(f"{label}: not an ONNX model (no graph in it)")
    return model, label


def _stored_names(model, label: str) -> dict | None:
    for prop in model.metadata_props:
        if prop.key == _METADATA:
            try:
                names = json.loads(prop.value)
            except ValueError:
                raise _model_error(f"{label}: metadata {_METADATA!r} is not JSON") from None
            return names if isinstance(names, dict) else None
    return None


class _Reader:
    """Walks the graph's nodes in order, following the one data tensor from the input to the output.

    The data is a matrix, rows x features, or, after a Gemm or MatMul that took it
    as its second operand, features x rows (`self.transposed`).
    """

    def __init__(self, onnx, graph, label: str):
        self.onnx = onnx
        self.graph = graph
        self.label = label
        self.constants = {}
        for t in graph.initializer:
            self.constants[t.name] = t
        inputs = [i for i in graph.input if i.name not in self.constants]
        if len(inputs) != 1:
            names = ", ".join(repr(i.name) for i in inputs) or "none"
            raise _model_error(f"{label}: {len(inputs)} graph inputs ({names}); scalarnet reads a "
                               "graph of one input")
        self.input_name = inputs[0].name
        self.current = inputs[0].name
        self.transposed = False
        self.layers = []  # [name, weights (rows per neuron), biases, activation or None]
        self.pending_bias = False  # a MatMul whose Add has not come yet

    def fail(self, node, k: int, why: str):
        where = f"node {k} ({node.name!r})" if node.name else f"node {k}"
        return _model_error(f"{self.label}: {where} is {node.op_type}: {why}")

    def array(self, name: str):
        from onnx import numpy_helper

        tensor = self.constants[name]
        if not isinstance(tensor, self.onnx.TensorProto):
            return tensor  # already an array (a Constant's value_float(s))
        if tensor.HasField("data_location") and tensor.data_location == self.onnx.TensorProto.EXTERNAL:
            raise _model_error(f"{self.label}: tensor {name!r} is stored outside the file "
                               "(external data); save the model with its weights inside")
        return numpy_helper.to_array(tensor)

    def read(self) -> list:
        nodes = list(self.graph.node)
        k = 0
        while k < len(nodes):
            if self.leaky_where(nodes, k):
                k += 3
                continue
            self.node(k, nodes[k])
            k += 1
        outputs = [o.name for o in self.graph.output]
        if len(outputs) != 1:
            raise _model_error(f"{self.label}: {len(outputs)} graph outputs ({', '.join(map(repr, outputs))}); "
                               "scalarnet reads a graph of one output")
        if outputs[0] != self.current:
            raise _model_error(f"{self.label}: the graph output {outputs[0]!r} is not the end of the "
                               f"layer chain ({self.current!r}): a branch scalarnet cannot read")
        if not self.layers:
            raise _model_error(f"{self.label}: no Gemm or MatMul node: not a multilayer perceptron")
        return [(n, w, b, a or "identity") for n, w, b, a in self.layers]

    def data_input(self, node, k: int, positions=None) -> int:
        """The position of the data tensor among the node's inputs; every other input is a constant."""
        found = None
        for i, name in enumerate(node.input):
            if name == "" or name in self.constants:
                continue
            if name != self.current or found is not None:
                raise self.fail(node, k, f"it reads {name!r}, which is neither the layer chain's "
                                         f"value ({self.current!r}) nor a constant (a branch or "
                                         "a second input, which scalarnet cannot read)")
            found = i
        if found is None:
            raise self.fail(node, k, f"it does not read the layer chain's value {self.current!r}")
        if positions is not None and found not in positions:
            raise self.fail(node, k, f"the layer chain's value is its input {found}")
        return found

    def produce(self, node, k: int) -> None:
        used = [o for o in node.output if o]
        if node.op_type == "Dropout":
            used = used[:1]
            if any(o and self._is_read(o) for o in node.output[1:]):
                raise self.fail(node, k, "its mask output is used")
        self.current = used[0]

    def _is_read(self, name: str) -> bool:
        return any(name in n.input for n in self.graph.node) or any(o.name == name for o in self.graph.output)

    def node(self, k: int, node) -> None:
        op = node.op_type
        if node.domain not in ("", "ai.onnx"):
            raise self.fail(node, k, f"an operator of domain {node.domain!r}, which scalarnet "
                                     f"cannot read (it reads: {', '.join(OPS)})")
        if op == "Constant":
            self.constant(node, k)
            return
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            raise self.fail(node, k, f"an operator scalarnet cannot read (it reads: {', '.join(OPS)})")
        handler(node, k, _attributes(self.onnx, node))
        self.produce(node, k)

    def constant(self, node, k: int) -> None:
        import numpy as np

        attrs = _attributes(self.onnx, node)
        if "value" in attrs:
            value = attrs["value"]
        elif "value_float" in attrs:
            value = np.array(attrs["value_float"], dtype=np.float32)
        elif "value_floats" in attrs:
            value = np.array(attrs["value_floats"], dtype=np.float32)
        elif "value_int" in attrs or "value_ints" in attrs:
            value = np.array(attrs.get("value_int", attrs.get("value_ints")), dtype=np.int64)
        else:
            raise self.fail(node, k, f"a constant of a kind scalarnet cannot read ({', '.join(attrs)})")
        self.constants[node.output[0]] = value

    # -- shape: Flatten and Reshape of the input ---------------------------------------------------

    def at_input(self, node, k: int) -> None:
        self.data_input(node, k, positions=(0,))
        if self.layers:
            raise self.fail(node, k, "a Flatten or Reshape after the first layer, which scalarnet "
                                     "cannot read (it reads them at the input only)")

    def op_Flatten(self, node, k, attrs):
        self.at_input(node, k)
        if attrs.get("axis", 1) != 1:
            raise self.fail(node, k, f"axis={attrs['axis']}; scalarnet reads Flatten(axis=1), "
                                     "one row per sample")

    def op_Reshape(self, node, k, attrs):
        shape = [int(s) for s in self.array(node.input[1]).reshape(-1)] if node.input[1] in self.constants else None
        if self.layers and not self.transposed and shape in ([-1, len(self.layers[-1][1])], [0, len(self.layers[-1][1])]):
            self.data_input(node, k, positions=(0,))  # rows x width again (skl2onnx ends with one)
            return
        self.at_input(node, k)
        if shape is None or len(shape) != 2:
            raise self.fail(node, k, f"shape {shape}; scalarnet reads a Reshape to rows x features")

    # -- dense layers ------------------------------------------------------------------------------

    def weights(self, node, k: int, name: str):
        value = self.array(name)
        if value.dtype.name not in _FLOATS:
            raise self.fail(node, k, f"its weights {name!r} are {value.dtype.name} "
                                     f"(scalarnet reads {', '.join(_FLOATS)})")
        return value

    def new_layer(self, node, k: int, matrix, bias) -> None:
        """matrix: (n_out, n_in), one row per neuron; bias: (n_out,) or None."""
        if matrix.ndim != 2 or 0 in matrix.shape:
            raise self.fail(node, k, f"a weight matrix of shape {list(matrix.shape)}")
        if self.layers:
            before = len(self.layers[-1][1])
            if matrix.shape[1] != before:
                raise self.fail(node, k, f"{matrix.shape[1]} inputs per neuron after a layer of {before}")
        biases = [0.0] * matrix.shape[0] if bias is None else bias.tolist()
        name = node.name or (node.output[0] if node.output else f"{node.op_type}_{k}")
        torch_style = re.fullmatch(r"/(.+)/(?:Gemm|MatMul)", name)  # torch.onnx.export: /fc1/Gemm
        if torch_style:
            name = torch_style[1]
        self.layers.append([name, matrix.tolist(), biases, None])

    def bias_vector(self, node, k: int, value, n_out: int, where: str):
        """A bias broadcast along the rows: shape (n_out,), (1, n_out), a scalar, or (n_out, 1) when transposed."""
        import numpy as np

        if value.dtype.name not in _FLOATS:
            raise self.fail(node, k, f"its {where} is {value.dtype.name} (scalarnet reads {', '.join(_FLOATS)})")
        shape = tuple(value.shape)
        fits = {(), (1,), (n_out,)} | ({(n_out, 1), (1, 1)} if self.transposed else {(1, n_out), (1, 1)})
        if shape not in fits:
            raise self.fail(node, k, f"its {where} has shape {list(shape)}, which is no bias "
                                     f"for {n_out} neurons")
        return np.broadcast_to(value.reshape(-1), (n_out,)).astype(value.dtype)

    def op_Gemm(self, node, k, attrs):
        import numpy as np

        position = self.data_input(node, k, positions=(0, 1))
        alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
        trans_a, trans_b = attrs.get("transA", 0), attrs.get("transB", 0)
        other = self.weights(node, k, node.input[1 - position])
        if other.ndim != 2:
            raise self.fail(node, k, f"a weight matrix of shape {list(other.shape)}")
        if position == 0:
            # Y = op(X) @ op(B): op(X) must be rows x features, so op(B) is (n_in, n_out)
            if trans_a != self.transposed:
                raise self.fail(node, k, f"transA={trans_a} on data laid out "
                                         f"{'features x rows' if self.transposed else 'rows x features'}")
            matrix = other if trans_b else other.T  # -> (n_out, n_in)
            out_transposed = False
        else:
            # Y = op(A) @ op(X): op(X) must be features x rows, and op(A) is (n_out, n_in)
            if trans_b == self.transposed:
                raise self.fail(node, k, f"transB={trans_b} on data laid out "
                                         f"{'features x rows' if self.transposed else 'rows x features'}")
            matrix = other.T if trans_a else other
            out_transposed = True
        matrix = np.asarray(matrix, dtype=np.float64) * alpha if alpha != 1.0 else matrix
        bias = None
        self.transposed = out_transposed
        if len(node.input) > 2 and node.input[2]:
            if node.input[2] not in self.constants:
                raise self.fail(node, k, f"its C input {node.input[2]!r} is not a constant")
            bias = self.bias_vector(node, k, self.array(node.input[2]), matrix.shape[0], "C input")
            if beta != 1.0:
                bias = np.asarray(bias, dtype=np.float64) * beta
        self.new_layer(node, k, matrix, bias)
        self.pending_bias = False

    def op_MatMul(self, node, k, attrs):
        position = self.data_input(node, k, positions=(0, 1))
        other = self.weights(node, k, node.input[1 - position])
        if other.ndim != 2:
            raise self.fail(node, k, f"a weight matrix of shape {list(other.shape)}")
        if position == 0:
            if self.transposed:
                raise self.fail(node, k, "data laid out features x rows as its first operand")
            matrix = other.T  # (n_in, n_out) -> (n_out, n_in)
        else:
            if not self.transposed:
                raise self.fail(node, k, "data laid out rows x features as its second operand")
            matrix = other
        self.new_layer(node, k, matrix, None)
        self.pending_bias = True

    def op_Add(self, node, k, attrs):
        position = self.data_input(node, k, positions=(0, 1))
        if not self.layers or self.layers[-1][3] is not None:
            raise self.fail(node, k, "an Add that is not the bias of a MatMul or Gemm")
        layer = self.layers[-1]
        bias = self.bias_vector(node, k, self.array(node.input[1 - position]), len(layer[1]),
                                "constant")
        if not self.pending_bias:
            # a second bias on the same layer: add it in, as ONNX Runtime does
            layer[2] = [a + b for a, b in zip(layer[2], bias.astype("float64").tolist())]
        else:
            layer[2] = bias.tolist()
        self.pending_bias = False

    def leaky_where(self, nodes: list, k: int) -> bool:
        """Greater(z, 0), Mul(z, slope), Where(those, z, slope*z): leaky_relu as to_onnx writes it."""
        if k + 3 > len(nodes):
            return False
        gt, mul, where = nodes[k:k + 3]
        z = self.current
        scalar = lambda name: (name in self.constants and self.array(name).size == 1  # noqa: E731
                               and self.array(name).dtype.name in _FLOATS)
        if not (gt.op_type == "Greater" and mul.op_type == "Mul" and where.op_type == "Where"
                and list(gt.input[:1]) == [z] and scalar(gt.input[1])
                and float(self.array(gt.input[1]).reshape(-1)[0]) == 0.0
                and list(mul.input[:1]) == [z] and scalar(mul.input[1])
                and list(where.input) == [gt.output[0], z, mul.output[0]]):
            return False
        slope = float(self.array(mul.input[1]).reshape(-1)[0])
        self.current = z  # activation() checks the chain's value as its input
        self.activation(where, k + 2, get_activation("leaky_relu", slope=slope), check=False)
        self.current = where.output[0]
        return True

    # -- activations -------------------------------------------------------------------------------

    def activation(self, node, k: int, activation, check: bool = True) -> None:
        if check:
            self.data_input(node, k, positions=(0,))
        if not self.layers:
            raise self.fail(node, k, "an activation before any Gemm or MatMul")
        if self.layers[-1][3] is not None:
            raise self.fail(node, k, f"a second activation on layer {self.layers[-1][0]!r} "
                                     "(scalarnet has one per layer)")
        self.layers[-1][3] = activation
        self.pending_bias = False

    def op_Relu(self, node, k, attrs):
        self.activation(node, k, "relu")

    def op_Sigmoid(self, node, k, attrs):
        self.activation(node, k, "sigmoid")

    def op_Tanh(self, node, k, attrs):
        self.activation(node, k, "tanh")

    def op_LeakyRelu(self, node, k, attrs):
        self.activation(node, k, get_activation("leaky_relu", slope=float(attrs.get("alpha", 0.01))))

    def op_PRelu(self, node, k, attrs):
        slope = self.array(node.input[1]).reshape(-1).tolist() if node.input[1] in self.constants else None
        if not slope or any(s != slope[0] for s in slope):
            raise self.fail(node, k, f"a slope {slope!r}: scalarnet reads one constant slope per layer")
        self.activation(node, k, get_activation("leaky_relu", slope=float(slope[0])))

    def op_Softmax(self, node, k, attrs):
        axis = attrs.get("axis", -1)
        if self.transposed or axis not in (-1, 1):
            raise self.fail(node, k, f"axis={axis} on data laid out "
                                     f"{'features x rows' if self.transposed else 'rows x features'}: "
                                     "scalarnet's softmax spans one layer's outputs (the last axis)")
        self.activation(node, k, "softmax")

    def op_Cast(self, node, k, attrs):
        self.data_input(node, k, positions=(0,))
        kind = self.onnx.helper.tensor_dtype_to_np_dtype(attrs.get("to", 0)).name if attrs.get("to") else "?"
        if kind not in _FLOATS:
            raise self.fail(node, k, f"a cast to {kind}; scalarnet reads casts to {', '.join(_FLOATS)}")

    def op_Identity(self, node, k, attrs):
        self.data_input(node, k, positions=(0,))

    def op_Dropout(self, node, k, attrs):
        self.data_input(node, k, positions=(0,))
        if len(node.input) > 2 and node.input[2]:
            mode = self.array(node.input[2]).reshape(-1).tolist() if node.input[2] in self.constants else None
            if mode != [False]:
                raise self.fail(node, k, "training_mode is not the constant false")


def _attributes(onnx, node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


# -- writing -------------------------------------------------------------------------------------


def to_onnx(net: Network, path: str | os.PathLike | None = None, opset: int = 17):
    """The network as a float64 ONNX `ModelProto`; with `path`, also written there (atomically).

    The graph's input `input` is rows x len(net.inputs) and its output `output`;
    each layer is a Gemm named after it, then its activation.
    """
    onnx = _onnx()
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    if not isinstance(net, Network):
        raise _model_error(f"to_onnx: expected a Network, got {net!r}")
    nodes, initializers, used = [], [], set()
    current = "input"
    for k, layer in enumerate(net.layers):
        weights = np.array([[float(w) for w in n.weights] for n in layer.neurons], dtype=np.float64)
        biases = np.array([float(n.bias) for n in layer.neurons], dtype=np.float64)
        initializers += [numpy_helper.from_array(weights, f"W{k}"), numpy_helper.from_array(biases, f"B{k}")]
        z = f"z{k}"
        nodes.append(helper.make_node("Gemm", [current, f"W{k}", f"B{k}"], [z], name=_unique(layer.name, used),
                                       transB=1))
        act = layer.activation.name
        current = z
        if act != "identity":
            current = f"a{k}"
            extra = {}
            if act == "leaky_relu":
                # Where(z > 0, z, slope*z): onnxruntime has no float64 LeakyRelu, and its
                # float64 PRelu depends on the opset; from_onnx reads these three nodes back
                slope = np.array(float(layer.activation.slope), dtype=np.float64)
                initializers += [numpy_helper.from_array(slope, f"S{k}"),
                                 numpy_helper.from_array(np.array(0.0), f"zero{k}")]
                nodes.append(helper.make_node("Greater", [z, f"zero{k}"], [f"g{k}"],
                                              name=_unique(f"{layer.name}/Greater", used)))
                nodes.append(helper.make_node("Mul", [z, f"S{k}"], [f"m{k}"],
                                              name=_unique(f"{layer.name}/Mul", used)))
                nodes.append(helper.make_node("Where", [f"g{k}", z, f"m{k}"], [current],
                                              name=_unique(f"{layer.name}/Where", used)))
                continue
            op = next(o for o, a in _ACTIVATIONS.items() if a == act)
            ins = [z]
            if op == "Softmax":
                extra = {"axis": -1}
            nodes.append(helper.make_node(op, ins, [current], name=_unique(f"{layer.name}/{op}", used),
                                           **extra))
    if current != "output":
        nodes.append(helper.make_node("Identity", [current], ["output"],
                                       name=_unique("output/Identity", used)))
    graph = helper.make_graph(
        nodes, net.name,
        [helper.make_tensor_value_info("input", TensorProto.DOUBLE, ["rows", len(net.inputs)])],
        [helper.make_tensor_value_info("output", TensorProto.DOUBLE, ["rows", len(net.layers[-1])])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="scalarnet")
    model.ir_version = min(model.ir_version, 8)  # readable by older runtimes too
    names = {"inputs": list(net.inputs), "neurons": [[n.name for n in l.neurons] for l in net.layers]}
    if net.description:
        names["description"] = net.description
    if net.example_input is not None:
        names["example_input"] = [float(v) for v in net.example_input]
    helper.set_model_props(model, {_METADATA: json.dumps(names)})
    onnx.checker.check_model(model)
    if path is not None:
        _write_atomic(path, model.SerializeToString())
    return model


def _write_atomic(path, data: bytes) -> None:
    """Write beside the target, then replace it: a failure leaves what was there."""
    import tempfile

    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".scalarnet-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise

"""Reading an ONNX graph: the walk along its one chain of nodes, from the input to the output, layer by layer."""

from __future__ import annotations

import re

from .activations import get_activation
from .errors import ScalarnetError

#: The ONNX operators from_onnx reads.
OPS = ("Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Softmax",
       "Identity", "Dropout", "Flatten", "Reshape", "Constant", "Cast")
_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax"}
_FLOATS = ("float16", "float32", "float64")


def _model_error(message: str) -> ScalarnetError:
    from .interop import ModelError

    return ModelError(message)


class _Layer:
    """One dense layer as read so far: its name, weight rows (one per neuron), biases and activation.

    `biases` is None until a Gemm's C input or an Add gives them (none at all: zeros);
    `activation` is None until an activation node gives it (none at all: identity).
    """

    __slots__ = ("name", "rows", "biases", "activation")

    def __init__(self, name: str, rows: list, biases):
        self.name, self.rows, self.biases, self.activation = name, rows, biases, None


class _Reader:
    """Walks the graph's nodes in order, following the one data tensor from the input to the output.

    The data is a matrix, rows x features, or, after a Gemm or MatMul that took it
    as its second operand, features x rows (`self.transposed`).
    """

    def __init__(self, onnx, graph, label: str, output: str | None):
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
        self.layers = []  # _Layer
        outputs = [o.name for o in graph.output]
        if output is None and len(outputs) != 1:
            raise _model_error(f"{label}: {len(outputs)} graph outputs ({', '.join(map(repr, outputs))}); "
                               "scalarnet reads one: choose it with from_onnx(..., output=NAME)")
        if output is not None and output not in outputs:
            raise _model_error(f"{label}: no graph output {output!r} (outputs: {', '.join(map(repr, outputs))})")
        self.output = output or outputs[0]
        # only the nodes the output depends on, in graph order, with their indices for messages
        needed, kept = {self.output}, []
        for k, node in reversed(list(enumerate(graph.node))):
            if needed & set(node.output):
                kept.append((k, node))
                needed |= set(node.input)
        self.nodes = kept[::-1]

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
        i = 0
        while i < len(self.nodes):
            if self.leaky_where(i):
                i += 3
                continue
            self.node(*self.nodes[i])
            i += 1
        if self.output != self.current:
            raise _model_error(f"{self.label}: the graph output {self.output!r} is not the end of the "
                               f"layer chain ({self.current!r}): a branch scalarnet cannot read")
        if not self.layers:
            raise _model_error(f"{self.label}: no Gemm or MatMul node: not a multilayer perceptron")
        return [(layer.name, layer.rows, [0.0] * len(layer.rows) if layer.biases is None else layer.biases,
                 layer.activation or "identity") for layer in self.layers]

    def data_input(self, node, k: int, positions=None) -> int:
        """The position of the data tensor among the node's inputs; every other input is a constant."""
        found = None
        for i, name in enumerate(node.input):
            if name == "" or name in self.constants:
                continue
            if name != self.current:
                raise self.fail(node, k, f"it reads {name!r}, which is neither the layer chain's "
                                         f"value ({self.current!r}) nor a constant (a branch or "
                                         "a second input, which scalarnet cannot read)")
            if found is not None:
                raise self.fail(node, k, f"it reads the layer chain's value {name!r} twice "
                                         f"(inputs {found} and {i}), which scalarnet cannot read")
            found = i
        if found is None:
            raise self.fail(node, k, f"it does not read the layer chain's value {self.current!r}")
        if positions is not None and found not in positions:
            raise self.fail(node, k, f"the layer chain's value is its input {found}")
        return found

    def produce(self, node, k: int) -> None:
        if node.op_type == "Dropout" and any(o and self._is_read(o) for o in node.output[1:]):
            raise self.fail(node, k, "its mask output is used")
        self.current = next(o for o in node.output if o)

    def _is_read(self, name: str) -> bool:
        return any(name in n.input for _, n in self.nodes) or name == self.output

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
        shape = [int(s) for s in self.array(node.input[1]).ravel()] if node.input[1] in self.constants else None
        width = len(self.layers[-1].rows) if self.layers else None
        if width and not self.transposed and shape in ([-1, width], [0, width]):
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
        if 0 in matrix.shape:
            raise self.fail(node, k, f"a weight matrix of shape {list(matrix.shape)}")
        if self.layers:
            before = len(self.layers[-1].rows)
            if matrix.shape[1] != before:
                raise self.fail(node, k, f"{matrix.shape[1]} inputs per neuron after a layer of {before}")
        name = node.name or node.output[0]
        torch_style = re.fullmatch(r"/(.+)/(?:Gemm|MatMul)", name)  # torch.onnx.export: /fc1/Gemm
        if torch_style:
            name = torch_style[1]
        self.layers.append(_Layer(name, matrix.tolist(), None if bias is None else bias.tolist()))

    def bias_vector(self, node, k: int, value, n_out: int, where: str):
        """A bias broadcast along the rows: a scalar, shape (1,) or (1, 1); (n_out,) or (1, n_out) on rows x
        features data; (n_out, 1) on features x rows data, where (n_out,) would be added along the rows."""
        import numpy as np

        if value.dtype.name not in _FLOATS:
            raise self.fail(node, k, f"its {where} is {value.dtype.name} (scalarnet reads {', '.join(_FLOATS)})")
        shape = tuple(value.shape)
        fits = {(), (1,), (1, 1)} | ({(n_out, 1)} if self.transposed else {(n_out,), (1, n_out)})
        if shape not in fits:
            raise self.fail(node, k, f"its {where} has shape {list(shape)}, which is no bias "
                                     f"for {n_out} neurons")
        return np.broadcast_to(value.ravel(), (n_out,)).astype(value.dtype)

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
        matrix = np.asarray(matrix, dtype=np.float64) * alpha  # exact for alpha 1: every weight is a float64
        bias = None
        self.transposed = out_transposed
        if len(node.input) > 2 and node.input[2]:  # data_input() saw that it is a constant
            bias = self.bias_vector(node, k, self.array(node.input[2]), matrix.shape[0], "C input")
            bias = np.asarray(bias, dtype=np.float64) * beta
        self.new_layer(node, k, matrix, bias)

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

    def op_Add(self, node, k, attrs):
        position = self.data_input(node, k, positions=(0, 1))
        if not self.layers or self.layers[-1].activation is not None:
            raise self.fail(node, k, "an Add that is not the bias of a MatMul or Gemm")
        layer = self.layers[-1]
        bias = self.bias_vector(node, k, self.array(node.input[1 - position]), len(layer.rows),
                                "constant")
        if layer.biases is None:
            layer.biases = bias.tolist()
        else:
            # a second bias on the same layer: add it in, as ONNX Runtime does
            layer.biases = [a + b for a, b in zip(layer.biases, bias.astype("float64").tolist())]

    def leaky_where(self, i: int) -> bool:
        """Greater(z, 0), Mul(z, slope), Where(those, z, slope*z): leaky_relu as to_onnx writes it."""
        if i + 3 > len(self.nodes):
            return False
        (_, gt), (_, mul), (k, where) = self.nodes[i:i + 3]
        z = self.current
        if not (gt.op_type == "Greater" and mul.op_type == "Mul" and where.op_type == "Where"
                and len(gt.input) == len(mul.input) == 2 and gt.input[0] == mul.input[0] == z
                and self.scalar(gt.input[1]) == 0.0 and self.scalar(mul.input[1]) is not None
                and list(where.input) == [gt.output[0], z, mul.output[0]]):
            return False
        slope = self.scalar(mul.input[1])
        self.activation(where, k, get_activation("leaky_relu", slope=slope), check=False)
        self.current = where.output[0]
        return True

    def scalar(self, name: str) -> float | None:
        """The value of a one-element float constant, else None."""
        if name not in self.constants:
            return None
        value = self.array(name)
        return float(value.item()) if value.size == 1 and value.dtype.name in _FLOATS else None

    # -- activations -------------------------------------------------------------------------------

    def activation(self, node, k: int, activation, check: bool = True) -> None:
        if check:
            self.data_input(node, k, positions=(0,))
        if not self.layers:
            raise self.fail(node, k, "an activation before any Gemm or MatMul")
        if self.layers[-1].activation is not None:
            raise self.fail(node, k, f"a second activation on layer {self.layers[-1].name!r} "
                                     "(scalarnet has one per layer)")
        self.layers[-1].activation = activation

    def op_Relu(self, node, k, attrs):
        self.activation(node, k, "relu")

    def op_Sigmoid(self, node, k, attrs):
        self.activation(node, k, "sigmoid")

    def op_Tanh(self, node, k, attrs):
        self.activation(node, k, "tanh")

    def op_LeakyRelu(self, node, k, attrs):
        self.activation(node, k, get_activation("leaky_relu", slope=float(attrs.get("alpha", 0.01))))

    def op_PRelu(self, node, k, attrs):
        slope = self.array(node.input[1]).ravel().tolist() if node.input[1] in self.constants else None
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
        to = attrs.get("to")
        kind = self.onnx.helper.tensor_dtype_to_np_dtype(to).name if to else "?"
        if kind not in _FLOATS:
            raise self.fail(node, k, f"a cast to {kind}; scalarnet reads casts to {', '.join(_FLOATS)}")

    def op_Identity(self, node, k, attrs):
        self.data_input(node, k, positions=(0,))

    def op_Dropout(self, node, k, attrs):
        self.data_input(node, k, positions=(0,))
        if len(node.input) > 2 and node.input[2]:
            # data_input() saw that it is a constant
            if self.array(node.input[2]).ravel().tolist() != [False]:
                raise self.fail(node, k, "training_mode is not the constant false")


def _attributes(onnx, node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}

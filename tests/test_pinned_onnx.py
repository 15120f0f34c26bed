"""ONNX behaviours mutation testing showed no test pinned (benchmarks/mutation.py onnx_graph, onnx_io):
each graph form read, checked against onnxruntime, and the exact message for each malformed graph.

Every graph here is a few nodes built with onnx.helper, so that the whole file runs in seconds.
"""

from __future__ import annotations

import math
import sys

import pytest

onnx = pytest.importorskip("onnx", reason="needs onnx (pip install onnx)")
ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime (pip install onnxruntime)")
np = pytest.importorskip("numpy")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from scalarnet import Layer, Network, Neuron, get_activation  # noqa: E402
from scalarnet.interop import ModelError, from_onnx, to_onnx  # noqa: E402

D, F = TensorProto.DOUBLE, TensorProto.FLOAT
ROWS = [[0.5, -1.25, 2.0], [-1.5, 0.75, -0.5], [2.0, 1.0, -2.0]]
SUPPORTED = ("Gemm, MatMul, Add, Relu, LeakyRelu, PRelu, Sigmoid, Tanh, Softmax, Identity, Dropout, "
             "Flatten, Reshape, Constant, Cast")


def W(*rows):
    return np.array(rows, dtype=np.float64)


W1 = W([0.5, -1.0, 0.25], [1.5, 0.75, -0.5], [-0.25, 0.5, 1.0], [1.0, -0.5, 0.5])  # 4 neurons x 3 inputs
B1 = W(0.1, -0.2, 0.3, -0.4)
W2 = W([1.0, -1.0, 0.5, 0.25], [-0.5, 0.25, 1.0, -1.0])  # 2 x 4
B2 = W(0.05, -0.15)


def node(op, inputs, output, name=None, domain=None, **attrs):
    outputs = output if isinstance(output, list) else [output]
    return helper.make_node(op, inputs, outputs, name=output if name is None else name, domain=domain, **attrs)


def model(nodes, inits=None, *, n_in=3, outputs=("y",), opset=17, dtype=D, graph_name="g",
          input_shape=None, extra_inputs=()):
    tensors = []
    for key, value in (inits or {}).items():
        value = np.asarray(value)
        if value.dtype == np.float64 and dtype == F:
            value = value.astype(np.float32)
        tensors.append(numpy_helper.from_array(value, key))
    inputs = [helper.make_tensor_value_info("x", dtype, input_shape or ["N", n_in]), *extra_inputs]
    graph = helper.make_graph(nodes, graph_name, inputs,
                              [helper.make_tensor_value_info(o, dtype, None) for o in outputs], tensors)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def ort_run(m, rows, dtype=np.float64):
    session = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {m.graph.input[0].name: np.array(rows, dtype=dtype)})[0]


def agrees(m, rows=ROWS, tol=1e-12, transposed=False, **kwargs):
    """The network from_onnx reads, after checking it against onnxruntime on `rows`."""
    net = from_onnx(m, **kwargs)
    dtype = np.float32 if m.graph.input[0].type.tensor_type.elem_type == F else np.float64
    want = ort_run(m, rows, dtype)
    want = (want.T if transposed else want).tolist()
    for row, out in zip(rows, want):
        got = net.forward([float(dtype(v)) for v in row])
        assert len(got) == len(out) and all(math.isclose(a, b, rel_tol=tol, abs_tol=tol)
                                            for a, b in zip(got, out)), (row, got, out)
    return net


def refused(m, message, **kwargs):
    with pytest.raises(ModelError) as caught:
        from_onnx(m, **kwargs)
    assert str(caught.value) == message


def dense(x="x", w=W1, b=B1, out="h", **attrs):
    """A Gemm as torch.onnx.export writes it (transB=1: the weights one row per neuron)."""
    return node("Gemm", [x, f"{out}_W", f"{out}_B"], out, transB=1, **attrs), {f"{out}_W": w, f"{out}_B": b}


def two_layers(middle=(), act_out="h", end="y"):
    """x -> Gemm h -> middle nodes -> Gemm y (2 neurons)."""
    n1, i1 = dense()
    n2, i2 = dense(act_out, W2, B2, end)
    return model([n1, *middle, n2], {**i1, **i2})


# -- graph inputs and outputs -----------------------------------------------------------------------


def test_initializers_listed_as_graph_inputs_are_weights_not_inputs():
    n1, i1 = dense(out="y")
    m = model([n1], i1)
    m.graph.input.extend([helper.make_tensor_value_info(k, D, list(v.shape)) for k, v in i1.items()])
    net = agrees(m)
    assert net.inputs == ["x_0", "x_1", "x_2"]


def test_a_graph_with_no_data_input():
    n1, i1 = dense(out="y")
    m = model([n1], i1)
    m.graph.input[0].name = "y_W"  # the only graph input is a weight
    refused(m, "ONNX model: 0 graph inputs (none); scalarnet reads a graph of one input")


def test_a_graph_with_two_inputs():
    n1, i1 = dense(out="y")
    refused(model([n1], i1, extra_inputs=[helper.make_tensor_value_info("z", D, [1])]),
            "ONNX model: 2 graph inputs ('x', 'z'); scalarnet reads a graph of one input")


def _two_outputs():
    n1, i1 = dense()
    n2, i2 = dense("h", W2, B2, "y")
    side = node("ArgMax", ["y"], "label")  # an operator scalarnet cannot read, off the chosen path
    return model([n1, n2, side], {**i1, **i2}, outputs=("label", "y", "h"))


def test_output_chooses_one_of_several_outputs_and_reads_only_its_nodes():
    m = _two_outputs()
    assert from_onnx(m, output="y").widths == [3, 4, 2]
    assert from_onnx(m, output="h").widths == [3, 4]
    refused(m, "ONNX model: 3 graph outputs ('label', 'y', 'h'); scalarnet reads one: choose it with "
               "from_onnx(..., output=NAME)")
    refused(m, "ONNX model: no graph output 'probs' (outputs: 'label', 'y', 'h')", output="probs")


def test_output_may_name_the_only_output():
    n1, i1 = dense(out="y")
    assert from_onnx(model([n1], i1), output="y").widths == [3, 4]


# -- tensors --------------------------------------------------------------------------------------


def test_weights_stored_outside_the_file_are_refused():
    n1, i1 = dense(out="y")
    m = model([n1], i1)
    weights = m.graph.initializer[0]
    weights.ClearField("raw_data")
    weights.data_location = TensorProto.EXTERNAL
    weights.external_data.add(key="location", value="weights.bin")
    refused(m, "ONNX model: tensor 'y_W' is stored outside the file (external data); save the model "
               "with its weights inside")


def test_weights_marked_as_stored_in_the_file_are_read():
    n1, i1 = dense(out="y")
    m = model([n1], i1)
    m.graph.initializer[0].data_location = TensorProto.DEFAULT  # the field set, to its default
    assert m.graph.initializer[0].HasField("data_location")
    agrees(m)


# -- the chain ------------------------------------------------------------------------------------


def test_an_output_that_is_not_the_end_of_the_chain():
    n1, i1 = dense()
    m = model([n1, node("Constant", [], "c", value=numpy_helper.from_array(W(1.0), "v"))], i1, outputs=("c",))
    refused(m, "ONNX model: the graph output 'c' is not the end of the layer chain ('x'): a branch "
               "scalarnet cannot read")


def test_a_graph_without_a_dense_layer():
    refused(model([node("Identity", ["x"], "y")]),
            "ONNX model: no Gemm or MatMul node: not a multilayer perceptron")


def test_a_node_reading_a_second_path():
    n1, i1 = dense()
    refused(model([n1, node("Relu", ["x"], "r"), node("Add", ["h", "r"], "y")], i1),
            "ONNX model: node 1 ('r') is Relu: it reads 'x', which is neither the layer chain's value ('h') "
            "nor a constant (a branch or a second input, which scalarnet cannot read)")


def test_a_node_reading_the_chain_twice():
    n1, i1 = dense()
    refused(model([n1, node("Add", ["h", "h"], "y")], i1),
            "ONNX model: node 1 ('y') is Add: it reads the layer chain's value 'h' twice (inputs 0 and 1), "
            "which scalarnet cannot read")


def test_a_node_reading_only_constants():
    refused(model([node("Add", ["a", "b"], "y")], {"a": W(1.0), "b": W(2.0)}),
            "ONNX model: node 0 ('y') is Add: it does not read the layer chain's value 'x'")


def test_the_data_as_the_wrong_operand():
    n1, i1 = dense("r", out="y")
    refused(model([node("Reshape", ["s", "x"], "r"), n1], {"s": np.array([-1, 3]), **i1}),
            "ONNX model: node 0 ('r') is Reshape: the layer chain's value is its input 1")


def test_an_operator_of_another_domain():
    refused(two_layers([node("Relu", ["h"], "r", domain="com.microsoft")], act_out="r"),
            f"ONNX model: node 1 ('r') is Relu: an operator of domain 'com.microsoft', which scalarnet "
            f"cannot read (it reads: {SUPPORTED})")


def test_the_default_domain_by_its_name():
    net = from_onnx(two_layers([node("Relu", ["h"], "r", domain="ai.onnx")], act_out="r"))
    assert [layer.activation.name for layer in net.layers] == ["relu", "identity"]


def test_an_operator_scalarnet_cannot_read():
    refused(two_layers([node("Elu", ["h"], "r")], act_out="r"),
            f"ONNX model: node 1 ('r') is Elu: an operator scalarnet cannot read (it reads: {SUPPORTED})")


def test_an_unnamed_node_is_named_by_its_index():
    refused(two_layers([node("Elu", ["h"], "r", name="")], act_out="r"),
            f"ONNX model: node 1 is Elu: an operator scalarnet cannot read (it reads: {SUPPORTED})")


# -- Dropout --------------------------------------------------------------------------------------


def test_dropout_with_an_unused_mask_ratio_and_training_mode_false():
    nodes = [node("Dropout", ["h", "ratio", "train"], ["d", "mask"], name="drop")]
    n1, i1 = dense()
    n2, i2 = dense("d", W2, B2, "y")
    m = model([n1, *nodes, n2], {**i1, **i2, "ratio": np.array(0.5), "train": np.array(False)})
    agrees(m)


def test_dropout_with_a_ratio_only():
    m = two_layers([node("Dropout", ["h", "ratio"], "d")], act_out="d")
    m.graph.initializer.append(numpy_helper.from_array(np.array(0.25), "ratio"))
    agrees(m)


@pytest.mark.parametrize("mode", [np.array(True), np.array([False, False])], ids=["true", "two-values"])
def test_dropout_in_training_mode(mode):
    m = two_layers([node("Dropout", ["h", "", "train"], "d")], act_out="d")
    m.graph.initializer.append(numpy_helper.from_array(mode, "train"))
    refused(m, "ONNX model: node 1 ('d') is Dropout: training_mode is not the constant false")


def test_dropout_whose_mask_is_read():
    n1, i1 = dense()
    nodes = [n1, node("Dropout", ["h"], ["d", "mask"], name="drop"), node("Identity", ["mask"], "y")]
    refused(model(nodes, i1), "ONNX model: node 1 ('drop') is Dropout: its mask output is used")
    nodes = [n1, node("Dropout", ["h"], ["y", "mask"], name="drop")]
    refused(model(nodes, i1, outputs=("y", "mask")),
            "ONNX model: node 1 ('drop') is Dropout: its mask output is used", output="mask")


@pytest.mark.parametrize("op", ["Dropout", "Identity", "Cast", "Flatten"])
def test_a_pass_through_node_reading_a_constant(op):
    attrs = {"to": D} if op == "Cast" else {}
    n1, i1 = dense("c", W2.T.copy(), B2, "y")
    refused(model([node(op, ["k"], "c", **attrs), n1], {"k": W([1.0, 2.0, 3.0]), **i1}),
            f"ONNX model: node 0 ('c') is {op}: it does not read the layer chain's value 'x'")


# -- Constant nodes -------------------------------------------------------------------------------


def test_constants_of_each_kind():
    nodes = [node("Constant", [], "shape", value_ints=[-1, 3]),
             node("Reshape", ["x", "shape"], "flat"),
             node("Constant", [], "w", value=numpy_helper.from_array(W1.astype(np.float32), "w")),
             node("Constant", [], "b", value_floats=[0.5, -0.5, 0.25, 1.0]),
             node("Gemm", ["flat", "w", "b"], "h", transB=1),
             node("Constant", [], "slope", value_float=0.125),
             node("PRelu", ["h", "slope"], "p")]
    n2, i2 = dense("p", W2, B2, "y")
    net = agrees(model([*nodes, n2], i2, dtype=F), tol=1e-5)
    assert [n.bias for n in net.layers[0].neurons] == [0.5, -0.5, 0.25, 1.0]
    assert net.layers[0].activation == get_activation("leaky_relu", slope=0.125)


def test_an_int_constant_as_weights():
    nodes = [node("Constant", [], "w", value_int=3), node("MatMul", ["x", "w"], "y", name="mm")]
    refused(model(nodes), "ONNX model: node 1 ('mm') is MatMul: its weights 'w' are int64 "
                          "(scalarnet reads float16, float32, float64)")


def test_a_constant_of_another_kind():
    nodes = [node("Constant", [], "w", name="k", value_string="hello"), node("MatMul", ["x", "w"], "y")]
    refused(model(nodes), "ONNX model: node 0 ('k') is Constant: a constant of a kind scalarnet cannot "
                          "read (value_string)")


# -- Flatten and Reshape --------------------------------------------------------------------------


@pytest.mark.parametrize("attrs", [{}, {"axis": 1}], ids=["default-axis", "axis-1"])
def test_flatten_of_the_input(attrs):
    n1, i1 = dense("f", W([0.5, -1, 2, 0.25, 1, -0.5]), W(0.5), "y")
    m = model([node("Flatten", ["x"], "f", **attrs), n1], i1, input_shape=["N", 2, 3])
    net = from_onnx(m)
    rows = np.array(ROWS[:2] * 2, dtype=np.float64).reshape(2, 2, 3)
    assert [net.forward(r.ravel().tolist()) for r in rows] == ort_run(m, rows).tolist()


def test_flatten_of_another_axis():
    n1, i1 = dense("f", W([0.5, -1, 2, 0.25, 1, -0.5]), W(0.5), "y")
    refused(model([node("Flatten", ["x"], "f", axis=2), n1], i1, input_shape=["N", 2, 3]),
            "ONNX model: node 0 ('f') is Flatten: axis=2; scalarnet reads Flatten(axis=1), one row per sample")


def test_flatten_after_a_layer():
    refused(two_layers([node("Flatten", ["h"], "f")], act_out="f"),
            "ONNX model: node 1 ('f') is Flatten: a Flatten or Reshape after the first layer, which "
            "scalarnet cannot read (it reads them at the input only)")


@pytest.mark.parametrize("shape", [[-1, 4], [0, 4]])
def test_reshape_of_the_last_layer_to_rows_by_width(shape):
    n1, i1 = dense()
    m = model([n1, node("Reshape", ["h", "s"], "y")], {**i1, "s": np.array(shape)})
    assert agrees(m).widths == [3, 4]


def test_reshape_of_the_input_after_a_layer():
    n1, i1 = dense()
    nodes = [n1, node("Reshape", ["x", "s"], "r"), node("Add", ["r", "h"], "y")]
    refused(model(nodes, {**i1, "s": np.array([-1, 4])}),
            "ONNX model: node 1 ('r') is Reshape: it reads 'x', which is neither the layer chain's value ('h') "
            "nor a constant (a branch or a second input, which scalarnet cannot read)")


def test_reshape_after_a_layer_to_another_shape():
    n1, i1 = dense()
    refused(model([n1, node("Reshape", ["h", "s"], "y")], {**i1, "s": np.array([-1, 2, 2])}),
            "ONNX model: node 1 ('y') is Reshape: a Flatten or Reshape after the first layer, which "
            "scalarnet cannot read (it reads them at the input only)")


def test_reshape_of_features_by_rows_data():
    n1, i1 = _data_second()
    refused(model([n1, node("Reshape", ["h", "s"], "y")], {**i1, "s": np.array([-1, 4])}),
            "ONNX model: node 1 ('y') is Reshape: a Flatten or Reshape after the first layer, which "
            "scalarnet cannot read (it reads them at the input only)")


@pytest.mark.parametrize("shape, shown", [([-1, 2, 3], "[-1, 2, 3]"), (None, "None")], ids=["3d", "no-shape"])
def test_reshape_of_the_input_to_no_matrix(shape, shown):
    n1, i1 = dense("r", out="y")
    inits = {**i1, "s": np.array(shape)} if shape else i1
    refused(model([node("Reshape", ["x", "s" if shape else ""], "r"), n1], inits),
            f"ONNX model: node 0 ('r') is Reshape: shape {shown}; scalarnet reads a Reshape to rows x features")


# -- dense layers ---------------------------------------------------------------------------------


def test_int_weights_are_refused():
    refused(model([node("MatMul", ["x", "w"], "y")], {"w": np.ones((3, 2), dtype=np.int64)}),
            "ONNX model: node 0 ('y') is MatMul: its weights 'w' are int64 (scalarnet reads float16, "
            "float32, float64)")


def test_an_empty_weight_matrix():
    refused(model([node("MatMul", ["x", "w"], "y")], {"w": np.zeros((3, 0))}),
            "ONNX model: node 0 ('y') is MatMul: a weight matrix of shape [0, 3]")


@pytest.mark.parametrize("op", ["Gemm", "MatMul"])
def test_a_weight_vector(op):
    refused(model([node(op, ["x", "w"], "y")], {"w": W(1.0, 2.0, 3.0)}),
            f"ONNX model: node 0 ('y') is {op}: a weight matrix of shape [3]")


def test_weights_that_do_not_fit_the_layer_before():
    n1, i1 = dense()
    refused(model([n1, node("MatMul", ["h", "w"], "y")], {**i1, "w": np.ones((5, 2))}),
            "ONNX model: node 1 ('y') is MatMul: 5 inputs per neuron after a layer of 4")


def test_four_layers_of_different_widths():
    ws = [W1, W2, W([1.0, -2.0], [0.5, 0.25], [-1.0, 1.5]), W([0.5, -0.25, 1.0])]
    nodes, inits, x = [], {}, "x"
    for k, w in enumerate(ws):
        n, i = dense(x, w, np.linspace(-0.5, 0.5, len(w)), f"L{k}")
        nodes += [n, node("Tanh", [f"L{k}"], f"a{k}")]
        inits.update(i)
        x = f"a{k}"
    nodes[-1].output[0] = "y"
    assert agrees(model(nodes, inits)).widths == [3, 4, 2, 3, 1]


def test_layer_names_node_name_output_name_and_torch_style():
    nodes = [node("Gemm", ["x", "w1"], "h", name="/fc1/Gemm", transB=1),
             node("MatMul", ["h", "w2"], "t", name="dense_two"),
             node("MatMul", ["t", "w3"], "y", name="")]
    net = from_onnx(model(nodes, {"w1": W1, "w2": W2.T.copy(), "w3": W([1.0], [2.0])}))
    assert [layer.name for layer in net.layers] == ["fc1", "dense_two", "y"]


def test_matmul_without_add_has_zero_biases():
    m = model([node("MatMul", ["x", "w"], "y")], {"w": W([1.0, 2.0, 3.0, 4.0, 5.0], [0.5, -1, 1, 2, 3],
                                                      [-1, 0.25, 0.5, 1, 2])})
    net = agrees(m)
    assert [n.bias for n in net.layers[0].neurons] == [0.0] * 5


# -- biases ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (1,), (4,), (1, 4), (1, 1)])
def test_gemm_biases_that_broadcast_over_rows(shape):
    bias = np.full(shape, 0.75) if shape in ((), (1,), (1, 1)) else B1.reshape(shape)
    n1, i1 = dense(b=bias, out="y")
    net = agrees(model([n1], i1))
    assert [n.bias for n in net.layers[0].neurons] == np.broadcast_to(bias.ravel(), (4,)).tolist()


@pytest.mark.parametrize("shape", [(), (1,), (4, 1), (1, 1)])
def test_gemm_biases_on_features_by_rows_data(shape):
    bias = np.full(shape, 0.75) if shape in ((), (1,), (1, 1)) else B1.reshape(shape)
    n1, i1 = _data_second(bias)
    n2, i2 = _gemm_transA("h", "y")
    net = agrees(model([n1, n2], {**i1, **i2}))
    assert [n.bias for n in net.layers[0].neurons] == np.broadcast_to(bias.ravel(), (4,)).tolist()


def _data_second(bias=B1.reshape(4, 1), out="h"):
    """Gemm(W, x, transB=1): the data as the second operand; gives features x rows."""
    return node("Gemm", [f"{out}_W", "x", f"{out}_B"], out, transB=1), {f"{out}_W": W1, f"{out}_B": bias}


def _gemm_transA(x, out):
    """Gemm(x, W, transA=1) of features x rows data, back to rows x features."""
    return node("Gemm", [x, f"{out}_W", f"{out}_B"], out, transA=1, transB=1), {f"{out}_W": W2, f"{out}_B": B2}


def test_a_bias_of_the_wrong_layout():
    n1, i1 = dense(b=B1.reshape(4, 1), out="y")
    refused(model([n1], i1), "ONNX model: node 0 ('y') is Gemm: its C input has shape [4, 1], which is no bias "
                             "for 4 neurons")
    for shape in ([1, 4], [4]):  # on features x rows data, these would be added along the rows
        n1, i1 = _data_second(B1.reshape(shape))
        n2, i2 = _gemm_transA("h", "y")
        refused(model([n1, n2], {**i1, **i2}), f"ONNX model: node 0 ('h') is Gemm: its C input has shape {shape}, "
                                              "which is no bias for 4 neurons")
    n1, i1 = _data_second()
    nodes = [n1, node("MatMul", ["w2", "h"], "m"), node("Add", ["m", "b2"], "y")]
    refused(model(nodes, {**i1, "w2": W2, "b2": B2}),
            "ONNX model: node 2 ('y') is Add: its constant has shape [2], which is no bias for 2 neurons")


def test_an_int_bias():
    n1, i1 = dense(b=np.arange(4), out="y")
    refused(model([n1], i1), "ONNX model: node 0 ('y') is Gemm: its C input is int64 (scalarnet reads float16, "
                             "float32, float64)")


def test_add_after_matmul_and_a_second_add():
    nodes = [node("MatMul", ["x", "w"], "m"), node("Add", ["b", "m"], "a"), node("Add", ["a", "b2"], "y")]
    net = agrees(model(nodes, {"w": W1.T.copy(), "b": W(0.5, -0.0, 1.0, -1.0), "b2": W(1.0)}))
    assert [n.bias for n in net.layers[0].neurons] == [1.5, 1.0, 2.0, 0.0]


def test_add_after_matmul_keeps_the_bias_exactly():
    net = from_onnx(model([node("MatMul", ["x", "w"], "m"), node("Add", ["m", "b"], "y")],
                          {"w": W1.T.copy(), "b": W(0.5, -0.0, 1.0, -1.0)}))
    assert [math.copysign(1, n.bias) for n in net.layers[0].neurons] == [1, -1, 1, -1]


def test_add_after_gemm_adds_to_its_bias():
    n1, i1 = dense()
    net = agrees(model([n1, node("Add", ["h", "b"], "y")], {**i1, "b": W(1.0, 2.0, 3.0, 4.0)}))
    assert [n.bias for n in net.layers[0].neurons] == [1.1, 1.8, 3.3, 3.6]


@pytest.mark.parametrize("where", ["input", "activation"])
def test_an_add_that_is_no_bias(where):
    if where == "input":
        n1, i1 = dense("a", out="y")
        m = model([node("Add", ["x", "b"], "a"), n1], {**i1, "b": W(1.0)})
        message = "ONNX model: node 0 ('a') is Add: an Add that is not the bias of a MatMul or Gemm"
    else:
        n1, i1 = dense()
        m = model([n1, node("Relu", ["h"], "r"), node("Add", ["r", "b"], "y")], {**i1, "b": W(1.0)})
        message = "ONNX model: node 2 ('y') is Add: an Add that is not the bias of a MatMul or Gemm"
    refused(m, message)


# -- Gemm -----------------------------------------------------------------------------------------


def test_gemm_without_attributes():
    n1 = node("Gemm", ["x", "w", "b"], "y")
    assert agrees(model([n1], {"w": W1.T.copy(), "b": B1})).widths == [3, 4]


@pytest.mark.parametrize("alpha, beta", [(10.0, 0.1), (0.1, 10.0), (-2.0, 3.0)])
def test_gemm_alpha_and_beta(alpha, beta):
    n1, i1 = dense(out="y", alpha=alpha, beta=beta)
    net = agrees(model([n1], i1))
    alpha, beta = float(np.float32(alpha)), float(np.float32(beta))  # ONNX float attributes are float32
    assert net.layers[0].neurons[0].weights == [0.5 * alpha, -1.0 * alpha, 0.25 * alpha]
    assert net.layers[0].neurons[0].bias == 0.1 * beta


def test_gemm_without_bias():
    n1 = node("Gemm", ["x", "w"], "y", transB=1)
    net = agrees(model([n1], {"w": W1}))
    assert [n.bias for n in net.layers[0].neurons] == [0.0] * 4


def test_gemm_with_an_empty_bias_name():
    n1 = node("Gemm", ["x", "w", ""], "y", transB=1)
    assert [n.bias for n in from_onnx(model([n1], {"w": W1})).layers[0].neurons] == [0.0] * 4


def test_data_as_second_operand_then_transA():
    n1, i1 = _data_second()
    n2, i2 = _gemm_transA("r", "y")
    net = agrees(model([n1, node("Sigmoid", ["h"], "r"), n2], {**i1, **i2}))
    assert net.widths == [3, 4, 2]


def test_gemm_transposes_that_do_not_fit_the_data():
    n1, i1 = dense(out="y", transA=1)
    refused(model([n1], i1), "ONNX model: node 0 ('y') is Gemm: transA=1 on data laid out rows x features")
    n1 = node("Gemm", ["w", "x"], "y")
    refused(model([n1], {"w": W1}), "ONNX model: node 0 ('y') is Gemm: transB=0 on data laid out rows x "
                                    "features")
    n1, i1 = _data_second()
    n2, i2 = dense("h", W2, B2, "y")
    refused(model([n1, n2], {**i1, **i2}), "ONNX model: node 1 ('y') is Gemm: transA=0 on data laid out "
                                          "features x rows")
    n2 = node("Gemm", ["w2", "h"], "y", transB=1)
    refused(model([n1, n2], {**i1, "w2": W2}), "ONNX model: node 1 ('y') is Gemm: transB=1 on data laid out "
                                              "features x rows")


# -- MatMul ---------------------------------------------------------------------------------------


def test_matmul_with_the_data_second_on_features_by_rows():
    n1, i1 = _data_second()
    nodes = [n1, node("MatMul", ["w2", "h"], "m"), node("Add", ["m", "b2"], "y")]
    net = agrees(model(nodes, {**i1, "w2": W2, "b2": B2.reshape(2, 1)}), transposed=True)
    assert net.widths == [3, 4, 2]


def test_matmul_operands_that_do_not_fit_the_data():
    refused(model([node("MatMul", ["w", "x"], "y")], {"w": W1}),
            "ONNX model: node 0 ('y') is MatMul: data laid out rows x features as its second operand")
    n1, i1 = _data_second()
    refused(model([n1, node("MatMul", ["h", "w2"], "y")], {**i1, "w2": W2.T.copy()}),
            "ONNX model: node 1 ('y') is MatMul: data laid out features x rows as its first operand")


# -- activations ----------------------------------------------------------------------------------


def _leaky_nodes(z, out, zero=W(0.0), slope=W(0.125)):
    nodes = [node("Greater", [z, "zero"], "g"), node("Mul", [z, "slope"], "m"), node("Where", ["g", z, "m"], out)]
    return nodes, {"zero": zero, "slope": slope}


def test_leaky_relu_as_where_at_the_end_of_the_graph():
    n1, i1 = dense()
    nodes, inits = _leaky_nodes("h", "y")
    net = agrees(model([n1, *nodes], {**i1, **inits}))
    assert net.layers[0].activation == get_activation("leaky_relu", slope=0.125)


def test_leaky_relu_as_where_between_layers():
    nodes, inits = _leaky_nodes("h", "a")
    m = two_layers(nodes, act_out="a")
    m.graph.initializer.extend([numpy_helper.from_array(v, k) for k, v in inits.items()])
    net = agrees(m)
    assert [layer.activation.name for layer in net.layers] == ["leaky_relu", "identity"]


@pytest.mark.parametrize("zero, slope", [(W(0.0, 0.0), W(0.125)), (np.array(0), W(0.125)),
                                         (W(1.0), W(0.125)), (W(0.0), W(0.125, 0.125))],
                         ids=["zero-vector", "int-zero", "one", "slope-vector"])
def test_a_greater_mul_where_that_is_not_leaky_relu(zero, slope):
    n1, i1 = dense()
    nodes, inits = _leaky_nodes("h", "y", zero, slope)
    refused(model([n1, *nodes], {**i1, **inits}),
            f"ONNX model: node 1 ('g') is Greater: an operator scalarnet cannot read (it reads: {SUPPORTED})")


def test_to_onnx_leaky_relu_layers_read_back():
    net = Network([Layer("a", [Neuron("a0", [1.0, -2.0], 0.5), Neuron("a1", [0.5, 1.0], -1.0)],
                         get_activation("leaky_relu", slope=0.01)),
                   Layer("b", [Neuron("b0", [1.0, 1.0], 0.0)], get_activation("leaky_relu", slope=0.3)),
                   Layer("c", [Neuron("c0", [2.0], 1.0)], "relu")], inputs=["p", "q"])
    assert from_onnx(to_onnx(net)) == net


def test_an_activation_before_any_layer():
    n1, i1 = dense("r", out="y")
    refused(model([node("Relu", ["x"], "r"), n1], i1),
            "ONNX model: node 0 ('r') is Relu: an activation before any Gemm or MatMul")


def test_two_activations_on_one_layer():
    refused(two_layers([node("Relu", ["h"], "r"), node("Sigmoid", ["r"], "s")], act_out="s"),
            "ONNX model: node 2 ('s') is Sigmoid: a second activation on layer 'h' (scalarnet has one per layer)")


@pytest.mark.parametrize("op, name", [("Relu", "relu"), ("Sigmoid", "sigmoid"), ("Tanh", "tanh")])
def test_each_activation(op, name):
    net = agrees(two_layers([node(op, ["h"], "a")], act_out="a"))
    assert [layer.activation.name for layer in net.layers] == [name, "identity"]


def test_leaky_relu_default_and_float32_alpha():
    net = from_onnx(two_layers([node("LeakyRelu", ["h"], "a")], act_out="a"))
    assert net.layers[0].activation == get_activation("leaky_relu", slope=0.01)
    net = agrees(two_layers([node("LeakyRelu", ["h"], "a", alpha=0.3)], act_out="a"))
    assert net.layers[0].activation == get_activation("leaky_relu", slope=float(np.float32(0.3)))


def test_prelu_of_one_slope_per_neuron_all_equal():
    m = two_layers([node("PRelu", ["h", "s"], "a")], act_out="a")
    m.graph.initializer.append(numpy_helper.from_array(W(0.25, 0.25, 0.25, 0.25), "s"))
    net = agrees(m)
    assert net.layers[0].activation == get_activation("leaky_relu", slope=0.25)


@pytest.mark.parametrize("slope, shown", [(W(0.25, 0.5, 0.25, 0.25), "[0.25, 0.5, 0.25, 0.25]"), (None, "None")],
                         ids=["different", "missing"])
def test_prelu_of_several_slopes(slope, shown):
    m = two_layers([node("PRelu", ["h", "s" if slope is not None else ""], "a")], act_out="a")
    if slope is not None:
        m.graph.initializer.append(numpy_helper.from_array(slope, "s"))
    refused(m, f"ONNX model: node 1 ('a') is PRelu: a slope {shown}: scalarnet reads one constant slope per layer")


@pytest.mark.parametrize("attrs", [{}, {"axis": 1}, {"axis": -1}], ids=["default", "1", "-1"])
def test_softmax_over_the_last_axis(attrs):
    net = agrees(two_layers([node("Softmax", ["h"], "a", **attrs)], act_out="a"))
    assert net.layers[0].activation.name == "softmax"


def test_softmax_over_another_axis():
    refused(two_layers([node("Softmax", ["h"], "a", axis=0)], act_out="a"),
            "ONNX model: node 1 ('a') is Softmax: axis=0 on data laid out rows x features: scalarnet's softmax "
            "spans one layer's outputs (the last axis)")
    n1, i1 = _data_second()
    n2, i2 = _gemm_transA("a", "y")
    refused(model([n1, node("Softmax", ["h"], "a"), n2], {**i1, **i2}),
            "ONNX model: node 1 ('a') is Softmax: axis=-1 on data laid out features x rows: scalarnet's "
            "softmax spans one layer's outputs (the last axis)")


def test_cast_to_a_float_is_read():
    n1, i1 = dense("c", out="y")
    m = model([node("Cast", ["x"], "c", to=D), n1], i1)
    m.graph.input[0].type.tensor_type.elem_type = F
    net = from_onnx(m)
    rows = np.array(ROWS, dtype=np.float32)
    want = ort_run(m, rows, np.float32).tolist()
    for row, out in zip(rows.astype(np.float64).tolist(), want):
        assert net.forward(row) == pytest.approx(out, rel=1e-12)


@pytest.mark.parametrize("attrs, shown", [({"to": TensorProto.INT64}, "int64"), ({}, "?")], ids=["int", "no-to"])
def test_cast_to_something_else(attrs, shown):
    n1, i1 = dense("c", out="y")
    refused(model([node("Cast", ["x"], "c", **attrs), n1], i1),
            f"ONNX model: node 0 ('c') is Cast: a cast to {shown}; scalarnet reads casts to float16, float32, "
            "float64")


# -- onnx_io: from_onnx ---------------------------------------------------------------------------


def _one_layer(opset=17, **kwargs):
    n1, i1 = dense(out="y")
    return model([n1], i1, opset=opset, **kwargs)


def test_the_oldest_opset_read_is_13():
    assert from_onnx(_one_layer(13)).widths == [3, 4]
    refused(_one_layer(12), "ONNX model: opset 12 of the default domain: scalarnet reads opset 13 and later "
                            "(re-export with opset_version=13 or more)")


def test_the_default_domain_opset_by_its_name_or_missing():
    m = _one_layer()
    m.opset_import[0].domain = "ai.onnx"
    assert from_onnx(m).widths == [3, 4]
    m.opset_import[0].domain = "ai.onnx.ml"
    refused(m, "ONNX model: opset None of the default domain: scalarnet reads opset 13 and later "
               "(re-export with opset_version=13 or more)")


def test_names_of_a_foreign_graph():
    net = from_onnx(_one_layer(graph_name="mlp"))
    assert (net.name, net.inputs) == ("mlp", ["x_0", "x_1", "x_2"])
    assert [n.name for n in net.layers[0].neurons] == ["output_0", "output_1", "output_2", "output_3"]
    assert from_onnx(_one_layer(graph_name=""), name="given").name == "given"
    assert from_onnx(_one_layer(graph_name="")).name == "onnx"
    one = model([node("MatMul", ["x", "w"], "y")], {"w": W([1.0, 2.0])}, n_in=1)
    assert from_onnx(one).inputs == ["x"]


def test_first_layer_of_one_neuron():
    nodes = [node("MatMul", ["x", "w"], "h"), node("MatMul", ["h", "w2"], "y")]
    net = agrees(model(nodes, {"w": W([1.0], [2.0], [3.0]), "w2": W([1.0, -1.0])}))
    assert net.widths == [3, 1, 2]


def _small_net(**kwargs):
    return Network([Layer("hidden", [Neuron("h0", [1.0, -2.0], 0.5), Neuron("h1", [0.25, 1.0], -1.0)], "tanh"),
                    Layer("out", [Neuron("o0", [1.0, 2.0], 0.0)], "sigmoid")], inputs=["p", "q"], name="small",
                   **kwargs)


def test_names_description_and_example_come_back_from_to_onnx():
    net = _small_net(description="two inputs", example_input=[1.0, 2.0])
    back = from_onnx(to_onnx(net))
    assert back == net and back.description == "two inputs" and back.example_input == [1.0, 2.0]
    other = from_onnx(to_onnx(net), inputs=["a", "b"], description="mine", example_input=[3.0, 4.0])
    assert (other.inputs, other.description, other.example_input) == (["a", "b"], "mine", [3.0, 4.0])


def test_stored_names_that_do_not_fit_are_left_out():
    m = to_onnx(_small_net())
    m.metadata_props[0].value = '{"inputs": ["only"], "neurons": [["a"], ["b", "c"]]}'
    net = from_onnx(m)
    assert net.inputs == ["input_0", "input_1"]
    assert [[n.name for n in layer.neurons] for layer in net.layers] == [["node0_0", "node0_1"], ["output"]]
    m.metadata_props[0].value = '["not", "a", "dict"]'
    assert from_onnx(m).inputs == ["input_0", "input_1"]
    m.metadata_props[0].value = "{not json"
    refused(m, "ONNX model: metadata 'scalarnet.network' is not JSON")


def test_other_metadata_is_ignored():
    m = to_onnx(_small_net())
    helper.set_model_props(m, {"author": "{}", "scalarnet.network": m.metadata_props[0].value})
    assert from_onnx(m) == _small_net()


def test_sources_bytes_bytearray_path_and_others(tmp_path):
    m = _one_layer()
    data = m.SerializeToString()
    path = tmp_path / "m.onnx"
    path.write_bytes(data)
    for source in (data, bytearray(data), str(path), path):
        assert from_onnx(source).widths == [3, 4]
    with pytest.raises(ModelError, match=r"^from_onnx: expected a file path, bytes or an onnx.ModelProto, got 3$"):
        from_onnx(3)
    with pytest.raises(ModelError, match=r"^ONNX bytes: not an ONNX model \(DecodeError: "):
        from_onnx(b"\xff\xff\xff")
    with pytest.raises(ModelError, match=r"^ONNX bytes: not an ONNX model \(no graph in it\)$"):
        from_onnx(b"")
    with pytest.raises(ModelError, match=r"^" + str(tmp_path / "nope.onnx").replace("\\", "\\\\")
                       + r": cannot read \(No such file or directory\)$"):
        from_onnx(tmp_path / "nope.onnx")


def test_a_graph_without_nodes_is_a_graph():
    with pytest.raises(ModelError, match=r"^ONNX bytes: no Gemm or MatMul node: not a multilayer perceptron$"):
        from_onnx(model([], outputs=("x",)).SerializeToString())


def test_without_the_onnx_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ModelError, match=r"^reading or writing ONNX needs the onnx package: pip install onnx "
                                         r"\(or scalarnet\[onnx\]\)$"):
        from_onnx(b"")


# -- onnx_io: to_onnx -----------------------------------------------------------------------------


def test_to_onnx_agrees_with_onnxruntime_for_each_activation():
    layers = [Layer(f"L{k}", [Neuron(f"n{k}_{j}", [0.5 * (j + 1), -0.25 * (k + 1)], 0.1 * j) for j in range(2)], act)
              for k, act in enumerate(["relu", "tanh", "sigmoid", get_activation("leaky_relu", slope=0.01),
                                       "identity", "softmax"])]
    net = Network(layers, inputs=["p", "q"])
    rows = [[0.5, -1.0], [-2.0, 3.0], [1.5, 0.25]]
    out = ort_run(to_onnx(net), rows).tolist()
    for row, want in zip(rows, out):
        assert net.forward(row) == pytest.approx(want, rel=1e-12)


def test_to_onnx_declares_its_interface():
    m = to_onnx(_small_net(), opset=13)
    assert [o.version for o in m.opset_import] == [13]
    m = to_onnx(_small_net())
    assert [(o.domain, o.version) for o in m.opset_import] == [("", 17)]
    assert m.ir_version == 8  # readable by older runtimes
    shape = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert [(v.name, shape(v)) for v in m.graph.input] == [("input", ["rows", 2])]
    wide = Network([Layer("a", [Neuron(f"a{j}", [1.0], 0.0) for j in range(3)], "relu"),
                    Layer("b", [Neuron("b0", [1.0, 1.0, 1.0], 0.0)], "relu"),
                    Layer("c", [Neuron(f"c{j}", [1.0], 0.0) for j in range(4)])])
    assert [(v.name, shape(v)) for v in to_onnx(wide).graph.output] == [("output", ["rows", 4])]
    assert [(v.name, shape(v)) for v in to_onnx(_small_net()).graph.output] == [("output", ["rows", 1])]


def test_to_onnx_names_a_node_after_each_layer():
    one = lambda name, act: Layer(name, [Neuron(f"{name}.n", [1.0], 0.0)], act)  # noqa: E731
    net = Network([one("a", "relu"), one("a/Relu", "relu"), one("a/Relu_2", "identity"),
                   one("b", "sigmoid"), one("b/Sigmoid", "tanh"), one("output/Identity", "identity")])
    m = to_onnx(net)
    assert [(n.op_type, n.name) for n in m.graph.node] == [
        ("Gemm", "a"), ("Relu", "a/Relu_3"), ("Gemm", "a/Relu"), ("Relu", "a/Relu/Relu"), ("Gemm", "a/Relu_2"),
        ("Gemm", "b"), ("Sigmoid", "b/Sigmoid_2"), ("Gemm", "b/Sigmoid"), ("Tanh", "b/Sigmoid/Tanh"),
        ("Gemm", "output/Identity"), ("Identity", "output/Identity_2")]
    assert from_onnx(m) == net


@pytest.mark.parametrize("opset", [12, 0, "17"])
def test_to_onnx_refuses_an_opset_from_onnx_cannot_read(opset):
    with pytest.raises(ModelError) as caught:
        to_onnx(_small_net(), opset=opset)
    assert str(caught.value) == (f"to_onnx: opset {opset!r}: scalarnet writes opset 13 and later "
                                 "(the ones from_onnx reads)")


def test_to_onnx_refuses_a_non_network():
    with pytest.raises(ModelError, match=r"^to_onnx: expected a Network, got \[1, 2\]$"):
        to_onnx([1, 2])


def test_to_onnx_writes_the_file(tmp_path):
    path = tmp_path / "n.onnx"
    m = to_onnx(_small_net(), path)
    assert path.read_bytes() == m.SerializeToString()
    assert from_onnx(path) == _small_net()

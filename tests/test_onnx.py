"""ONNX both ways, checked against onnxruntime: to_onnx of random networks, and from_onnx of every supported graph form."""

from __future__ import annotations

import math

import pytest

onnx = pytest.importorskip("onnx", reason="needs onnx (pip install onnx)")
ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime (pip install onnxruntime)")
np = pytest.importorskip("numpy")

from hypothesis import given, settings, strategies as st  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from scalarnet import Network, load  # noqa: E402
from scalarnet.interop import ModelError, from_onnx, to_onnx  # noqa: E402


def run_ort(model, x, name=None):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    name = name or session.get_inputs()[0].name
    return session.run(None, {name: x})[0]


def close(a, b, rel, abs_=None):
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel if abs_ is None else abs_)


# -- to_onnx: random networks, onnxruntime against the scalar engine ----------------------------

ACTS = ["identity", "relu", "tanh", "sigmoid", "softmax", "leaky_relu"]
weight = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


@st.composite
def networks(draw):
    widths = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    weights = [[[draw(weight) for _ in range(a)] for _ in range(b)] for a, b in zip(widths, widths[1:])]
    biases = [[draw(weight) for _ in range(b)] for b in widths[1:]]
    acts = [draw(st.sampled_from(ACTS)) for _ in widths[1:]]
    net = Network.from_matrices(weights, biases, acts)
    if "leaky_relu" in acts:  # slopes that are no float32 stay exact (a float64 tensor)
        slope = draw(st.sampled_from([0.01, 0.3, 0.2]))
        from scalarnet import Layer, get_activation
        net = Network([Layer(l.name, l.neurons, get_activation("leaky_relu", slope=slope))
                       if l.activation.name == "leaky_relu" else l for l in net.layers], inputs=net.inputs)
    rows = draw(st.lists(st.lists(weight, min_size=widths[0], max_size=widths[0]), min_size=1, max_size=3))
    return net, rows


@settings(max_examples=40, deadline=None)
@given(networks(), st.sampled_from([13, 17, 21]))
def test_to_onnx_agrees_with_the_scalar_engine(case, opset):
    net, rows = case
    got = run_ort(to_onnx(net, opset=opset), np.array(rows, dtype=np.float64), "input")
    for row, out in zip(rows, got.tolist()):
        want = net.forward(row)
        assert all(close(a, b, 1e-12) for a, b in zip(out, want)), (net.widths, row, out, want)


@settings(max_examples=25, deadline=None)
@given(networks())
def test_from_onnx_of_to_onnx_is_the_same_network(case):
    net, _ = case
    back = from_onnx(to_onnx(net))
    assert back == net
    assert back.inputs == net.inputs and back.name == net.name


def test_to_onnx_writes_a_file_that_loads(tmp_path):
    net = load("tutorial-forward")
    path = tmp_path / "f.onnx"
    to_onnx(net, path)
    assert from_onnx(str(path)).forward([40, 0]) == [0.0]
    assert run_ort(onnx.load(str(path)), np.array([[40.0, 0.0]])).tolist() == [[0.0]]
    assert [p.name for p in tmp_path.iterdir()] == ["f.onnx"]  # no temporary file left


def test_to_onnx_refuses_a_non_network():
    with pytest.raises(ModelError, match=r"to_onnx: expected a Network, got 'net.json'"):
        to_onnx("net.json")


# -- from_onnx: graphs built with onnx.helper, each supported form ------------------------------

DTYPES = {"float32": (np.float32, TensorProto.FLOAT, 2e-5), "float64": (np.float64, TensorProto.DOUBLE, 1e-12)}


class Graph:
    """A small builder: constants as initializers or Constant nodes, a chain of nodes."""

    def __init__(self, dtype: str, constants: str, seed: int):
        self.np_type, self.proto_type, self.tol = DTYPES[dtype]
        self.constants = constants
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def const(self, array, name=None):
        name = name or f"c{self.count}"
        self.count += 1
        array = np.asarray(array)
        if array.dtype.kind == "f":
            array = array.astype(self.np_type)
        tensor = numpy_helper.from_array(array, name)
        if self.constants == "Constant":
            self.nodes.append(helper.make_node("Constant", [], [name], value=tensor))
        else:
            self.inits.append(tensor)
        return name

    def rand(self, *shape):
        return self.rng.uniform(-1.5, 1.5, size=shape)

    def node(self, op, inputs, **attrs):
        out = f"t{len(self.nodes)}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=f"{op.lower()}{len(self.nodes)}", **attrs))
        return out

    def model(self, out, n_in, opset, input_shape=None, extra_inputs=()):
        self.nodes[-1].output[0] = "y"
        for n in self.nodes:  # rename the last output everywhere
            for i, name in enumerate(n.input):
                if name == out:
                    n.input[i] = "y"
        inputs = [helper.make_tensor_value_info("x", self.proto_type, input_shape or ["N", n_in])]
        inputs += list(extra_inputs)
        graph = helper.make_graph(self.nodes, "g", inputs,
                                  [helper.make_tensor_value_info("y", self.proto_type, None)], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        return model


def _gemm_layer(g, x, n_in, n_out, trans_a, trans_b, alpha, beta, data_second=False):
    w = g.rand(n_out, n_in)  # one row per neuron
    if data_second:  # Y = op(A) @ op(X): A is (n_out, n_in), or its transpose with transA
        a = g.const(w.T if trans_a else w)
        return g.node("Gemm", [a, x, g.const(g.rand(n_out, 1))], transA=trans_a, transB=trans_b,
                      alpha=alpha, beta=beta)
    b = g.const(w if trans_b else w.T)
    return g.node("Gemm", [x, b, g.const(g.rand(n_out))], transA=trans_a, transB=trans_b,
                  alpha=alpha, beta=beta)


def form(name, g, opset):
    """Builds the graph of one form; returns (model, n_in)."""
    x, n_in = "x", 3
    if name.startswith("gemm"):
        _, tb, alpha, beta = name.split("-")
        h = _gemm_layer(g, x, n_in, 4, 0, int(tb), float(alpha), float(beta))
        h = g.node("Relu", [h])
        return g.model(_gemm_layer(g, h, 4, 2, 0, 1 - int(tb), float(beta), float(alpha)), n_in, opset), n_in
    if name == "data-as-B-then-transA":
        # layer 1 takes the data as B (transB=1) and gives features x rows; layer 2 reads it with transA=1
        h = _gemm_layer(g, x, n_in, 4, 0, 1, 1.0, 1.0, data_second=True)
        h = g.node("Tanh", [h])
        return g.model(_gemm_layer(g, h, 4, 2, 1, 0, 0.5, 2.0), n_in, opset), n_in
    if name in ("matmul-add", "add-bias-first"):
        h = g.node("MatMul", [x, g.const(g.rand(n_in, 4))])
        b = g.const(g.rand(4))
        h = g.node("Add", [h, b] if name == "matmul-add" else [b, h])
        h = g.node("Sigmoid", [h])
        h = g.node("MatMul", [h, g.const(g.rand(4, 2))])
        return g.model(g.node("Add", [h, g.const(g.rand(1, 2))]), n_in, opset), n_in
    if name in ("relu", "leakyrelu", "sigmoid", "tanh", "softmax", "identity", "dropout", "prelu"):
        h = _gemm_layer(g, x, n_in, 5, 0, 1, 1.0, 1.0)
        op = {"relu": "Relu", "leakyrelu": "LeakyRelu", "sigmoid": "Sigmoid", "tanh": "Tanh",
              "softmax": "Softmax", "identity": "Identity", "dropout": "Dropout", "prelu": "PRelu"}[name]
        attrs = {"alpha": 0.2} if op == "LeakyRelu" else {"axis": -1} if op == "Softmax" else {}
        inputs = [h, g.const(np.array([0.25]))] if op == "PRelu" else [h]
        h = g.node(op, inputs, **attrs)
        h = _gemm_layer(g, h, 5, 3, 0, 1, 1.0, 1.0)
        return g.model(g.node("Softmax", [h], axis=1), n_in, opset), n_in
    if name in ("flatten", "reshape"):
        if name == "flatten":
            h = g.node("Flatten", [x], axis=1)
        else:
            h = g.node("Reshape", [x, g.const(np.array([-1, 6], dtype=np.int64))])
        h = _gemm_layer(g, h, 6, 2, 0, 1, 1.0, 1.0)
        return g.model(h, 6, opset, input_shape=["N", 2, 3]), 6
    raise AssertionError(name)


FORMS = ["gemm-0-1-1", "gemm-1-1-1", "gemm-0-0.5-2", "gemm-1-1.5-0", "data-as-B-then-transA",
         "matmul-add", "add-bias-first", "relu", "leakyrelu", "prelu", "sigmoid", "tanh", "softmax",
         "identity", "dropout", "flatten", "reshape"]


@pytest.mark.parametrize("opset", [13, 17, 21])
@pytest.mark.parametrize("constants", ["initializer", "Constant"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", FORMS)
def test_from_onnx_agrees_with_onnxruntime(name, dtype, constants, opset):
    g = Graph(dtype, constants, seed=len(name) * 7 + opset)
    model, n_in = form(name, g, opset)
    net = from_onnx(model)
    rows = g.rng.uniform(-2, 2, size=(4, n_in))
    shape = [4, 2, 3] if name in ("flatten", "reshape") else [4, n_in]
    data = rows.astype(g.np_type).reshape(shape)
    try:
        want = run_ort(model, data)
    except ort.capi.onnxruntime_pybind11_state.NotImplemented:
        # onnxruntime has no float64 LeakyRelu (nor PRelu at some opsets): onnx's own
        # reference evaluator, written apart from scalarnet too, stands in
        from onnx.reference import ReferenceEvaluator
        want = ReferenceEvaluator(model).run(None, {"x": data})[0]
    inputs = rows.astype(g.np_type).astype(np.float64)  # the values ONNX Runtime saw
    for row, out in zip(inputs.tolist(), want.tolist()):
        got = net.forward(row)
        assert all(close(a, b, g.tol, 1e-6 if dtype == "float32" else 1e-12)
                   for a, b in zip(got, out)), (row, got, out)


def test_from_onnx_reads_float32_weights_exactly():
    g = Graph("float32", "initializer", 1)
    w = np.array([[0.1, 0.2, 0.3]], dtype=np.float32)
    h = g.node("Gemm", ["x", g.const(w), g.const(np.array([0.7]))], transB=1)
    net = from_onnx(g.model(h, 3, 13))
    assert net.layers[0].neurons[0].weights == [float(np.float32(0.1)), float(np.float32(0.2)),
                                                float(np.float32(0.3))]
    assert net.layers[0].neurons[0].weights[0] == 0.10000000149011612


def test_from_onnx_names_inputs_and_layers_from_the_graph():
    g = Graph("float64", "initializer", 1)
    h = g.node("Gemm", ["x", g.const(g.rand(2, 3))], transB=1)
    net = from_onnx(g.model(h, 3, 13))
    assert net.inputs == ["x_0", "x_1", "x_2"]
    assert [layer.name for layer in net.layers] == ["gemm0"]
    assert from_onnx(g.model(h, 3, 13), inputs=["a", "b", "c"]).inputs == ["a", "b", "c"]


# -- refusals -------------------------------------------------------------------------------------


def _refused(build, match):
    g = Graph("float64", "initializer", 3)
    with pytest.raises(ModelError, match=match):
        from_onnx(build(g))


def test_from_onnx_refuses_conv():
    def build(g):
        h = g.node("Conv", ["x", g.const(g.rand(1, 1, 1))])
        return g.model(h, 3, 13)
    _refused(build, r"node 0 \('conv0'\) is Conv: an operator scalarnet cannot read \(it reads: Gemm, ")


def test_from_onnx_refuses_an_unknown_op_after_a_layer():
    def build(g):
        h = _gemm_layer(g, "x", 3, 2, 0, 1, 1.0, 1.0)
        return g.model(g.node("Elu", [h]), 3, 13)
    _refused(build, r"node 1 \('elu1'\) is Elu: an operator scalarnet cannot read")


def test_from_onnx_refuses_a_branch():
    def build(g):
        a = _gemm_layer(g, "x", 3, 2, 0, 1, 1.0, 1.0)
        b = g.node("Relu", ["x"])  # reads the input again: a second path
        return g.model(g.node("Add", [a, b]), 3, 13)
    _refused(build, r"node 1 \('relu1'\) is Relu: it reads 'x', which is neither the layer "
                    r"chain's value \('t0'\) nor a constant")


def test_from_onnx_refuses_a_second_input():
    def build(g):
        h = _gemm_layer(g, "x", 3, 2, 0, 1, 1.0, 1.0)
        return g.model(h, 3, 13, extra_inputs=[helper.make_tensor_value_info("z", TensorProto.DOUBLE, [1])])
    _refused(build, r"2 graph inputs \('x', 'z'\); scalarnet reads a graph of one input")


def test_from_onnx_refuses_an_old_opset():
    def build(g):
        return g.model(_gemm_layer(g, "x", 3, 2, 0, 1, 1.0, 1.0), 3, 11)
    _refused(build, r"opset 11 of the default domain: scalarnet reads opset 13 and later")


def test_from_onnx_refuses_softmax_over_another_axis():
    def build(g):
        h = _gemm_layer(g, "x", 3, 2, 0, 1, 1.0, 1.0)
        return g.model(g.node("Softmax", [h], axis=0), 3, 13)
    _refused(build, r"is Softmax: axis=0 on data laid out rows x features")


def test_from_onnx_refuses_a_file_that_is_no_model(tmp_path):
    path = tmp_path / "x.onnx"
    path.write_text('{"format": "scalarnet.network/1"}')
    with pytest.raises(ModelError, match=r"x.onnx: not an ONNX model"):
        from_onnx(str(path))
    with pytest.raises(ModelError, match=r"nope.onnx: cannot read \(No such file or directory\)"):
        from_onnx(str(tmp_path / "nope.onnx"))


# -- models from other libraries ------------------------------------------------------------------


def test_from_onnx_of_a_torch_export_agrees_with_torch(tmp_path):
    torch = pytest.importorskip("torch", reason="needs torch (pip install torch)")
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.3),
        torch.nn.Linear(8, 6), torch.nn.LeakyReLU(0.1),
        torch.nn.Linear(6, 5), torch.nn.Tanh(),
        torch.nn.Linear(5, 3), torch.nn.Softmax(dim=-1)).eval()
    path = tmp_path / "m.onnx"
    torch.onnx.export(model, (torch.zeros(1, 4),), str(path), input_names=["features"],
                      dynamo=False)
    net = from_onnx(str(path))
    assert net.inputs == ["features_0", "features_1", "features_2", "features_3"]
    assert [l.activation.name for l in net.layers] == ["relu", "leaky_relu", "tanh", "softmax"]
    x = torch.randn(20, 4)
    want = model(x).tolist()
    for row, out in zip(x.tolist(), want):
        got = net.forward(row)
        assert all(close(a, b, 1e-5, 1e-6) for a, b in zip(got, out)), (row, got, out)


def test_from_onnx_of_skl2onnx_agrees_with_sklearn():
    pytest.importorskip("sklearn", reason="needs scikit-learn (pip install scikit-learn)")
    skl2onnx = pytest.importorskip("skl2onnx", reason="needs skl2onnx (pip install skl2onnx)")
    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPRegressor
    from skl2onnx.common.data_types import DoubleTensorType

    iris = load_iris()
    model = MLPRegressor(hidden_layer_sizes=(5, 3), activation="tanh", max_iter=300, random_state=0)
    model.fit(iris.data[:, :3], iris.data[:, 3])
    onx = skl2onnx.to_onnx(model, initial_types=[("X", DoubleTensorType([None, 3]))],
                           target_opset=17)
    net = from_onnx(onx)
    want = model.predict(iris.data[:, :3])
    for row, out in zip(iris.data[:, :3].tolist(), want.tolist()):
        assert close(net.forward(row)[0], out, 1e-12), (row, out)


def test_from_onnx_of_a_skl2onnx_classifier_reads_the_chosen_output():
    pytest.importorskip("sklearn", reason="needs scikit-learn (pip install scikit-learn)")
    skl2onnx = pytest.importorskip("skl2onnx", reason="needs skl2onnx (pip install skl2onnx)")
    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPClassifier
    from skl2onnx.common.data_types import DoubleTensorType

    iris = load_iris()
    model = MLPClassifier(hidden_layer_sizes=(6,), alpha=1.0, solver="lbfgs", max_iter=2000, random_state=1)
    model.fit(iris.data, iris.target)
    onx = skl2onnx.to_onnx(model, initial_types=[("X", DoubleTensorType([None, 4]))], target_opset=17,
                           options={"zipmap": False})
    with pytest.raises(ModelError, match=r"2 graph outputs \('label', 'probabilities'\); scalarnet reads "
                                         r"one: choose it with from_onnx\(..., output=NAME\)"):
        from_onnx(onx)
    with pytest.raises(ModelError, match=r"no graph output 'probs' \(outputs: 'label', 'probabilities'\)"):
        from_onnx(onx, output="probs")
    net = from_onnx(onx, output="probabilities")
    want = model.predict_proba(iris.data)
    for row, out in zip(iris.data.tolist(), want.tolist()):
        assert all(close(a, b, 1e-12) for a, b in zip(net.forward(row), out)), (row, out)

"""Keras-file behaviours mutation testing showed no test pinned (benchmarks/mutation.py keras_io): files
written by hand with h5py and zipfile in both layouts (a Keras 3 .keras zip, a legacy .h5), each read
and checked against numpy, and the exact message for each malformed file. No Keras needed, and fast."""

from __future__ import annotations

import io
import json
import math
import sys
import zipfile

import pytest

h5py = pytest.importorskip("h5py", reason="needs h5py (pip install h5py)")
np = pytest.importorskip("numpy")

from scalarnet import get_activation  # noqa: E402
from scalarnet.interop import ModelError, from_keras, load_model_file  # noqa: E402

READS = "InputLayer, Dense, Activation, LeakyReLU, Dropout, Flatten"
ACTS = "linear, relu, tanh, sigmoid, softmax, leaky_relu"
K1 = np.array([[0.5, -1.0, 0.25, 1.0], [1.5, 0.75, -0.5, -0.25], [-0.25, 0.5, 1.0, 0.125]], dtype=np.float32)
B1 = np.array([0.1, -0.2, 0.3, -0.4], dtype=np.float32)
K2 = np.array([[1.0, -0.5], [-1.0, 0.25], [0.5, 1.0], [0.25, -1.0]], dtype=np.float32)
B2 = np.array([0.05, -0.15], dtype=np.float32)
ROWS = [[0.5, -1.25, 2.0], [-1.5, 0.75, -0.5], [2.0, 1.0, -2.0]]


def inp(name="inp", n=3):
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": [None, n], "name": name}, "registered_name": None}


def dense(name, units, activation="linear", use_bias=True, **outer):
    return {"module": "keras.layers", "class_name": "Dense",
            "config": {"name": name, "units": units, "activation": activation, "use_bias": use_bias},
            "registered_name": None, **outer}


def layer(kind, name, **conf):
    return {"module": "keras.layers", "class_name": kind, "config": {"name": name, **conf}, "registered_name": None}


def config(layers, cls="Sequential", name="m", **body):
    return {"module": "keras", "class_name": cls, "config": {"name": name, "layers": layers, **body},
            "registered_name": None}


def keras_zip(path, conf, weights):
    """A Keras 3 .keras file: config.json, and model.weights.h5 with layers/<path>/vars/0, 1 named by 'name'."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        for i, (name, arrays) in enumerate(weights.items()):
            group = h5.create_group(f"layers/layer_{i}/vars")
            group.attrs["name"] = name
            for j, array in enumerate(arrays):
                group[str(j)] = array
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", "{}")
        z.writestr("config.json", conf if isinstance(conf, str) else json.dumps(conf))
        z.writestr("model.weights.h5", buffer.getvalue())
    return path


def legacy_h5(path, conf, weights, root="model_weights"):
    """A legacy .h5 model: the config in the model_config attribute, each layer's arrays named by weight_names."""
    with h5py.File(path, "w") as h5:
        h5.attrs["model_config"] = conf if isinstance(conf, str) else json.dumps(conf)
        base = h5.require_group(root) if root else h5
        for name, arrays in weights.items():
            group = base.create_group(name)
            names = [f"{name}/w{j}" for j in range(len(arrays))]
            group.attrs["weight_names"] = np.array(names, dtype="S")
            for n, array in zip(names, arrays):
                group[n] = array
    return path


def reference(x, *layers):
    """numpy's forward pass of (kernel, bias, activation) layers, in float64."""
    acts = {"linear": lambda z: z, "relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
            "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "leaky": lambda z: np.where(z > 0, z, 0.2 * z),
            "softmax": lambda z: np.exp(z) / np.exp(z).sum()}
    v = np.array(x, dtype=np.float64)
    for kernel, bias, act in layers:
        v = acts[act](v @ kernel.astype(np.float64) + (0 if bias is None else bias.astype(np.float64)))
    return v.tolist()


def agrees(net, *layers, rows=ROWS):
    for row in rows:
        got, want = net.forward(row), reference(row, *layers)
        assert len(got) == len(want) and all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
                                             for a, b in zip(got, want)), (row, got, want)


def refused(path, message):
    with pytest.raises(ModelError) as caught:
        from_keras(path)
    assert str(caught.value) == f"{path}: {message}"


def two_dense(act1="relu", act2="linear"):
    return [inp(), dense("d1", 4, act1), dense("d2", 2, act2)], {"d1": [K1, B1], "d2": [K2, B2]}


@pytest.fixture(params=["keras", "h5"])
def write(request, tmp_path):
    """Writes (config, weights) in one layout, returns the path."""
    def writer(conf, weights, name="m"):
        if request.param == "keras":
            return keras_zip(tmp_path / f"{name}.keras", conf, weights)
        return legacy_h5(tmp_path / f"{name}.h5", conf, weights)
    return writer


# -- reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "softmax"])
def test_a_sequential_of_two_dense_layers(write, act):
    layers, weights = two_dense(act)
    net = from_keras(write(config(layers, name="seq"), weights))
    agrees(net, (K1, B1, act), (K2, B2, "linear"))
    assert (net.name, net.inputs, [l.name for l in net.layers]) == ("seq", ["inp_0", "inp_1", "inp_2"], ["d1", "d2"])
    assert net.layers[0].neurons[1].weights == K1[:, 1].tolist()


def test_dense_leaky_relu_has_keras_default_slope(write):
    layers, weights = two_dense("leaky_relu")
    net = from_keras(write(config(layers), weights))
    assert net.layers[0].activation == get_activation("leaky_relu", slope=0.2)
    agrees(net, (K1, B1, "leaky"), (K2, B2, "linear"))


@pytest.mark.parametrize("conf, slope", [({"negative_slope": 0.05}, 0.05), ({"alpha": 0.1}, 0.1), ({}, 0.3)],
                         ids=["keras3", "keras2-alpha", "default"])
def test_leaky_relu_layer_slope(write, conf, slope):
    layers = [inp(), dense("d1", 4), layer("LeakyReLU", "lr", **conf), dense("d2", 2)]
    net = from_keras(write(config(layers), {"d1": [K1, B1], "d2": [K2, B2]}))
    assert net.layers[0].activation == get_activation("leaky_relu", slope=slope)


def test_activation_layers_linear_skipped(write):
    layers = [inp(), dense("d1", 4), layer("Activation", "a", activation="linear"),
              layer("Activation", "b", activation="tanh"), layer("Dropout", "drop", rate=0.5), dense("d2", 2),
              layer("Flatten", "flat"), layer("Activation", "c", activation="sigmoid")]
    net = from_keras(write(config(layers), {"d1": [K1, B1], "d2": [K2, B2]}))
    assert [l.activation.name for l in net.layers] == ["tanh", "sigmoid"]
    agrees(net, (K1, B1, "tanh"), (K2, B2, "sigmoid"))


def test_flatten_at_the_input(write):
    layers = [inp("img", 3), layer("Flatten", "flat"), dense("d1", 4), dense("d2", 2)]
    agrees(from_keras(write(config(layers), {"d1": [K1, B1], "d2": [K2, B2]})),
           (K1, B1, "linear"), (K2, B2, "linear"))


def test_no_bias_and_a_config_without_use_bias(write):
    layers = [inp(), dense("d1", 4, "relu", use_bias=False), dense("d2", 2)]
    del layers[2]["config"]["use_bias"]  # the default: a bias
    net = from_keras(write(config(layers), {"d1": [K1], "d2": [K2, B2]}))
    assert [n.bias for n in net.layers[0].neurons] == [0.0] * 4
    agrees(net, (K1, None, "relu"), (K2, B2, "linear"))


def test_a_dense_without_an_activation_in_its_config(write):
    layers = [inp(), dense("d1", 4), dense("d2", 2)]
    del layers[1]["config"]["activation"]
    assert [l.activation.name for l in from_keras(write(config(layers), {"d1": [K1, B1], "d2": [K2, B2]})).layers] \
        == ["identity", "identity"]


def test_three_dense_layers_of_different_widths(write):
    k3, b3 = np.array([[1.0], [-2.0]], dtype=np.float32), np.array([0.5], dtype=np.float32)
    layers = [inp(), dense("d1", 4, "tanh"), dense("d2", 2, "relu"), dense("d3", 1, "sigmoid")]
    net = from_keras(write(config(layers), {"d1": [K1, B1], "d2": [K2, B2], "d3": [k3, b3]}))
    assert net.widths == [3, 4, 2, 1]
    agrees(net, (K1, B1, "tanh"), (K2, B2, "relu"), (k3, b3, "sigmoid"))


def test_names_one_input_given_names_and_a_model_without_a_name(write):
    layers = [inp("size", 1), dense("d1", 2)]
    k = np.array([[2.0, -1.0]], dtype=np.float32)
    conf = config(layers)
    del conf["config"]["name"]
    net = from_keras(write(conf, {"d1": [k, B2]}))
    assert (net.inputs, net.name) == (["size"], "keras")
    assert [n.name for n in net.layers[0].neurons] == ["output_0", "output_1"]
    named = from_keras(write(conf, {"d1": [k, B2]}), inputs=["s"], name="given", description="d")
    assert (named.inputs, named.name, named.description) == (["s"], "given", "d")


def test_without_an_input_layer_inputs_are_x(write):
    layers = [dense("d1", 4), dense("d2", 2)]
    assert from_keras(write(config(layers), {"d1": [K1, B1], "d2": [K2, B2]})).inputs == ["x_0", "x_1", "x_2"]


def test_a_first_dense_of_one_neuron(write):
    k1, k2 = np.array([[1.0], [2.0], [3.0]], dtype=np.float32), np.array([[1.0, -1.0]], dtype=np.float32)
    layers = [inp(), dense("d1", 1), dense("d2", 2)]
    net = from_keras(write(config(layers), {"d1": [k1, B1[:1]], "d2": [k2, B2]}))
    assert net.widths == [3, 1, 2]


def test_module_keras_and_registered_name_of_the_class(write):
    layers, weights = two_dense()
    layers[1]["module"] = "keras"
    layers[2]["registered_name"] = "Dense"
    del layers[0]["module"]
    assert from_keras(write(config(layers), weights)).widths == [3, 4, 2]


def test_legacy_h5_with_the_weights_at_the_root(tmp_path):
    layers, weights = two_dense()
    net = from_keras(legacy_h5(tmp_path / "root.h5", config(layers), weights, root=None))
    agrees(net, (K1, B1, "relu"), (K2, B2, "linear"))


def test_keras_zip_with_a_layer_group_without_vars(tmp_path):
    layers, weights = two_dense()
    path = keras_zip(tmp_path / "m.keras", config(layers), weights)
    with zipfile.ZipFile(path) as z:
        config_text, data = z.read("config.json"), z.read("model.weights.h5")
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "a") as h5:
        h5.create_group("layers/input_layer")  # no vars: nothing stored
        h5.create_group("layers/other/vars")  # vars without a name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", config_text)
        z.writestr("model.weights.h5", buffer.getvalue())
    agrees(from_keras(path), (K1, B1, "relu"), (K2, B2, "linear"))


def test_load_model_file_by_suffix(tmp_path):
    layers, weights = two_dense()
    for path in (keras_zip(tmp_path / "m.KERAS", config(layers), weights),
                 legacy_h5(tmp_path / "m.h5", config(layers), weights)):
        assert load_model_file(path).widths == [3, 4, 2]
    with pytest.raises(ModelError, match=r"^'m.txt': not a model file scalarnet reads by its suffix "
                                         r"\(.onnx, .keras, .h5\)$"):
        load_model_file("m.txt")


# -- functional models ----------------------------------------------------------------------------


def link(*names):
    """Keras 3's inbound_nodes: one call on the tensors of these layers."""
    return [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [n, 0, 0]}} for n in names],
             "kwargs": {}}]


def functional(ends="flat", hidden_from="features", keras2=False):
    def inbound(name):
        return [[[name, 0, 0, {}]]] if keras2 else link(name)
    layers = [dict(inp("features"), name="features", inbound_nodes=[]),
              dict(dense("hidden", 4, "relu"), name="hidden", inbound_nodes=inbound(hidden_from)),
              dict(dense("probs", 2, "softmax"), name="probs", inbound_nodes=inbound("hidden"))]
    first, last = ["features", 0, 0], ["probs", 0, 0]
    if ends == "nested":
        first, last = [first], [last]
    return config(layers, cls="Functional", name="chain", input_layers=first, output_layers=last)


@pytest.mark.parametrize("ends", ["flat", "nested"])
@pytest.mark.parametrize("keras2", [False, True], ids=["keras3", "keras2"])
def test_a_functional_chain(write, ends, keras2):
    net = from_keras(write(functional(ends, keras2=keras2), {"hidden": [K1, B1], "probs": [K2, B2]}))
    assert (net.name, net.inputs, [l.name for l in net.layers]) == ("chain", ["features_0", "features_1",
                                                                              "features_2"], ["hidden", "probs"])
    agrees(net, (K1, B1, "relu"), (K2, B2, "softmax"))


def test_a_functional_chain_listed_out_of_order_and_keras1_links(write):
    conf = functional()
    conf["config"]["layers"].reverse()
    conf["config"]["layers"][1]["inbound_nodes"] = [[["features", 0, 0]]]  # Keras 1: [layer, node, tensor]
    conf["class_name"] = "Model"
    net = from_keras(write(conf, {"hidden": [K1, B1], "probs": [K2, B2]}))
    assert [l.name for l in net.layers] == ["hidden", "probs"]


def test_a_list_that_is_no_link_is_not_read_as_one(write):
    conf = functional()
    conf["config"]["layers"][1]["inbound_nodes"] = [[["features", "x", 0]]]
    refused(write(conf, {"hidden": [K1, B1], "probs": [K2, B2]}),
            "layer 'hidden' has no input but is not the model's input")


def test_a_functional_branch(write):
    conf = functional()
    conf["config"]["layers"][2]["inbound_nodes"] = link("hidden", "features")
    refused(write(conf, {"hidden": [K1, B1], "probs": [K2, B2]}),
            "layer 'probs' takes 2 inputs (hidden, features): a branch scalarnet cannot read")


def test_two_inputs_or_two_outputs(write):
    conf = functional()
    conf["config"]["input_layers"] = [["features", 0, 0], ["other", 0, 0]]
    refused(write(conf, {}), "2 inputs and 1 outputs; scalarnet reads a model of one input and one output")
    conf = functional()
    conf["config"]["output_layers"] = [["probs", 0, 0], ["hidden", 0, 0]]
    refused(write(conf, {}), "1 inputs and 2 outputs; scalarnet reads a model of one input and one output")


def test_a_functional_model_without_its_inputs_or_outputs(write):
    conf = functional()
    del conf["config"]["input_layers"]
    refused(write(conf, {}), "0 inputs and 1 outputs; scalarnet reads a model of one input and one output")
    conf = functional()
    conf["config"]["output_layers"] = []
    refused(write(conf, {}), "1 inputs and 0 outputs; scalarnet reads a model of one input and one output")


def test_a_chain_reaching_an_unknown_layer(write):
    conf = functional(hidden_from="ghost")
    refused(write(conf, {}), "the chain reaches 'ghost', which is no layer of the model")


def test_a_layer_off_the_chain(write):
    conf = functional()
    conf["config"]["layers"].append(dict(dense("extra", 1), name="extra", inbound_nodes=link("hidden")))
    refused(write(conf, {}), "layers off the chain from input to output (extra): a branch scalarnet cannot read")


def test_a_chain_that_does_not_reach_the_input(write):
    conf = functional()
    conf["config"]["layers"][1]["inbound_nodes"] = []
    refused(write(conf, {}), "layer 'hidden' has no input but is not the model's input")


def test_model_configs_that_are_not_a_chain_of_layers(write):
    refused(write({"class_name": "Sequential", "config": {"name": "m"}}, {}),
            "the model's config has no layer list (class 'Sequential')")
    refused(write({"class_name": "Sequential", "config": [1]}, {}),
            "the model's config has no layer list (class 'Sequential')")
    refused(write(config([inp(), [1, 2]]), {}),
            "layer 1 of the model's config is [1, 2], not a JSON object")
    refused(write(config([inp(), {"class_name": "Dense", "config": "d"}]), {}),
            "layer 1 of the model's config has the config 'd', not a JSON object")
    refused(write(config([inp()], cls="MyModel"), {}),
            "a model of class 'MyModel'; scalarnet reads Sequential and functional models")
    refused(write("[1, 2]", {}), "the model config is not a JSON object")
    refused(write(config([inp(), layer("Dropout", "drop")]), {}), "no Dense layer: not a multilayer perceptron")


# -- layers scalarnet cannot read -----------------------------------------------------------------


def test_a_layer_from_another_module(write):
    layers, weights = two_dense()
    layers[1]["module"] = "my_layers"
    refused(write(config(layers), weights),
            f"layer 'd1' is Dense from module 'my_layers', which scalarnet cannot read (it reads: {READS})")


def test_a_layer_registered_under_another_name(write):
    layers, weights = two_dense()
    layers[2]["registered_name"] = "Custom>Dense"
    refused(write(config(layers), weights), f"layer 'd2' is Dense, which scalarnet cannot read (it reads: {READS})")


def test_a_layer_of_another_class(write):
    layers = [inp(), {"class_name": "Conv2D", "name": "conv", "config": {}}]
    refused(write(config(layers), {}), f"layer 'conv' is Conv2D, which scalarnet cannot read (it reads: {READS})")


def test_activations_scalarnet_cannot_read(write):
    layers, weights = two_dense("gelu")
    refused(write(config(layers), weights),
            f"layer 'd1' (Dense) has activation 'gelu', which scalarnet cannot read (it reads: {ACTS})")
    layers = [inp(), dense("d1", 4), layer("Activation", "act", activation={"class_name": "Mine", "config": {}})]
    refused(write(config(layers), weights), "layer 'act' (Activation) has the activation object 'Mine', which "
                                            f"scalarnet cannot read (it reads: {ACTS})")


def test_an_activation_before_any_dense(write):
    layers = [inp(), layer("Activation", "act", activation="relu"), dense("d1", 4)]
    refused(write(config(layers), {"d1": [K1, B1]}), "layer 'act' (Activation) comes before any Dense layer")


def test_two_activations_on_one_dense(write):
    layers = [inp(), dense("d1", 4, "relu"), layer("LeakyReLU", "lr")]
    refused(write(config(layers), {"d1": [K1, B1]}), "layer 'lr' (LeakyReLU) follows layer 'd1', which has "
                                                     "activation relu already (scalarnet has one per layer)")


# -- weights that do not fit ----------------------------------------------------------------------


@pytest.mark.parametrize("use_bias, arrays, expected", [
    (True, [K1], "1 weight arrays in the file (expected kernel and bias)"),
    (False, [K1, B1], "2 weight arrays in the file (expected a kernel)"),
    (True, [], "0 weight arrays in the file (expected kernel and bias)"),
], ids=["no-bias-array", "extra-array", "missing"])
def test_weight_arrays_that_do_not_fit_the_config(write, use_bias, arrays, expected):
    layers = [inp(), dense("d1", 4, use_bias=use_bias)]
    refused(write(config(layers), {"d1": arrays} if arrays else {}), f"layer 'd1' (Dense) has {expected}")


@pytest.mark.parametrize("kernel, shown", [(B1, "shape [4] and type float32"),
                                           (np.ones((3, 4), dtype=np.int32), "shape [3, 4] and type int32")],
                         ids=["vector", "ints"])
def test_a_kernel_that_is_no_float_matrix(write, kernel, shown):
    layers = [inp(), dense("d1", 4)]
    refused(write(config(layers), {"d1": [kernel, B1]}), f"layer 'd1' (Dense) has a kernel of {shown}")


@pytest.mark.parametrize("bias, shown", [(B1[:3], "shape [3] and type float32"),
                                         (B1.reshape(1, 4), "shape [1, 4] and type float32"),
                                         (np.arange(4), "shape [4] and type int64")],
                         ids=["short", "matrix", "ints"])
def test_a_bias_that_does_not_fit_the_kernel(write, bias, shown):
    layers = [inp(), dense("d1", 4)]
    refused(write(config(layers), {"d1": [K1, bias]}), f"layer 'd1' (Dense) has a bias of {shown} for 4 neurons")


def test_a_kernel_that_does_not_fit_the_layer_before(write):
    layers = [inp(), dense("d1", 4), dense("d2", 2)]
    refused(write(config(layers), {"d1": [K1, B1], "d2": [K2[:3], B2]}),
            "layer 'd2' (Dense) takes 3 inputs after a layer of 4")


# -- files that are no Keras model ----------------------------------------------------------------


def test_files_that_are_no_keras_model(tmp_path):
    text = tmp_path / "t.keras"
    text.write_text("hello")
    refused(text, "not a Keras model (neither a .keras zip nor an HDF5 file)")
    broken = tmp_path / "b.h5"
    broken.write_bytes(b"\x89HDF\r\n\x1a\nbroken")
    with pytest.raises(ModelError, match=r"b.h5: not a readable HDF5 file \("):
        from_keras(broken)
    weights_only = tmp_path / "w.h5"
    h5py.File(weights_only, "w").close()
    refused(weights_only, "an HDF5 file without a model_config: a weights-only file, not a saved Keras model")
    with pytest.raises(ModelError, match=r"^" + str(tmp_path / "none.keras").replace("\\", "\\\\")
                       + r": cannot read \(No such file or directory\)$"):
        from_keras(tmp_path / "none.keras")
    with pytest.raises(ModelError, match=r"^from_keras: expected a file path, got \['m.keras'\]$"):
        from_keras(["m.keras"])


def test_config_that_is_not_json(tmp_path):
    with pytest.raises(ModelError, match=r"m.keras: config.json is not JSON \(Expecting "):
        from_keras(keras_zip(tmp_path / "m.keras", "{not json", {}))
    with pytest.raises(ModelError, match=r"m.h5: model_config is not JSON \(Expecting "):
        from_keras(legacy_h5(tmp_path / "m.h5", "{not json", {}))


def test_zips_that_are_no_keras_file(tmp_path):
    path = tmp_path / "z.keras"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(9):
            z.writestr(f"f{i}.txt", "x")
    refused(path, "a zip without config.json: not a Keras 3 .keras file "
                  "(it holds: f0.txt, f1.txt, f2.txt, f3.txt, f4.txt, f5.txt, f6.txt, f7.txt)")
    with zipfile.ZipFile(path, "w") as z:
        pass
    refused(path, "a zip without config.json: not a Keras 3 .keras file (it holds: nothing)")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", "{}")
    refused(path, "a zip without model.weights.h5: not a Keras 3 .keras file (it holds: config.json)")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", "{}")
        z.writestr("model.weights.h5", "not hdf5")
    with pytest.raises(ModelError, match=r"z.keras: model.weights.h5: not a readable HDF5 file \("):
        from_keras(path)


def test_a_zip_with_a_damaged_member(tmp_path):
    layers, weights = two_dense()
    path = keras_zip(tmp_path / "d.keras", config(layers), weights)
    data = bytearray(path.read_bytes())
    at = data.index(b'"class_name"')
    data[at + 1:at + 6] = b"XXXXX"  # the stored bytes no longer match their CRC
    path.write_bytes(bytes(data))
    refused(path, "a broken zip (Bad CRC-32 for file 'config.json')")


def test_without_h5py(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ModelError, match=r"^reading a Keras file needs h5py: pip install h5py "
                                         r"\(or scalarnet\[keras\]\)$"):
        from_keras(tmp_path / "m.keras")

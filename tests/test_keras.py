"""Keras files read without Keras, checked against Keras itself: model.predict agrees to float32 precision."""

from __future__ import annotations

import json
import math
import os
import sys
import zipfile

import pytest

pytest.importorskip("h5py", reason="needs h5py (pip install h5py)")
os.environ["KERAS_BACKEND"] = "torch"  # the backend CI installs; there is no tensorflow
keras = pytest.importorskip("keras", reason="needs keras with torch (pip install keras torch)")
np = pytest.importorskip("numpy")

from scalarnet.interop import ModelError, from_keras  # noqa: E402

L = keras.layers
ACTIVATIONS = ["relu", "tanh", "sigmoid", "softmax", "linear", "leaky_relu"]


def sequential(n_in, *layers, name="input_layer"):
    keras.utils.set_random_seed(len(layers) + n_in)
    return keras.Sequential([keras.Input((n_in,), name=name), *layers])


MODELS = {
    **{f"dense-{a}": (lambda a=a: sequential(3, L.Dense(5, activation=a), L.Dense(2, activation=a)))
       for a in ACTIVATIONS},
    **{f"activation-layer-{a}": (lambda a=a: sequential(4, L.Dense(3), L.Activation(a), L.Dense(2)))
       for a in ACTIVATIONS},
    "leakyrelu-layer": lambda: sequential(4, L.Dense(6), L.LeakyReLU(negative_slope=0.05), L.Dense(1)),
    "dropout": lambda: sequential(4, L.Dense(6, activation="relu"), L.Dropout(0.5), L.Dense(3, activation="softmax")),
    "no-bias": lambda: sequential(2, L.Dense(3, activation="tanh", use_bias=False), L.Dense(1)),
    "one-input": lambda: sequential(1, L.Dense(2, activation="relu"), L.Dense(1)),
    "flatten-at-input": lambda: keras.Sequential([keras.Input((2, 3)), L.Flatten(), L.Dense(4, activation="relu"),
                                                  L.Dense(2)]),
    "functional-chain": lambda: _functional(),
}


def _functional():
    keras.utils.set_random_seed(5)
    x = keras.Input((3,), name="features")
    h = L.Dense(4, activation="relu", name="hidden")(x)
    h = L.Dropout(0.1)(h)
    y = L.Dense(2, activation="softmax", name="probs")(h)
    return keras.Model(x, y, name="chain")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keras")
    out = {}
    for key, make in MODELS.items():
        model = make()
        for suffix in (".keras", ".h5"):
            path = folder / f"{key}{suffix}"
            model.save(str(path))
            out[key, suffix] = (model, path)
    return out


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("key", list(MODELS))
def test_from_keras_agrees_with_model_predict(key, suffix, saved):
    model, path = saved[key, suffix]
    net = from_keras(path)
    shape = model.inputs[0].shape[1:]
    rows = np.random.default_rng(len(key)).uniform(-2, 2, size=(6, *shape)).astype(np.float32)
    want = model.predict(rows, verbose=0).tolist()
    for row, out in zip(rows.reshape(6, -1).tolist(), want):
        got = net.forward(row)
        assert len(got) == len(out)
        assert all(math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6) for a, b in zip(got, out)), (key, got, out)


def test_from_keras_names_layers_and_inputs_from_the_file(saved):
    net = from_keras(saved["functional-chain", ".keras"][1])
    assert [layer.name for layer in net.layers] == ["hidden", "probs"]
    assert net.inputs == ["features_0", "features_1", "features_2"]
    assert net.name == "chain"
    assert [layer.activation.name for layer in net.layers] == ["relu", "softmax"]
    assert from_keras(saved["one-input", ".h5"][1]).inputs == ["input_layer"]


def test_from_keras_reads_float32_weights_exactly(saved):
    model, path = saved["dense-relu", ".keras"]
    kernel = model.layers[0].get_weights()[0]  # (inputs, units)
    net = from_keras(path)
    assert net.layers[0].neurons[1].weights == kernel[:, 1].tolist()


def test_from_keras_does_not_import_keras(saved, tmp_path):
    import subprocess
    path = saved["dense-tanh", ".keras"][1]
    code = ("import sys; from scalarnet.interop import from_keras; n = from_keras(sys.argv[1]); "
            "print(n.widths, 'keras' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[3,", "5,", "2]", "False", "False"]


# -- refusals -------------------------------------------------------------------------------------


def test_from_keras_refuses_a_lambda_layer(tmp_path):
    model = sequential(2, L.Dense(2), L.Lambda(lambda t: t * 2, name="double"))
    path = tmp_path / "lam.keras"
    model.save(str(path))
    with pytest.raises(ModelError, match=r"lam.keras: layer 'double' is Lambda, which scalarnet cannot read "
                                         r"\(it reads: InputLayer, Dense, "):
        from_keras(path)


def test_from_keras_refuses_conv(tmp_path):
    model = keras.Sequential([keras.Input((4, 4, 1)), L.Conv2D(2, 3, name="conv"), L.Flatten(), L.Dense(1)])
    path = tmp_path / "conv.h5"
    model.save(str(path))
    with pytest.raises(ModelError, match=r"layer 'conv' is Conv2D, which scalarnet cannot read"):
        from_keras(path)


def test_from_keras_refuses_a_branch(tmp_path):
    x = keras.Input((3,), name="x")
    a, b = L.Dense(2, name="a")(x), L.Dense(2, name="b")(x)
    model = keras.Model(x, L.Add(name="sum")([a, b]))
    path = tmp_path / "branch.keras"
    model.save(str(path))
    with pytest.raises(ModelError, match=r"layer 'sum' takes 2 inputs \(a, b\): a branch"):
        from_keras(path)


def test_from_keras_refuses_a_custom_activation(tmp_path):
    path = tmp_path / "custom.keras"
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [None, 2]}},
        {"class_name": "Dense", "config": {"name": "d", "units": 1,
                                           "activation": {"class_name": "MyAct", "config": {}}}}]}}
    import io
    import h5py
    weights = io.BytesIO()
    h5py.File(weights, "w").close()
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", weights.getvalue())
    with pytest.raises(ModelError, match=r"layer 'd' \(Dense\) has the activation object 'MyAct'"):
        from_keras(path)


@pytest.mark.parametrize("content, match", [
    (b"hello", r"not a Keras model \(neither a .keras zip nor an HDF5 file\)"),
    (None, r"a zip without config.json: not a Keras 3 .keras file"),
    (b"\x89HDF\r\n\x1a\nbroken", r"x.keras: not a readable HDF5 file"),
], ids=["text", "zip-without-config", "broken-hdf5"])
def test_from_keras_refuses_a_file_that_is_no_model(tmp_path, content, match):
    path = tmp_path / "x.keras"
    if content is None:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("readme.txt", "hi")
    else:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=match):
        from_keras(path)

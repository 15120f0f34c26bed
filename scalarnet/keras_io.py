"""Keras files read as data: a Keras 3 `.keras` zip or a legacy `.h5` model, with h5py and json, no Keras.

`from_keras(path)` reads the model's configuration (JSON) and its weights (HDF5
datasets); nothing in the file is run or unpickled, and Keras is not imported.
It reads a `Sequential`, or a functional model that is one chain, of
`InputLayer`, `Dense` (with its activation), `Activation`, `LeakyReLU`,
`Dropout` (inference: nothing) and `Flatten` before the first Dense (the input's
values in row-major order). Activations: relu, tanh, sigmoid, softmax, linear,
leaky_relu (Keras's default slope 0.2). Anything else (a `Lambda`, a custom
object, Conv2D, a branch) is a `ModelError` naming the layer.

A `Dense` kernel has shape (inputs, units); scalarnet keeps one row per neuron,
so it is transposed. Weights become Python floats holding exactly the file's
values. Only h5py is needed (`pip install scalarnet[keras]`).
"""

from __future__ import annotations

import io
import json
import os
import zipfile

from .activations import get_activation
from .errors import ScalarnetError
from .network import Network

__all__ = ["from_keras", "LAYERS", "KERAS_ACTIVATIONS"]

#: The Keras layer classes from_keras reads.
LAYERS = ("InputLayer", "Dense", "Activation", "LeakyReLU", "Dropout", "Flatten")
#: Keras activation names -> scalarnet's.
KERAS_ACTIVATIONS = {"linear": "identity", "relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid",
                     "softmax": "softmax", "leaky_relu": "leaky_relu"}
KERAS_LEAKY_SLOPE = 0.2  # keras.activations.leaky_relu's default negative_slope


def _model_error(message: str) -> ScalarnetError:
    from .interop import ModelError

    return ModelError(message)


def from_keras(path: str | os.PathLike, inputs=None, name: str | None = None, **kwargs) -> Network:
    """The network of a Keras model file (`.keras` or `.h5`), read without Keras.

    Inputs are named by `inputs`, else by the input layer's name with an index
    (`features_0`, ...; the name alone for one feature); layers keep their Keras
    names; `name` defaults to the model's.
    """
    try:
        import h5py
    except ImportError:
        raise _model_error("reading a Keras file needs h5py: pip install h5py "
                           "(or scalarnet[keras])") from None
    label = str(path)
    if not isinstance(path, (str, os.PathLike)):
        raise _model_error(f"from_keras: expected a file path, got {path!r}")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise _model_error(f"{label}: cannot read ({e.strerror})") from None
    if zipfile.is_zipfile(io.BytesIO(data)):
        config, weights_file, layout = _read_keras_zip(data, label, h5py)
    elif data.startswith(b"\x89HDF\r\n\x1a\n"):
        weights_file = _h5(h5py, data, label)
        if "model_config" not in weights_file.attrs:
            raise _model_error(f"{label}: an HDF5 file without a model_config: a weights-only file, "
                               "not a saved Keras model")
        config = _json(weights_file.attrs["model_config"], label, "model_config")
        layout = "h5"
    else:
        raise _model_error(f"{label}: not a Keras model (neither a .keras zip nor an HDF5 file)")
    with weights_file:
        return _build(config, _Weights(weights_file, layout, label), label, inputs, name, kwargs)


def _h5(h5py, data: bytes, place: str):
    try:
        return h5py.File(io.BytesIO(data), "r")
    except OSError as e:
        raise _model_error(f"{place}: not a readable HDF5 file ({e})") from None


def _json(text, label: str, what: str):
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError as e:
        raise _model_error(f"{label}: {what} is not JSON ({e})") from None


def _read_keras_zip(data: bytes, label: str, h5py):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            for needed in ("config.json", "model.weights.h5"):
                if needed not in names:
                    raise _model_error(f"{label}: a zip without {needed}: not a Keras 3 .keras file "
                                       f"(it holds: {', '.join(names[:8]) or 'nothing'})")
            config = _json(z.read("config.json"), label, "config.json")
            weights = _h5(h5py, z.read("model.weights.h5"), f"{label}: model.weights.h5")
    except zipfile.BadZipFile as e:
        raise _model_error(f"{label}: a broken zip ({e})") from None
    return config, weights, "keras"


class _Weights:
    """A layer's weight arrays by layer name, from either layout of the HDF5 file."""

    def __init__(self, h5, layout: str, label: str):
        self.h5, self.layout, self.label = h5, layout, label
        self.groups = {}
        if layout == "keras":
            # layers/<class-based path>/vars holds the arrays; its "name" attribute is the layer's
            for key, group in h5.get("layers", {}).items():
                vars_ = group.get("vars")
                if vars_ is not None and "name" in vars_.attrs:
                    self.groups[_text(vars_.attrs["name"])] = vars_

    def arrays(self, layer: str) -> list:
        if self.layout == "keras":
            group = self.groups.get(layer)
            if group is None:
                return []
            return [group[str(i)][()] for i in range(len(group)) if str(i) in group]
        root = self.h5.get("model_weights", self.h5)
        group = root.get(layer)
        if group is None:
            return []
        names = [_text(n) for n in group.attrs.get("weight_names", [])]
        return [group[n][()] for n in names]


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _chain(config: dict, label: str) -> list[dict]:
    """The model's layers, in order, for a Sequential or a one-chain functional model."""
    kind = config.get("class_name")
    body = config.get("config", {})
    layers = body.get("layers") if isinstance(body, dict) else None
    if not isinstance(layers, list):
        raise _model_error(f"{label}: the model's config has no layer list (class {kind!r})")
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise _model_error(f"{label}: layer {i} of the model's config is {layer!r}, not a JSON object")
        if not isinstance(layer.get("config") or {}, dict):
            raise _model_error(f"{label}: layer {i} of the model's config has the config "
                               f"{layer['config']!r}, not a JSON object")
    if kind == "Sequential":
        return layers
    if kind not in ("Functional", "Model"):
        raise _model_error(f"{label}: a model of class {kind!r}; scalarnet reads Sequential and "
                           "functional models")
    by_name = {layer.get("name"): layer for layer in layers}
    sources = {layer.get("name"): _inbound(layer.get("inbound_nodes", [])) for layer in layers}
    for layer_name, came_from in sources.items():
        if len(came_from) > 1:
            raise _model_error(f"{label}: layer {layer_name!r} takes {len(came_from)} inputs "
                               f"({', '.join(came_from)}): a branch scalarnet cannot read")
    ends = [body.get(k) for k in ("input_layers", "output_layers")]
    # Keras 3 writes one end as [name, 0, 0], Keras 2 a list of them: [[name, 0, 0]]
    ends = [(e if isinstance(e[0], list) else [e]) if e else [] for e in ends]
    if len(ends[0]) != 1 or len(ends[1]) != 1:
        raise _model_error(f"{label}: {len(ends[0])} inputs and {len(ends[1])} outputs; "
                           "scalarnet reads a model of one input and one output")
    first, last = ends[0][0][0], ends[1][0][0]
    order, current = [], last
    while True:
        if current not in by_name:
            raise _model_error(f"{label}: the chain reaches {current!r}, which is no layer of the model")
        order.append(by_name[current])
        if current == first:
            break
        if not sources[current]:
            raise _model_error(f"{label}: layer {current!r} has no input but is not the model's input")
        current = sources[current][0]
    order.reverse()
    unused = [layer.get("name") for layer in layers if layer not in order]
    if unused:
        raise _model_error(f"{label}: layers off the chain from input to output ({', '.join(map(str, unused))}): "
                           "a branch scalarnet cannot read")
    return order


def _inbound(nodes) -> list[str]:
    """The names of the layers feeding a layer: Keras 3's keras_history, or Keras 2's nested lists."""
    found = []

    def walk(x):
        if isinstance(x, dict):
            if "keras_history" in x:
                found.append(x["keras_history"][0])
                return
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            if len(x) >= 3 and isinstance(x[0], str) and isinstance(x[1], int):
                found.append(x[0])  # Keras 2: [name, node index, tensor index, kwargs]
                return
            for v in x:
                walk(v)

    walk(nodes)
    return found


def _activation(value, place: str, label: str):
    if isinstance(value, dict):  # a serialised object: a custom activation
        raise _model_error(f"{label}: {place} has the activation object "
                           f"{value.get('class_name', value)!r}, which scalarnet cannot read "
                           f"(it reads: {', '.join(KERAS_ACTIVATIONS)})")
    if value not in KERAS_ACTIVATIONS:
        raise _model_error(f"{label}: {place} has activation {value!r}, which scalarnet cannot "
                           f"read (it reads: {', '.join(KERAS_ACTIVATIONS)})")
    if value == "leaky_relu":
        return get_activation("leaky_relu", slope=KERAS_LEAKY_SLOPE)
    return get_activation(KERAS_ACTIVATIONS[value])


def _build(config: dict, weights: _Weights, label: str, inputs, name, kwargs) -> Network:
    if not isinstance(config, dict):
        raise _model_error(f"{label}: the model config is not a JSON object")
    layers = []  # [name, rows, biases, activation or None]
    input_name, width = "x", None  # width: the neurons of the last Dense
    for layer in _chain(config, label):
        kind = layer.get("class_name")
        conf = layer.get("config") or {}
        layer_name = conf.get("name", layer.get("name", "?"))
        place = f"layer {layer_name!r} ({kind})"
        module = layer.get("module")
        if kind not in LAYERS or (module not in (None, "keras.layers", "keras") or layer.get("registered_name")
                                  not in (None, kind)):
            where = f" from module {module!r}" if module not in (None, "keras.layers", "keras") else ""
            raise _model_error(f"{label}: layer {layer_name!r} is {kind}{where}, which scalarnet cannot "
                               f"read (it reads: {', '.join(LAYERS)})")
        if kind == "InputLayer":
            input_name = layer_name
        elif kind in ("Flatten", "Dropout"):
            # Flatten: the input's values in row-major order, or values flat already after a Dense;
            # Dropout: inference passes its input on
            continue
        elif kind == "Dense":
            act = _activation(conf.get("activation", "linear"), place, label)
            arrays = weights.arrays(layer_name)
            use_bias = conf.get("use_bias", True)
            if len(arrays) != (2 if use_bias else 1):
                raise _model_error(f"{label}: {place} has {len(arrays)} weight arrays in the file "
                                   f"(expected {'kernel and bias' if use_bias else 'a kernel'})")
            kernel = arrays[0]
            if kernel.ndim != 2 or kernel.dtype.kind != "f":
                raise _model_error(f"{label}: {place} has a kernel of shape {list(kernel.shape)} and "
                                   f"type {kernel.dtype}")
            bias = arrays[1] if use_bias else None
            if bias is not None and (bias.shape != kernel.shape[1:] or bias.dtype.kind != "f"):
                raise _model_error(f"{label}: {place} has a bias of shape {list(bias.shape)} and type "
                                   f"{bias.dtype} for {kernel.shape[1]} neurons")
            if width is not None and kernel.shape[0] != width:
                raise _model_error(f"{label}: {place} takes {kernel.shape[0]} inputs after a layer of {width}")
            rows = kernel.T.tolist()  # (inputs, units) -> (units, inputs): one row per neuron
            biases = [0.0] * len(rows) if bias is None else bias.tolist()
            layers.append([layer_name, rows, biases, None if act.name == "identity" else act])
            width = len(rows)
        elif kind in ("Activation", "LeakyReLU"):
            if kind == "Activation":
                act = _activation(conf.get("activation"), place, label)
            else:
                slope = conf.get("negative_slope", conf.get("alpha", 0.3))
                act = get_activation("leaky_relu", slope=float(slope))
            if act.name == "identity":
                continue
            if not layers:
                raise _model_error(f"{label}: {place} comes before any Dense layer")
            if layers[-1][3] is not None:
                raise _model_error(f"{label}: {place} follows layer {layers[-1][0]!r}, which has "
                                   f"activation {layers[-1][3].name} already (scalarnet has one per layer)")
            layers[-1][3] = act
    if not layers:
        raise _model_error(f"{label}: no Dense layer: not a multilayer perceptron")
    from .interop import _file_network

    n_in = len(layers[0][1][0])
    if inputs is None:
        inputs = [input_name] if n_in == 1 else [f"{input_name}_{i}" for i in range(n_in)]
    model_name = name or (config.get("config") or {}).get("name") or "keras"
    return _file_network(label, layers, inputs, model_name, kwargs)

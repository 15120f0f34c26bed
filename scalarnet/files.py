"""Network files: the JSON format `scalarnet.network/1`, the tutorial's weight dicts, bundled examples.

A network file:

    {"format": "scalarnet.network/1", "name": "tutorial-deep", "inputs": ["x0", "x1"],
     "layers": [{"name": "hidden1", "activation": "relu",
                 "neurons": [{"name": "node0_0", "weights": [2, 4], "bias": 0}, ...]},
                ...]}

`description` and `example_input` are optional; so are a neuron's `bias` (0) and a
leaky_relu layer's `slope` (0.01). A JSON object of the tutorial's form
(`{"node0": [1, 1], "node1": [1, -1], "output": [1, -1]}`) is read too.
"""

from __future__ import annotations

import json
import os
import sys
from importlib import resources
from pathlib import Path

from .activations import Activation, get_activation
from .errors import FileFormatError, NetworkError, NumberError, ScalarnetError
from .layer import Layer
from . import limits
from .network import Network, _TUTORIAL_KEY
from .neuron import Neuron
from .numbers import check_number
from .outputs import write_atomic

FORMAT = "scalarnet.network/1"
#: Model files `load` reads through scalarnet.interop (ONNX, Keras 3, legacy Keras).
MODEL_SUFFIXES = (".onnx", ".keras", ".h5")

_NETWORK_KEYS = ("format", "name", "description", "inputs", "example_input", "layers")
_LAYER_KEYS = ("name", "activation", "slope", "neurons")
_NEURON_KEYS = ("name", "weights", "bias")


def examples() -> list[str]:
    """The names of the bundled example networks, sorted.

    >>> examples()
    ['iris-mlp', 'loan', 'tutorial-deep', 'tutorial-forward', 'tutorial-relu', 'tutorial-tanh', 'xor']
    """
    folder = resources.files("scalarnet") / "examples"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load(source: str | os.PathLike, activation: str | Activation | None = None) -> Network:
    """Read a network from a file path or a bundled example's name.

    `activation`, when given, replaces the activation of every hidden layer (for a
    tutorial weight dict it is the hidden activation, identity by default).

    >>> load("tutorial-deep").forward([3, 5])
    [182]
    """
    if not isinstance(source, (str, os.PathLike)):
        raise FileFormatError(f"load: expected a file path or a bundled example's name, got {source!r}")
    if activation is not None:
        activation = get_activation(activation)  # a typo is reported before the file is read
    path = Path(source)
    try:
        is_file, exists = path.is_file(), path.exists()
    except OSError as e:  # a name too long for the file system, ...
        raise FileFormatError(f"cannot read {str(source)!r} ({e.strerror})") from None
    if is_file and path.suffix.lower() in MODEL_SUFFIXES:
        from .interop import load_model_file  # ONNX and Keras files, read as data

        return _with_hidden_activation(load_model_file(path), activation)
    if is_file:
        text = _read(path)
        label = str(source)
    elif isinstance(source, str) and source in examples():
        text = (resources.files("scalarnet") / "examples" / f"{source}.json").read_text("utf-8")
        label = source
    elif exists:
        raise FileFormatError(f"{str(source)!r} is not a file")
    else:
        names = ", ".join(examples())
        raise FileFormatError(f"no file or bundled example named {str(source)!r} (examples: {names})")
    return loads(text, label, activation)


def _read(path: Path) -> str:
    try:
        # Notepad and Excel start UTF-8 with a byte order mark, which json.loads refuses
        return limits.read_capped(path, str(path)).decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise FileFormatError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise FileFormatError(f"{path}: cannot read ({e.strerror})") from None


def loads(text: str, label: str = "<string>",
          activation: str | Activation | None = None) -> Network:
    """Read a network from JSON text; `label` names it in error messages."""
    if isinstance(text, str) and len(text) > limits.limit("file"):  # before json.loads spends the memory
        raise limits.too_big("file", label, "the JSON text")
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as e:
        raise FileFormatError(f"{label}: line {e.lineno}, column {e.colno}: "
                              f"invalid JSON: {e.msg}") from None
    except FileFormatError as e:
        raise FileFormatError(f"{label}: {e}") from None
    except ValueError:  # an int longer than Python converts (sys.get_int_max_str_digits)
        limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
        raise FileFormatError(f"{label}: cannot read a number: an integer of more than {limit} "
                              "digits (Python's limit; sys.set_int_max_str_digits() raises it)") from None
    except RecursionError as e:
        raise FileFormatError(f"{label}: cannot read JSON nested this deep ({e})") from None
    try:
        return from_dict(data, activation)
    except ScalarnetError as e:
        raise type(e)(f"{label}: {e}") from None


def _unique_keys(pairs: list) -> dict:
    """A JSON object as a dict, refusing a key given twice (json.loads silently keeps the last)."""
    data = {}
    for key, value in pairs:
        if key in data:
            raise FileFormatError(f"{json.dumps(key)} is given twice in one object "
                                  "(JSON would keep only the last)")
        data[key] = value
    return data


def from_dict(data: object, activation: str | Activation | None = None) -> Network:
    """A network from parsed JSON: the scalarnet format or a tutorial weight dict."""
    if not isinstance(data, dict):
        raise FileFormatError(f"expected a JSON object, got {type(data).__name__}")
    if "format" not in data:
        # one node name is enough to read it as a tutorial dict, whose errors name a misspelt key
        if any(isinstance(k, str) and _TUTORIAL_KEY.fullmatch(k) for k in data):
            return Network.from_tutorial_weights(data, activation=activation or "identity")
        raise FileFormatError(f'no "format" key: expected a scalarnet network ("format": "{FORMAT}") '
                              "or a tutorial weight dict (keys node0, node1, ..., output)")
    if data["format"] != FORMAT:
        raise FileFormatError(f"unknown format {data['format']!r} (this scalarnet reads {FORMAT!r})")
    _check_keys(data, _NETWORK_KEYS, "the network")
    layers_data = _get(data, "layers", list, "the network")
    layers = [_layer(layer, i) for i, layer in enumerate(layers_data)]
    layers = _replace_hidden(layers, activation)
    inputs = data.get("inputs")
    if inputs is not None and not isinstance(inputs, list):
        raise FileFormatError(f'"inputs": expected a list of names, got {inputs!r}')
    return Network(layers, inputs=inputs, name=data.get("name", "network"),
                   description=data.get("description", ""),
                   example_input=data.get("example_input"))


def _replace_hidden(layers: list, activation) -> list:
    if activation is None:
        return layers
    return [Layer(layer.name, layer.neurons, activation) for layer in layers[:-1]] + layers[-1:]


def _with_hidden_activation(net: Network, activation) -> Network:
    if activation is None:
        return net
    return Network(_replace_hidden(net.layers, activation), inputs=net.inputs, name=net.name,
                   description=net.description, example_input=net.example_input)


def _layer(data: object, i: int) -> Layer:
    place = f"layers[{i}]"
    if not isinstance(data, dict):
        raise FileFormatError(f"{place}: expected an object, got {data!r}")
    if isinstance(data.get("name"), str):
        place += f" ({data['name']!r})"
    _check_keys(data, _LAYER_KEYS, place)
    name = _get(data, "name", str, place)
    neurons_data = _get(data, "neurons", list, place)
    params = {"slope": data["slope"]} if "slope" in data else {}
    try:
        activation = get_activation(data.get("activation", "identity"), **params)
    except ScalarnetError as e:
        raise type(e)(f"{place}: {e}") from None
    neurons = [_neuron(n, f"{place}, neurons[{j}]") for j, n in enumerate(neurons_data)]
    try:
        return Layer(name, neurons, activation)
    except ScalarnetError as e:
        message, own = str(e), f"layer {name!r}"
        message = place + message[len(own):] if message.startswith(own) else f"{place}: {message}"
        raise type(e)(message) from None


def _neuron(data: object, place: str) -> Neuron:
    if not isinstance(data, dict):
        raise FileFormatError(f"{place}: expected an object, got {data!r}")
    if isinstance(data.get("name"), str):
        place += f" ({data['name']!r})"
    _check_keys(data, _NEURON_KEYS, place)
    name = _get(data, "name", str, place)
    weights = _get(data, "weights", list, place)
    for k, w in enumerate(weights):
        check_number(w, f"{place}, weights[{k}]")
    bias = data.get("bias", 0)
    check_number(bias, f"{place}, bias")
    try:
        return Neuron(name, weights, bias)
    except ScalarnetError as e:
        raise type(e)(f"{place}: {e}") from None


def _check_keys(data: dict, known: tuple, place: str) -> None:
    for key in data:
        if key not in known:
            raise FileFormatError(f"{place}: unknown key {key!r} (known: {', '.join(known)})")


def _get(data: dict, key: str, kind: type, place: str):
    if key not in data:
        raise FileFormatError(f'{place}: "{key}" is missing')
    value = data[key]
    if not isinstance(value, kind):
        raise FileFormatError(f'{place}: "{key}" should be a {"list" if kind is list else "string"}, '
                              f"got {value!r}")
    return value


def to_dict(net: Network) -> dict:
    """The network as the JSON object of `scalarnet.network/1`."""
    data: dict = {"format": FORMAT, "name": net.name}
    if net.description:
        data["description"] = net.description
    data["inputs"] = list(net.inputs)
    if net.example_input is not None:
        data["example_input"] = list(net.example_input)
    data["layers"] = []
    for layer in net.layers:
        entry: dict = {"name": layer.name, "activation": layer.activation.name}
        entry.update(layer.activation.params())
        entry["neurons"] = []
        for n in layer.neurons:
            neuron: dict = {"name": n.name, "weights": list(n.weights)}
            if n.bias != 0 or type(n.bias) is not int:  # a float 0.0 makes z a float: keep it
                neuron["bias"] = n.bias
            entry["neurons"].append(neuron)
        data["layers"].append(entry)
    return data


def dumps(net: Network) -> str:
    """The network as JSON text: one line per neuron, so files diff well."""
    data = to_dict(net)
    _check_json_numbers(data)
    lines = [f" {json.dumps(key)}: {json.dumps(value)}," for key, value in data.items()
             if key != "layers"]
    parts = []
    for layer in data["layers"]:
        head = json.dumps({k: v for k, v in layer.items() if k != "neurons"})[:-1]
        rows = ",\n    ".join(json.dumps(n) for n in layer["neurons"])
        parts.append(f'  {head}, "neurons": [\n    {rows}]}}')
    return "{\n" + "\n".join(lines) + '\n "layers": [\n' + ",\n".join(parts) + "\n ]\n}\n"


def _check_json_numbers(data: dict) -> None:
    # Fractions and Decimals have no JSON form: saying so beats writing floats silently.
    def refuse(place: str, value) -> None:
        raise NumberError(f"{place}: {value!r} has no JSON form (use int or float to save)")

    for i, v in enumerate(data.get("example_input", [])):
        if not isinstance(v, (int, float)):
            refuse(f"example_input[{i}]", v)
    for layer in data["layers"]:
        if not isinstance(layer.get("slope", 0), (int, float)):
            refuse(f"layer {layer['name']!r}, slope", layer["slope"])
        for n in layer["neurons"]:
            for k, w in enumerate(n["weights"] + [n.get("bias", 0)]):
                if not isinstance(w, (int, float)):
                    what = f"weights[{k}]" if k < len(n["weights"]) else "bias"
                    refuse(f"layer {layer['name']!r}, neuron {n['name']!r}, {what}", w)


def save(net: Network, path: str | os.PathLike) -> None:
    """Write the network to `path` as `scalarnet.network/1` JSON; `load` gives it back equal."""
    if not isinstance(net, Network):
        raise NetworkError(f"save: expected a Network, got {net!r}")
    text = dumps(net)  # before opening the file: a bad network leaves no half-written file
    write_atomic(path, text)  # a failed write leaves an earlier file as it was

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

from .network import Network
from .onnx_graph import _ACTIVATIONS, OPS, _model_error, _Reader

__all__ = ["from_onnx", "to_onnx", "OPS"]

MIN_OPSET = 13
# JSON: {"inputs": [...], "neurons": [[...], ...], "description": "...", "example_input": [...]}
_METADATA = "scalarnet.network"


def _onnx():
    try:
        import onnx
    except ImportError:
        raise _model_error("reading or writing ONNX needs the onnx package: "
                           "pip install onnx (or scalarnet[onnx])") from None
    return onnx


# -- reading -------------------------------------------------------------------------------------


def from_onnx(source, inputs=None, name: str | None = None, output: str | None = None,
              **kwargs) -> Network:
    """The network of an ONNX multilayer perceptron (a file path, bytes, or an `onnx.ModelProto`).

    Input names are `inputs`, else the ones scalarnet wrote into the file, else the
    graph input's name with an index (`input_0`, `input_1`, ...; the name alone for
    one feature). Layers are named after their `Gemm`/`MatMul` nodes (`/fc1/Gemm`,
    as torch.onnx.export names them, is `fc1`); `name`
    defaults to the graph's name; `kwargs` (`description`, `example_input`) go to
    `Network`. A graph of several outputs needs `output`, the one to read: only
    the nodes it depends on are read (skl2onnx's classifier: `output="probabilities"`,
    converted with `options={"zipmap": False}`; its `label` output is left out).
    """
    onnx = _onnx()
    model, label = _load_model(onnx, source)
    opsets = {o.domain: o.version for o in model.opset_import}
    opset = opsets.get("", opsets.get("ai.onnx"))
    if opset is None or opset < MIN_OPSET:
        raise _model_error(f"{label}: opset {opset} of the default domain: scalarnet reads "
                           f"opset {MIN_OPSET} and later (re-export with opset_version={MIN_OPSET} or more)")
    graph = model.graph
    reader = _Reader(onnx, graph, label, output)
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


# -- writing -------------------------------------------------------------------------------------


def to_onnx(net: Network, path: str | os.PathLike | None = None, opset: int = 17):
    """The network as a float64 ONNX `ModelProto`; with `path`, also written there (atomically).

    The graph's input `input` is rows x len(net.inputs) and its output `output`;
    each layer is a Gemm named after it, then its activation. `opset` is 13 or later (what
    from_onnx reads); anything else is a `ModelError`.
    """
    onnx = _onnx()
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    if not isinstance(net, Network):
        raise _model_error(f"to_onnx: expected a Network, got {net!r}")
    if not isinstance(opset, int) or opset < MIN_OPSET:
        raise _model_error(f"to_onnx: opset {opset!r}: scalarnet writes opset {MIN_OPSET} and later "
                           "(the ones from_onnx reads)")
    # each Gemm is named after its layer (as from_onnx names layers); the other nodes avoid those names
    nodes, initializers, used = [], [], {layer.name for layer in net.layers}
    current = "input"
    for k, layer in enumerate(net.layers):
        weights = np.array([[float(w) for w in n.weights] for n in layer.neurons], dtype=np.float64)
        biases = np.array([float(n.bias) for n in layer.neurons], dtype=np.float64)
        initializers += [numpy_helper.from_array(weights, f"W{k}"), numpy_helper.from_array(biases, f"B{k}")]
        z = f"z{k}"
        nodes.append(helper.make_node("Gemm", [current, f"W{k}", f"B{k}"], [z], name=layer.name,
                                       transB=True))  # weights one row per neuron
        act = layer.activation.name
        current = z
        if act != "identity":
            current = f"a{k}"
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
            # Softmax's default axis is the last (opset 13 on; before it, 1: the same for rows x features)
            op = next(o for o, a in _ACTIVATIONS.items() if a == act)
            nodes.append(helper.make_node(op, [z], [current], name=_unique(f"{layer.name}/{op}", used)))
    nodes.append(helper.make_node("Identity", [current], ["output"], name=_unique("output/Identity", used)))
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
    """Write beside the target, then replace it: a failure leaves what was there (an OutputError)."""
    from .outputs import write_atomic

    write_atomic(path, data)

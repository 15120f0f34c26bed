"""Interop behaviours mutation testing showed no test pinned (benchmarks/mutation.py interop): how a
network read from a model file is named and checked (its layers, neurons and inputs), which reader a
file's suffix picks, and torch's softmax on one row. Small graphs built with onnx.helper; fast."""

from __future__ import annotations

import json

import pytest

onnx = pytest.importorskip("onnx", reason="needs onnx (pip install onnx): the model files here are ONNX")
np = pytest.importorskip("numpy")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import scalarnet  # noqa: E402
from scalarnet.interop import ModelError, from_onnx, load_model_file, to_onnx  # noqa: E402


def chain(*widths, names=None, metadata=None, n_in=2):
    """An ONNX graph of MatMul layers of these widths; `names`: the nodes' names (default l0, l1, ...)."""
    nodes, inits, x, before = [], [], "x", n_in
    for k, width in enumerate(widths):
        out = "y" if k == len(widths) - 1 else f"h{k}"
        w = np.arange(1, before * width + 1, dtype=np.float64).reshape(before, width) / 10
        inits.append(numpy_helper.from_array(w, f"w{k}"))
        nodes.append(helper.make_node("MatMul", [x, f"w{k}"], [out], name=names[k] if names else f"l{k}"))
        x, before = out, width
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", n_in])],
                              [helper.make_tensor_value_info("y", TensorProto.DOUBLE, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    if metadata is not None:
        helper.set_model_props(model, {"scalarnet.network": json.dumps(metadata)})
    return model


def neuron_names(net):
    return [[n.name for n in layer.neurons] for layer in net.layers]


def test_neurons_are_named_by_layer_and_the_last_layer_output():
    net = from_onnx(chain(3, 2, 1))
    assert neuron_names(net) == [["node0_0", "node0_1", "node0_2"], ["node1_0", "node1_1"], ["output"]]
    assert neuron_names(from_onnx(chain(2, 3))) == [["node0_0", "node0_1"], ["output_0", "output_1", "output_2"]]


def test_stored_neuron_names_used_where_they_fit():
    net = from_onnx(chain(2, 1, metadata={"neurons": [["a", "b"], ["c", "d"]]}))
    assert neuron_names(net) == [["a", "b"], ["output"]]
    net = from_onnx(chain(2, 1, 2, metadata={"neurons": [["a", "b"], ["c"]]}))  # one layer short
    assert neuron_names(net) == [["a", "b"], ["c"], ["output_0", "output_1"]]
    net = from_onnx(chain(2, 1, metadata={"neurons": ["ab", ["c"]]}))  # a string is no list of names
    assert neuron_names(net) == [["node0_0", "node0_1"], ["c"]]


def test_layers_of_the_same_name_are_numbered():
    net = from_onnx(chain(2, 2, 2, 1, names=["fc", "fc", "fc", "out"]))
    assert [layer.name for layer in net.layers] == ["fc", "fc_2", "fc_3", "out"]
    net = from_onnx(chain(2, 2, names=["fc", "fc"]))
    assert [layer.name for layer in net.layers] == ["fc", "fc_2"]


def test_a_neuron_or_layer_scalarnet_refuses_names_its_layer():
    with pytest.raises(ModelError) as caught:
        from_onnx(chain(2, 1, metadata={"neurons": [["a", ""], ["c"]]}))
    assert str(caught.value) == "ONNX model: layer 'l0': neuron name: expected a non-empty string, got ''"


def test_a_network_scalarnet_refuses_is_a_model_error():
    with pytest.raises(ModelError) as caught:
        from_onnx(chain(2, 1, metadata={"inputs": ["a", "a"]}))
    assert str(caught.value) == "ONNX model: network 'g': two inputs are named 'a'"


def test_load_model_file_picks_the_reader_by_suffix(tmp_path):
    net = scalarnet.Network.from_matrices([[[1.0, 2.0]], [[3.0]]], [[0.5], [-1.0]], ["relu", "identity"])
    to_onnx(net, tmp_path / "m.ONNX")
    assert load_model_file(tmp_path / "m.ONNX") == net
    for suffix in (".keras", ".h5"):
        path = tmp_path / f"m{suffix}"
        path.write_text("hello")
        with pytest.raises(ModelError, match=r": not a Keras model \(neither a .keras zip nor an HDF5 file\)$"):
            load_model_file(path)
    with pytest.raises(ModelError, match=r"^'m.json': not a model file scalarnet reads by its suffix "
                                         r"\(.onnx, .keras, .h5\)$"):
        load_model_file("m.json")


def test_to_torch_softmax_of_one_row():
    torch = pytest.importorskip("torch", reason="needs torch (pip install torch)")
    from scalarnet.interop import to_torch

    net = scalarnet.Network.from_matrices([[[1.0, 2.0], [-1.0, 0.5], [0.25, 0.25]]], [[0.0, 1.0, -1.0]],
                                          ["softmax"])
    with torch.no_grad():
        one = to_torch(net)(torch.tensor([0.5, -2.0], dtype=torch.float64)).tolist()
        batch = to_torch(net)(torch.tensor([[0.5, -2.0], [1.0, 1.0]], dtype=torch.float64)).tolist()
    assert one == pytest.approx(net.forward([0.5, -2.0]), rel=1e-12)
    assert batch[1] == pytest.approx(net.forward([1.0, 1.0]), rel=1e-12)


def test_from_torch_first_layer_of_one_neuron_with_input_names():
    pytest.importorskip("torch", reason="needs torch (pip install torch)")
    import torch.nn as nn
    from scalarnet.interop import from_torch

    net = from_torch(nn.Sequential(nn.Linear(3, 1), nn.ReLU(), nn.Linear(1, 2)), inputs=["a", "b", "c"])
    assert (net.inputs, net.widths) == (["a", "b", "c"], [3, 1, 2])

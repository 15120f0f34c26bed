"""Network-file behaviours mutation testing showed no test pinned (benchmarks/mutation.py files): the
exact text `save` writes, the defaults a file may leave out, `activation=` on a scalarnet file, a
BOM, and the messages for malformed layers and neurons."""

import json
import math
import os

import pytest

import scalarnet
from scalarnet import (FileFormatError, Layer, Network, NetworkError, Neuron, ScalarnetError, get_activation,
                       load, save)
from scalarnet.files import FORMAT, dumps, loads


def _good():
    return {"format": FORMAT, "name": "t", "inputs": ["a", "b"], "layers": [
        {"name": "hidden1", "activation": "relu", "neurons": [
            {"name": "n0", "weights": [1, 2]}, {"name": "n1", "weights": [3, 4], "bias": 1}]},
        {"name": "output", "neurons": [{"name": "out", "weights": [1, 1]}]}]}


def test_dumps_writes_one_line_per_neuron():
    net = Network([Layer("h", [Neuron("a", [1.5], bias=-0.25)], get_activation("leaky_relu", slope=0.2)),
                   Layer("o", [Neuron("b", [1]), Neuron("c", [2])])],
                  name="n", description="d", example_input=[2])
    assert dumps(net) == """{
 "format": "scalarnet.network/1",
 "name": "n",
 "description": "d",
 "inputs": ["x0"],
 "example_input": [2],
 "layers": [
  {"name": "h", "activation": "leaky_relu", "slope": 0.2, "neurons": [
    {"name": "a", "weights": [1.5], "bias": -0.25}]},
  {"name": "o", "activation": "identity", "neurons": [
    {"name": "b", "weights": [1]},
    {"name": "c", "weights": [2]}]}
 ]
}
"""


def test_dumps_leaves_out_an_empty_description_and_no_example():
    text = dumps(Network([Layer("o", [Neuron("b", [1])])]))
    assert '"description"' not in text and '"example_input"' not in text


def test_a_file_may_leave_out_name_inputs_description_example_bias_activation():
    data = _good()
    del data["name"], data["inputs"]
    net = loads(json.dumps(data))
    assert (net.name, net.inputs, net.description, net.example_input) == ("network", ["x0", "x1"], "", None)
    assert net.layers[1].activation.name == "identity"
    assert net.layers[0].neurons[0].bias == 0 and type(net.layers[0].neurons[0].bias) is int
    assert net.forward([1, 1]) == [11]


def test_slope_read_from_the_file():
    data = _good()
    data["layers"][0].update(activation="leaky_relu", slope=0.5)
    net = loads(json.dumps(data))
    assert net.layers[0].activation == get_activation("leaky_relu", slope=0.5)
    assert net.forward([1, -1]) == [-0.5]  # leaky(1 - 2) + leaky(3 - 4 + 1) = -0.5 + 0.0


def test_activation_replaces_every_hidden_layer_not_the_output():
    net = loads(json.dumps(_good()), activation="tanh")
    assert [layer.activation.name for layer in net.layers] == ["tanh", "identity"]
    assert load("tutorial-deep", activation="identity").forward([3, 5]) == [-104]


def test_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.json"
    path.write_text("\ufeff" + json.dumps(_good()), encoding="utf-8")
    assert load(path).forward([1, 1]) == [11]


@pytest.mark.skipif(not os.path.isfile("/proc/self/mem"),
                    reason="needs Linux's /proc/self/mem, a file that exists but cannot be read")
def test_a_file_that_cannot_be_read():
    with pytest.raises(FileFormatError, match=r"^/proc/self/mem: cannot read \(Input/output error\)$"):
        load("/proc/self/mem")


def test_save_names_a_fraction_bias_as_the_bias(tmp_path):
    from fractions import Fraction

    net = Network([Layer("h", [Neuron("a", [1, 2], bias=Fraction(1, 2))])])
    with pytest.raises(ScalarnetError, match=r"^layer 'h', neuron 'a', bias: Fraction\(1, 2\) has no JSON form"):
        save(net, tmp_path / "x.json")


def _with(change):
    data = _good()
    change(data)
    return json.dumps(data)


BAD = [
    ("inputs-a-string", lambda d: d.update(inputs="ab"), FileFormatError,
     '<string>: "inputs": expected a list of names, got \'ab\''),
    ("layer-a-number", lambda d: d["layers"].__setitem__(0, 5), FileFormatError,
     "<string>: layers[0]: expected an object, got 5"),
    ("neuron-a-number", lambda d: d["layers"][0]["neurons"].__setitem__(0, 5), FileFormatError,
     "<string>: layers[0] ('hidden1'), neurons[0]: expected an object, got 5"),
    ("layer-without-name", lambda d: d["layers"][0].pop("name"), FileFormatError,
     '<string>: layers[0]: "name" is missing'),
    ("layer-name-a-number", lambda d: d["layers"][0].update(name=5), FileFormatError,
     '<string>: layers[0]: "name" should be a string, got 5'),
    ("neuron-name-a-number", lambda d: d["layers"][0]["neurons"][0].update(name=5), FileFormatError,
     '<string>: layers[0] (\'hidden1\'), neurons[0]: "name" should be a string, got 5'),
    ("neuron-name-empty", lambda d: d["layers"][0]["neurons"][0].update(name=""), NetworkError,
     "<string>: layers[0] ('hidden1'), neurons[0] (''): neuron name: expected a non-empty string, got ''"),
    ("slope-on-relu", lambda d: d["layers"][0].update(slope=0.5), NetworkError,
     "<string>: layers[0] ('hidden1'): activation 'relu' does not take slope (it takes no parameters)"),
    ("ragged-layer", lambda d: d["layers"][0]["neurons"][1].update(weights=[1]), NetworkError,
     "<string>: layers[0] ('hidden1'), neuron 'n1': 1 weights but neuron 'n0' has 2"),
    ("unknown-network-key", lambda d: d.update(oops=1), FileFormatError,
     "<string>: the network: unknown key 'oops' (known: format, name, description, inputs, example_input, layers)"),
    ("unknown-layer-key", lambda d: d["layers"][1].update(size=1), FileFormatError,
     "<string>: layers[1] ('output'): unknown key 'size' (known: name, activation, slope, neurons)"),
    ("layers-missing", lambda d: d.pop("layers"), FileFormatError, '<string>: the network: "layers" is missing'),
]


@pytest.mark.parametrize("change, kind, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_file_names_the_place(change, kind, message):
    with pytest.raises(kind) as info:
        loads(_with(change))
    assert str(info.value) == message


@pytest.mark.parametrize("text, label, message", [
    ("{}", "<string>", '<string>: no "format" key: expected a scalarnet network ("format": "scalarnet.network/1") '
                       "or a tutorial weight dict (keys node0, node1, ..., output)"),
    ("5", "x.json", "x.json: expected a JSON object, got int"),
], ids=["empty-object", "a-number"])
def test_not_a_network(text, label, message):
    with pytest.raises(FileFormatError) as info:
        loads(text, label)
    assert str(info.value) == message


def test_save_refuses_what_is_not_a_network(tmp_path):
    with pytest.raises(NetworkError, match=r"^save: expected a Network, got 'x'$"):
        save("x", tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def test_examples_are_every_bundled_file():
    assert scalarnet.examples() == ['iris-mlp', 'loan', 'tutorial-deep', 'tutorial-forward', 'tutorial-relu',
                                    'tutorial-tanh', 'xor']
    assert all(isinstance(load(name), Network) for name in scalarnet.examples())


def test_every_load_error_is_scalarnet_s_own(tmp_path):
    for bad in ("[", "{}", '{"format": 1}'):
        with pytest.raises(ScalarnetError):
            loads(bad)


# -- how much loads and load read (limits) -----------------------------------------------------------

def test_loads_takes_text_of_exactly_the_limit_and_refuses_one_more(monkeypatch):
    monkeypatch.setenv("SCALARNET_MAX_FILE_MB", "1")
    text = scalarnet.files.dumps(load("tutorial-deep"))
    padded = text + " " * (2 ** 20 - len(text))  # JSON allows whitespace after the value
    assert len(padded) == 2 ** 20
    assert scalarnet.loads(padded) == load("tutorial-deep")
    with pytest.raises(scalarnet.FileFormatError, match="longer than 1 MiB"):
        scalarnet.loads(padded + " ")


def test_load_of_a_name_too_long_for_the_file_system_is_a_file_format_error():
    with pytest.raises(scalarnet.FileFormatError, match=r"cannot read 'aaaa.*' \(File name too long\)"):
        load("a" * 300 + ".json")


def test_activation_replaces_the_hidden_layers_of_a_model_file_too(tmp_path):
    pytest.importorskip("onnx")
    from scalarnet.onnx_io import to_onnx

    path = tmp_path / "deep.onnx"
    to_onnx(load("tutorial-deep"), path)
    assert [layer.activation.name for layer in load(path).layers] == ["relu", "relu", "identity"]
    net = load(path, activation="tanh")
    assert [layer.activation.name for layer in net.layers] == ["tanh", "tanh", "identity"]
    # tutorial-deep on [3, 5]: hidden1 z = [26, -13]; hidden2 weights [-1, 2], [1, 2]; output [2, 7]
    h1 = [math.tanh(26), math.tanh(-13)]
    h2 = [math.tanh(-h1[0] + 2 * h1[1]), math.tanh(h1[0] + 2 * h1[1])]
    assert net.forward([3, 5]) == [pytest.approx(2 * h2[0] + 7 * h2[1], rel=1e-12)]

"""Network files: round trips, the tutorial's weight dict, bundled examples, and every bad file."""

import json
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalarnet
from scalarnet import FileFormatError, Layer, Network, NetworkError, Neuron, NumberError
from scalarnet.files import FORMAT, dumps, loads

TUTORIAL = ["tutorial-deep", "tutorial-forward", "tutorial-relu", "tutorial-tanh"]


def test_examples_lists_the_tutorial():
    assert [name for name in scalarnet.examples() if name.startswith("tutorial-")] == TUTORIAL


@pytest.mark.parametrize("name", TUTORIAL)
def test_example_round_trip(name, tmp_path):
    net = scalarnet.load(name)
    scalarnet.save(net, tmp_path / "net.json")
    again = scalarnet.load(tmp_path / "net.json")
    assert again == net
    assert again.forward(again.example_input) == net.forward(net.example_input)


numbers = st.one_of(st.integers(-50, 50), st.floats(-1e6, 1e6, allow_nan=False))


@st.composite
def networks(draw):
    widths = draw(st.lists(st.integers(1, 5), min_size=2, max_size=5))
    layers = []
    for k, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
        act = draw(st.sampled_from(scalarnet.ACTIVATIONS))
        params = {"slope": draw(numbers)} if act == "leaky_relu" else {}
        neurons = [Neuron(f"n{k}_{j}", draw(st.lists(numbers, min_size=n_in, max_size=n_in)),
                          draw(numbers)) for j in range(n_out)]
        layers.append(Layer(f"layer{k}", neurons, scalarnet.get_activation(act, **params)))
    return Network(layers, name=draw(st.text(max_size=8)),
                   description=draw(st.text(max_size=20)))


@settings(max_examples=100, deadline=None)
@given(net=networks())
def test_random_network_round_trip(net):
    assert loads(dumps(net)) == net


def test_save_writes_documented_format(tmp_path):
    path = tmp_path / "deep.json"
    scalarnet.save(scalarnet.load("tutorial-deep"), path)
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT
    assert data["inputs"] == ["x0", "x1"]
    assert data["layers"][1] == {"name": "hidden2", "activation": "relu", "neurons": [
        {"name": "node1_0", "weights": [-1, 2]}, {"name": "node1_1", "weights": [1, 2]}]}


def test_bias_and_slope_survive(tmp_path):
    net = Network([Layer("h", [Neuron("a", [1.5], bias=-0.25)],
                         scalarnet.get_activation("leaky_relu", slope=0.2))])
    assert loads(dumps(net)) == net
    assert '"slope": 0.2' in dumps(net) and '"bias": -0.25' in dumps(net)


@pytest.mark.parametrize("bias, output", [
    (0, "[40]"),
    (0.0, "[40.0]"),
    (-0.0, "[40.0]"),
], ids=["int-zero", "float-zero", "negative-zero"])
def test_zero_bias_keeps_its_type(bias, output):
    # 40*1 + 0*1 + 0.0 is 40.0: a float zero bias dropped on save would come back as the int 0
    again = loads(dumps(Network([Layer("h", [Neuron("a", [1, 1], bias=bias)])])))
    assert (repr(again.layers[0].neurons[0].bias), str(again.forward([40, 0]))) == (repr(bias), output)


def test_tutorial_dict_file(tmp_path):
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({'node0_0': [2, 4], 'node0_1': [4, -5], 'node1_0': [-1, 2],
                                'node1_1': [1, 2], 'output': [2, 7]}))
    # identity: hidden [26, -13], then [-26 - 26, 26 - 26] = [-52, 0], output -52*2 + 0*7
    assert scalarnet.load(path).forward([3, 5]) == [-104]
    assert scalarnet.load(path, activation="relu").forward([3, 5]) == [182]


@pytest.mark.parametrize("weight, activation, example_input, message", [
    (Fraction(1, 3), "identity", None, "layer 'h', neuron 'a', weights[0]: Fraction(1, 3) has no JSON form"),
    (1, scalarnet.get_activation("leaky_relu", slope=Fraction(1, 10)), None,
     "layer 'h', slope: Fraction(1, 10) has no JSON form"),
    (1, scalarnet.get_activation("leaky_relu", slope=Decimal("0.1")), None,
     "layer 'h', slope: Decimal('0.1') has no JSON form"),
    (1, "identity", [Fraction(1, 2)], "example_input[0]: Fraction(1, 2) has no JSON form"),
], ids=["weight", "slope-fraction", "slope-decimal", "example-input"])
def test_save_refuses_fraction_and_writes_nothing(weight, activation, example_input, message, tmp_path):
    net = Network([Layer("h", [Neuron("a", [weight])], activation)], example_input=example_input)
    path = tmp_path / "out.json"
    with pytest.raises(NumberError, match="^" + re.escape(message + " (use int or float to save)") + "$"):
        scalarnet.save(net, path)
    assert not path.exists()


def good():
    return {"format": FORMAT, "name": "t", "inputs": ["a", "b"], "layers": [
        {"name": "hidden1", "activation": "relu", "neurons": [
            {"name": "n0", "weights": [1, 2]}, {"name": "n1", "weights": [3, 4], "bias": 1}]},
        {"name": "output", "neurons": [{"name": "out", "weights": [1, 1]}]}]}


def changed(path, value):
    """good() with the item at `path` (a list of keys) set to `value` (or deleted if ...)."""
    data = good()
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(data)


BAD_FILES = [
    ("syntax", '{"format": "scalarnet.network/1",\n "name": "t" "layers": []}', FileFormatError,
     "f.json: line 2, column 14: invalid JSON: Expecting ',' delimiter"),
    ("true-weight", changed(["layers", 0, "neurons", 1, "weights", 0], True), NumberError,
     "f.json: layers[0] ('hidden1'), neurons[1] ('n1'), weights[0]: expected a number, got True (bool)"),
    ("string-weight", changed(["layers", 0, "neurons", 0, "weights", 1], "3"), NumberError,
     "f.json: layers[0] ('hidden1'), neurons[0] ('n0'), weights[1]: expected a number, got '3' (str)"),
    ("null-bias", changed(["layers", 0, "neurons", 0, "bias"], None), NumberError,
     "f.json: layers[0] ('hidden1'), neurons[0] ('n0'), bias: expected a number, got None"),
    ("duplicate-neurons", changed(["layers", 0, "neurons", 1, "name"], "n0"), NetworkError,
     "f.json: layers[0] ('hidden1'): two neurons are named 'n0'"),
    ("empty-layer", changed(["layers", 1, "neurons"], []), NetworkError,
     "f.json: layers[1] ('output'): no neurons"),
    ("no-layers", changed(["layers"], []), NetworkError, "f.json: network 't': no layers"),
    ("version", changed(["format"], "scalarnet.network/2"), FileFormatError,
     "f.json: unknown format 'scalarnet.network/2' (this scalarnet reads 'scalarnet.network/1')"),
    ("unknown-key", changed(["layers", 0, "neurons", 0, "wieghts"], [1, 2]), FileFormatError,
     "f.json: layers[0] ('hidden1'), neurons[0] ('n0'): unknown key 'wieghts' (known: name, weights, bias)"),
    ("missing-weights", changed(["layers", 0, "neurons", 0, "weights"], ...), FileFormatError,
     """f.json: layers[0] ('hidden1'), neurons[0] ('n0'): "weights" is missing"""),
    ("weights-not-list", changed(["layers", 0, "neurons", 0, "weights"], 5), FileFormatError,
     """f.json: layers[0] ('hidden1'), neurons[0] ('n0'): "weights" should be a list, got 5"""),
    ("bad-activation", changed(["layers", 0, "activation"], "rleu"), NetworkError,
     "f.json: layers[0] ('hidden1'): unknown activation 'rleu' (known: identity, leaky_relu, relu, sigmoid, softmax, tanh)"),
    ("wrong-width", changed(["layers", 1, "neurons", 0, "weights"], [1, 2, 3]), NetworkError,
     "f.json: layer 'output', neuron 'out': 3 weights but the layer before has 2 outputs"),
    ("too-many-inputs", changed(["inputs"], ["a", "b", "c"]), NetworkError,
     "f.json: layer 'hidden1', neuron 'n0': 2 weights but the network has 3 inputs (a, b, c)"),
    ("name-not-string", changed(["name"], 5), NetworkError, "f.json: network name: expected a string, got 5"),
    ("not-object", "[1, 2]", FileFormatError, "f.json: expected a JSON object, got list"),
    ("neither", '{"weights": [1]}', FileFormatError, 'f.json: no "format" key'),
    ("tutorial-key-typo", '{"node0": [1, 1], "ouput": [1]}', NetworkError,
     "f.json: tutorial weights: key 'ouput' is not a node name (expected node0, node1, ... or node0_0, "
     "node1_0, ..., and output)"),
    ("bad-example-input", changed(["example_input"], [1]), NetworkError,
     "f.json: example_input: network 't': 1 input value but the network has 2 inputs (a, b)"),
    ("duplicate-key", changed(["layers", 0, "neurons", 0, "bias"], 5).replace('"bias": 5', '"bias": 5, "bias": 6'),
     FileFormatError, 'f.json: "bias" is given twice in one object (JSON would keep only the last)'),
    ("int-too-long", '{"node0": [1%s], "output": [1]}' % ("0" * 5000), FileFormatError,
     "f.json: cannot read a number: an integer of more than 4300 digits (Python's limit; "
     "sys.set_int_max_str_digits() raises it)"),
    ("nested-too-deep", '{"node0": %s1%s, "output": [1]}' % ("[" * 100_000, "]" * 100_000), FileFormatError,
     "f.json: cannot read JSON nested this deep (maximum recursion depth exceeded while decoding"),
    ("duplicate-tutorial-key", '{"node0": [1, 1], "node0": [5, 5], "output": [1]}', FileFormatError,
     'f.json: "node0" is given twice in one object (JSON would keep only the last)'),
]


@pytest.mark.parametrize("text, kind, message", [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES])
def test_bad_file_message(text, kind, message, tmp_path):
    path = tmp_path / "f.json"
    path.write_text(text)
    with pytest.raises(kind, match="^" + re.escape(message.replace("f.json", str(path)))):
        scalarnet.load(path)


def test_missing_file_names_examples():
    with pytest.raises(FileFormatError, match=re.escape(
            "no file or bundled example named 'nope.json' (examples: ") + ".*tutorial-deep, tutorial-forward,"):
        scalarnet.load("nope.json")


@pytest.mark.parametrize("source", [None, 5, ["tutorial-deep"]], ids=repr)
def test_load_of_something_not_a_path(source):
    with pytest.raises(FileFormatError, match="^" + re.escape(
            f"load: expected a file path or a bundled example's name, got {source!r}") + "$"):
        scalarnet.load(source)


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(FileFormatError, match="is not a file"):
        scalarnet.load(tmp_path)


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"], ids=["plain", "bom"])
def test_utf8_file_with_or_without_bom(prefix, tmp_path):
    path = tmp_path / "weights.json"
    path.write_bytes(prefix + b'{"node0": [1, 1], "node1": [1, -1], "output": [1, -1]}')
    assert scalarnet.load(path).trace([40, 0]).layers[0].a == [40, 40]


def test_not_utf8(tmp_path):
    path = tmp_path / "f.json"
    path.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(FileFormatError, match="not UTF-8 text"):
        scalarnet.load(path)

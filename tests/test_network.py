"""The engine: neurons, layers, networks and traces, their types, texts and errors."""

import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from scalarnet import (InputError, Layer, Network, NetworkError, Neuron, NumberError,
                       ScalarnetError, load)

nan, inf = math.nan, math.inf


def deep():
    return load("tutorial-deep")


# -- types are kept --------------------------------------------------------------------------

@pytest.mark.parametrize("x, weights, expected", [
    ([3, 5], [[2, 4]], 26),
    ([3.0, 5], [[2, 4]], 26.0),
    ([Fraction(1, 3), Fraction(1, 6)], [[3, 6]], Fraction(2)),
    ([Decimal("0.1"), Decimal("0.2")], [[1, 1]], Decimal("0.3")),
], ids=["int", "float", "fraction", "decimal"])
def test_network_keeps_number_type(x, weights, expected):
    out = Network.from_matrices([weights]).forward(x)
    assert out == [expected] and type(out[0]) is type(expected)


@pytest.mark.parametrize("activation", ["identity", "relu", "leaky_relu"])
@pytest.mark.parametrize("kind", [Fraction, Decimal], ids=["fraction", "decimal"])
def test_exact_numbers_through_hidden_activation(activation, kind):
    net = Network.from_matrices([[[kind(1), kind(-2)]], [[kind(3)]]], activations=activation)
    out = net.forward([kind(1), kind(2)])
    assert type(out[0]) is kind
    expected = {"identity": kind(-9), "relu": kind(0), "leaky_relu": kind("-0.09")}[activation]
    assert out == [expected]


def test_layer_of_one_neuron_returns_a_list():
    layer = Layer("output", [Neuron("output", [2, 7])])
    assert layer([0, 26]) == [182]


@pytest.mark.parametrize("make", [list, tuple, iter], ids=["list", "tuple", "iterator"])
def test_layer_and_network_take_any_iterable(make):
    layer = Layer("h", make([Neuron("a", [1, 1]), Neuron("b", [1, -1])]))
    net = Network(make([layer, Layer("out", [Neuron("o", [1, -1])])]))
    assert (len(layer), net.trace([40, 0]).layers[0].a, net.forward([40, 0])) == (2, [40, 40], [0])


def test_neuron_bias_added_after_products():
    n = Neuron("n", [0.5, 0.25], bias=0.125)
    assert n.weighted_sum([2, 4]) == 2.125
    assert n.products([2, 4]) == ([1.0, 1.0], 2.125)


# -- building -----------------------------------------------------------------------------

def test_from_matrices_equals_tutorial_dict():
    by_matrices = Network.from_matrices([[[2, 4], [4, -5]], [[-1, 2], [1, 2]], [[2, 7]]],
                                        activations="relu")
    by_dict = Network.from_tutorial_weights(
        {'node0_0': [2, 4], 'node0_1': [4, -5], 'node1_0': [-1, 2], 'node1_1': [1, 2],
         'output': [2, 7]}, activation="relu")
    assert by_matrices == by_dict


def test_from_matrices_numpy_arrays_biases_and_activation_list():
    w = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, -1.0]])]
    b = [np.array([0.5, -0.5]), np.array([0.25])]
    net = Network.from_matrices(w, b, activations=["relu", "sigmoid"])
    z1 = [1 * 1 + 2 * 2 + 0.5, 3 * 1 + 4 * 2 - 0.5]
    z2 = z1[0] - z1[1] + 0.25
    assert net.forward(np.array([1.0, 2.0])) == [pytest.approx(1 / (1 + math.exp(-z2)), rel=1e-14)]
    assert [layer.activation.name for layer in net.layers] == ["relu", "sigmoid"]
    assert all(type(w) is float for w in net.layers[0].neurons[0].weights)


def test_from_matrices_names():
    net = Network.from_matrices([[[1], [2]], [[1, 1], [1, 1]]])
    assert [[n.name for n in layer.neurons] for layer in net.layers] == [
        ["node0_0", "node0_1"], ["output_0", "output_1"]]
    assert net.inputs == ["x0"]


def test_tutorial_weights_several_outputs():
    net = Network.from_tutorial_weights({"node0": [1], "output_0": [2], "output_1": [3]})
    assert net.forward([5]) == [10, 15]


# -- running ------------------------------------------------------------------------------

def test_forward_many_one_row_at_a_time():
    assert deep().forward_many([[3, 5], [0, 0], [1, 1]]) == [[182], [0], [deep().forward([1, 1])[0]]]


def test_forward_many_error_names_the_row():
    with pytest.raises(InputError, match=r"^row 1: network 'tutorial-deep': 1 input value but"):
        deep().forward_many([[3, 5], [3]])


# -- traces -------------------------------------------------------------------------------

def test_trace_records_everything():
    t = deep().trace([3, 5])
    n = t.neuron("hidden1.node0_1")
    assert (n.inputs, n.weights, n.products, n.bias, n.z, n.a) == ([3, 5], [4, -5], [12, -25], 0, -13, 0)
    assert t.neuron("node1_1").z == 26
    assert t.layer("hidden2").a == [0, 26]
    assert t.to_dict() == {"inputs": {"x0": 3, "x1": 5},
                           "layers": [{"name": "hidden1", "z": [26, -13], "a": [26, 0]},
                                      {"name": "hidden2", "z": [-26, 26], "a": [0, 26]},
                                      {"name": "output", "z": [182], "a": [182]}],
                           "output": [182]}


@pytest.mark.parametrize("neuron, line", [
    (Neuron("n", [2], bias=0.5), "n: 3*2 + 0.5 = 6.5"),
    (Neuron("n", [2], bias=-1), "n: 3*2 + (-1) = 5"),
    (Neuron("n", [Fraction(1, 2)]), "n: 3*(1/2) = 3/2"),
    (Neuron("n", [0.1]), "n: 3*0.1 = 0.30000000000000004"),
], ids=["float-bias", "negative-bias", "fraction", "shortest-float"])
def test_trace_line_format(neuron, line):
    net = Network([Layer("output", [neuron])])
    assert str(net.trace([3]).neuron("n")) == line


def test_trace_line_of_long_ints_is_bounded():
    # str() of an int refuses more than 4300 digits (sys.get_int_max_str_digits); a product can have
    # more, and a line of 30 layers of 4000-digit ints was 6 MB: past 50 digits, the ends and the count
    big = 10 ** 2500 + 1234
    net = Network([Layer("out", [Neuron("n", [big])])])
    assert str(net.trace([big]).neuron("n")) == ("n: 1000...1234 (2501 digits)*1000...1234 (2501 digits)"
                                                 " = 1000...2756 (5001 digits)")
    assert str(net.trace([10 ** 49]).neuron("n")).startswith("n: 1" + "0" * 49 + "*")  # 50 digits: in full


def test_trace_digits():
    net = Network([Layer("h", [Neuron("n", [0.1])], "sigmoid")])
    record = net.trace([3]).neuron("n")
    assert record.text(digits=3) == "n: 3*0.1 = 0.3 -> sigmoid(0.3) = 0.574"
    assert str(record) == ("n: 3*0.1 = 0.30000000000000004 -> "
                           "sigmoid(0.30000000000000004) = 0.574442516811659")


@pytest.mark.parametrize("digits", [0, -1, 2.5, "3", 18, 10 ** 20], ids=repr)
def test_trace_digits_out_of_range(digits):
    record = Network([Layer("h", [Neuron("n", [0.1])])]).trace([3]).neuron("n")
    with pytest.raises(NumberError, match="^" + re.escape(
            f"digits: expected a whole number from 1 to 17, got {digits!r}") + "$"):
        record.text(digits)


def test_trace_softmax_line_names_the_layer_values():
    net = Network([Layer("out", [Neuron("a", [1]), Neuron("b", [-1])], "softmax")])
    t = net.trace([0])
    assert [str(n) for n in t.neurons()] == [
        "a: 0*1 = 0 -> softmax([0, 0])[0] = 0.5",
        "b: 0*(-1) = 0 -> softmax([0, 0])[1] = 0.5"]


@pytest.mark.parametrize("x, first", [
    ([nan, 1], "hidden1.node0_0"),
    ([1, inf], "hidden1.node0_0"),
    ([1e308, 1e308], "hidden1.node0_0"),
], ids=["nan-input", "inf-input", "overflow"])
def test_trace_marks_first_nonfinite(x, first):
    net = Network.from_matrices([[[1, 1], [0, 0]], [[1, 1]]])
    t = net.trace(x)
    assert t.first_nonfinite.path == first
    assert str(t.first_nonfinite).endswith("  <- first non-finite value")
    assert sum("<- first non-finite" in line for line in str(t).splitlines()) == 1


def test_trace_nan_follows_ieee_rules():
    net = Network.from_matrices([[[1, 0]], [[0]]])
    assert math.isnan(net.forward([nan, 1])[0])  # nan*0 is nan
    assert net.trace([1, 2]).first_nonfinite is None


def dotted():
    """Names holding dots: layer 'h.1' has neurons 'a.b' and 'c', layer 'out' has 'a.b' too."""
    return Network([Layer("h.1", [Neuron("a.b", [1]), Neuron("c", [2])]), Layer("out", [Neuron("a.b", [1, 10])])])


@pytest.mark.parametrize("path, layer, neuron", [
    ("h.1.a.b", "h.1", "a.b"),
    ("h.1.c", "h.1", "c"),
    ("out.a.b", "out", "a.b"),
    ("c", "h.1", "c"),
], ids=["dotted-layer-and-neuron", "dotted-layer", "dotted-neuron", "name-alone"])
def test_lookup_of_names_with_dots(path, layer, neuron):
    net = dotted()
    assert net.neuron(path) is net.layer(layer).neuron(neuron)
    assert net.trace([1]).neuron(path).path == f"{layer}.{neuron}"


@pytest.mark.parametrize("path, net_message, trace_message", [
    ("a.b", "network 'network': no single neuron 'a.b' (several layers have one; name it as 'layer.neuron')",
     "neuron name 'a.b' is in several layers: say which (h.1.a.b, out.a.b)"),
    ("h.1.x", "layer 'h.1' has no neuron 'x' (it has: a.b, c)",
     "layer 'h.1' has no neuron 'x' (it has: a.b, c)"),
    ("h.2.c", "network 'network' has no layer 'h' (layers: h.1, out)", "no layer 'h' in the trace (layers: h.1, out)"),
    (3, "network 'network': expected a neuron's name ('layer.neuron', or its name alone), got 3",
     "expected a neuron's name ('layer.neuron', or its name alone), got 3"),
], ids=["ambiguous", "no-such-neuron", "no-such-layer", "not-a-string"])
def test_lookup_errors_with_dots(path, net_message, trace_message):
    with pytest.raises(NetworkError, match="^" + re.escape(net_message) + "$"):
        dotted().neuron(path)
    with pytest.raises(InputError, match="^" + re.escape(trace_message) + "$"):
        dotted().trace([1]).neuron(path)


def test_trace_lookup_errors():
    net = Network.from_matrices([[[1]], [[1]]])
    t = net.trace([1])
    with pytest.raises(InputError, match="no neuron 'nope' in the trace"):
        t.neuron("nope")
    with pytest.raises(InputError, match=r"no layer 'x' in the trace \(layers: hidden1, output\)"):
        t.layer("x")


# -- bad input ----------------------------------------------------------------------------

def huge():
    return Network([Layer("out", [Neuron("a", [1]), Neuron("n", [10 ** 400])])])


def decimal():
    return Network([Layer("out", [Neuron("n", [Decimal("0.5")])])])


HUGE = ("layer 'out', neuron 'n': an int beyond a float's range (about 1.8e308) meets a float; "
        "use ints and Fractions only, or floats only")

BAD = [
    ("wrong-width", lambda: Network([Layer("hidden1", [Neuron("node0_0", [1, 2, 3]), Neuron("node0_1", [1, 2, 3])]),
                                     Layer("output", [Neuron("o", [1, 2, 3])])]),
     NetworkError, "layer 'output', neuron 'o': 3 weights but the layer before has 2 outputs"),
    ("inputs-vs-weights", lambda: Network([Layer("h", [Neuron("n", [1, 2])])], inputs=["a"]),
     NetworkError, "layer 'h', neuron 'n': 2 weights but the network has 1 inputs (a)"),
    ("ragged-layer", lambda: Layer("h", [Neuron("a", [1, 2]), Neuron("b", [1])]),
     NetworkError, "layer 'h', neuron 'b': 1 weights but neuron 'a' has 2"),
    ("duplicate-neuron", lambda: Layer("h", [Neuron("a", [1]), Neuron("a", [1])]),
     NetworkError, "layer 'h': two neurons are named 'a'"),
    ("empty-layer", lambda: Layer("h", []), NetworkError, "layer 'h': no neurons"),
    ("no-layers", lambda: Network([]), NetworkError, "network 'network': no layers"),
    ("one-neuron-not-list", lambda: Layer("h", Neuron("a", [1])), NetworkError,
     "layer 'h': expected a list of neurons, got Neuron('a', [1])"),
    ("one-layer-not-list", lambda: Network(Layer("h", [Neuron("a", [1])])), NetworkError,
     "network 'network': expected a list of layers, got Layer('h', <1 neuron>, 'identity')"),
    ("duplicate-layer", lambda: Network([Layer("h", [Neuron("a", [1])]), Layer("h", [Neuron("b", [1])])]),
     NetworkError, "network 'network': two layers are named 'h'"),
    ("inputs-a-string", lambda: Network([Layer("h", [Neuron("a", [1, 1])])], inputs="ab"), NetworkError,
     "network 'network': expected a list of input names, got 'ab'"),
    ("inputs-a-number", lambda: Network([Layer("h", [Neuron("a", [1, 1])])], inputs=2), NetworkError,
     "network 'network': expected a list of input names, got 2"),
    ("name-not-string", lambda: Network([Layer("h", [Neuron("a", [1])])], name=5), NetworkError,
     "network name: expected a string, got 5"),
    ("description-not-string", lambda: Network([Layer("h", [Neuron("a", [1])])], description=["x"]),
     NetworkError, "network 'network', description: expected a string, got ['x']"),
    ("duplicate-input", lambda: Network([Layer("h", [Neuron("a", [1, 1])])], inputs=["x", "x"]),
     NetworkError, "network 'network': two inputs are named 'x'"),
    ("bool-weight", lambda: Neuron("n", [1, True]), NumberError,
     "neuron 'n', weight 1: expected a number, got True (bool)"),
    ("string-weight", lambda: Neuron("n", ["3"]), NumberError,
     "neuron 'n', weight 0: expected a number, got '3' (str)"),
    ("string-bias", lambda: Neuron("n", [1], bias="0"), NumberError,
     "neuron 'n', bias: expected a number, got '0' (str)"),
    ("no-weights", lambda: Neuron("n", []), NetworkError, "neuron 'n': no weights"),
    ("weights-not-list", lambda: Neuron("n", "12"), NetworkError,
     "neuron 'n': weights must be a list of numbers, got '12'"),
    ("too-few-inputs", lambda: deep().forward([3]), InputError,
     "network 'tutorial-deep': 1 input value but the network has 2 inputs (x0, x1)"),
    ("string-input", lambda: deep().forward("35"), InputError,
     "network 'tutorial-deep': expected the input values as a list or a dict by name"),
    ("set-input", lambda: deep().forward({5, 3}), InputError,  # a set has no order: {5, 3} iterates as 3, 5
     "network 'tutorial-deep': expected the input values as a list or a dict by name (x0, x1), got {3, 5}"),
    ("rows-not-iterable", lambda: deep().forward_many(3), InputError,
     "network 'tutorial-deep': expected the rows as a list of inputs, got 3"),
    ("rows-a-dict", lambda: deep().forward_many({"x0": 3, "x1": 5}), InputError,
     "network 'tutorial-deep': expected the rows as a list of inputs, got {'x0': 3, 'x1': 5}"),
    ("missing-input", lambda: load("tutorial-forward").forward({"age": 40}), InputError,
     "input 'retired' is missing (expected: age, retired)"),
    ("unknown-input", lambda: load("tutorial-forward").forward({"age": 40, "retird": 0}), InputError,
     "unknown input 'retird' (expected: age, retired)"),
    ("input-not-number", lambda: deep().forward([3, "5"]), NumberError,
     "input 'x1': expected a number, got '5' (str)"),
    ("neuron-input-count", lambda: Neuron("n", [1, 2]).weighted_sum([1]), InputError,
     "neuron 'n': 1 inputs but 2 weights"),
    ("tutorial-bad-key", lambda: Network.from_tutorial_weights({"nod0": [1], "output": [1]}), NetworkError,
     "tutorial weights: key 'nod0' is not a node name"),
    ("tutorial-gap", lambda: Network.from_tutorial_weights({"node0": [1], "node2": [1], "output": [1, 1]}),
     NetworkError, "tutorial weights: hidden layer 0 node 1 is missing (found 0, 2)"),
    ("tutorial-same-node", lambda: Network.from_tutorial_weights({"node0": [1], "node0_0": [2], "output": [1]}),
     NetworkError, "tutorial weights: keys 'node0' and 'node0_0' name the same node"),
    ("tutorial-leading-zero", lambda: Network.from_tutorial_weights({"node1": [1], "node0": [1], "node01": [2],
                                                                     "output": [1, 1]}),
     NetworkError, "tutorial weights: keys 'node1' and 'node01' name the same node"),
    ("tutorial-same-output", lambda: Network.from_tutorial_weights({"node0": [1], "output": [1], "output_0": [2]}),
     NetworkError, "tutorial weights: keys 'output' and 'output_0' name the same node"),
    ("tutorial-no-output", lambda: Network.from_tutorial_weights({"node0": [1]}), NetworkError,
     "tutorial weights: no 'output' node"),
    ("tutorial-bool", lambda: Network.from_tutorial_weights({"node0": [True], "output": [1]}), NumberError,
     "layer 'hidden1', neuron 'node0', weight 0: expected a number, got True (bool)"),
    ("matrices-bias-count", lambda: Network.from_matrices([[[1]]], biases=[[0, 0]]), NetworkError,
     "layer 'output', 2 biases for 1 neurons"),
    ("matrices-biases-a-number", lambda: Network.from_matrices([[[1]]], biases=0), NetworkError,
     "from_matrices: expected a list of bias vectors, one per layer, got 0"),
    ("matrices-bias-vector-a-number", lambda: Network.from_matrices([[[1]], [[1]]], biases=[[0], 0]),
     NetworkError, "layer 'output', biases: expected a list, one per neuron, got 0"),
    ("matrices-activation-a-number", lambda: Network.from_matrices([[[1]], [[1]]], activations=3),
     NetworkError, "unknown activation 3 (known: identity, leaky_relu, relu, sigmoid, softmax, tanh)"),
    ("no-neuron", lambda: deep().neuron("hidden1.nope"), NetworkError,
     "layer 'hidden1' has no neuron 'nope' (it has: node0_0, node0_1)"),
    # Python raises OverflowError for 1.5 * 10**400 (IEEE would say inf)
    ("float-meets-huge-int", lambda: huge().forward([1.5]), NumberError, HUGE),
    ("float-meets-huge-int-trace", lambda: huge().trace([1.5]), NumberError, HUGE),
    ("float-meets-huge-int-many", lambda: huge().forward_many([[1], [1.5]]), NumberError, "row 1: " + HUGE),
    ("float-meets-decimal", lambda: decimal().forward([1.5]), NumberError,
     "layer 'out', neuron 'n': unsupported operand type(s) for *: 'float' and 'decimal.Decimal'; "
     "a Decimal computes only with ints and Decimals (tanh, sigmoid and softmax give floats): "
     "use Decimal inputs and weights with identity, relu and leaky_relu, or floats"),
    ("fraction-meets-decimal-trace", lambda: decimal().trace([Fraction(1, 2)]), NumberError,
     "layer 'out', neuron 'n': unsupported operand type(s) for *: 'Fraction' and 'decimal.Decimal'"),
]


@pytest.mark.parametrize("call, kind, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_message(call, kind, message):
    with pytest.raises(kind, match="^" + re.escape(message)) as info:
        call()
    assert isinstance(info.value, ScalarnetError)
    assert isinstance(info.value, (ValueError, TypeError))

"""Behaviours that mutation testing showed no test pinned: conventions at boundaries, input checks,
security. Each would change unnoticed without its test (benchmarks/mutation.py)."""

import math
from fractions import Fraction

import numpy as np
import pytest

from scalarnet import (InputError, Layer, Network, NetworkError, Neuron, NumberError, ScalarnetError,
                       compare, get_activation, load, train)


# --- the derivative at 0 (PyTorch's convention) and values at 0 --------------------------------

@pytest.mark.parametrize("z", [0, 0.0, -0.0, Fraction(0)], ids=["int", "float", "minus-zero", "fraction"])
def test_relu_derivative_at_zero_is_zero(z):
    # z = 0 is easy to hit with ints: weights [1, -1] and input [2, 2]
    assert get_activation("relu").derivative(z) == 0


@pytest.mark.parametrize("slope", [0.01, 0.2, Fraction(1, 10)])
def test_leaky_relu_derivative_at_zero_is_the_slope(slope):
    act = get_activation("leaky_relu", slope=slope)
    assert act.derivative(0) == slope
    assert act.derivative(1e-300) == 1
    assert act.derivative(-1e-300) == slope


def test_relu_and_leaky_relu_at_zero_values_and_types():
    relu = get_activation("relu")
    assert relu(0) == 0 and type(relu(0)) is int
    zero = relu(-0.0)
    assert type(zero) is float and zero == 0.0
    leaky = get_activation("leaky_relu", slope=0.01)
    assert leaky(0.0) == 0.0 and type(leaky(0.0)) is float
    assert type(get_activation("leaky_relu", slope=Fraction(1, 100))(0)) is Fraction


def test_relu_derivative_at_zero_agrees_with_torch():
    torch = pytest.importorskip("torch", reason="needs torch (pip install torch)")
    for name, act, module in [("relu", get_activation("relu"), torch.nn.ReLU()),
                              ("leaky_relu", get_activation("leaky_relu", slope=0.01),
                               torch.nn.LeakyReLU(0.01))]:
        z = torch.tensor([0.0, -0.0], dtype=torch.float64, requires_grad=True)
        module(z).sum().backward()
        assert [act.derivative(0.0), act.derivative(-0.0)] == z.grad.tolist(), name


def test_gradient_through_relu_at_zero_in_a_network():
    # node0 = 2*1 + 2*(-1) = 0: relu'(0) = 0, so nothing flows back through it
    net = Network([Layer("h", [Neuron("node0", [1, -1])], "relu"), Layer("o", [Neuron("out", [3])])])
    g = net.gradients([2, 2], [1])
    assert g.neuron("node0").dz == 0
    assert g.dx == [0, 0]


# --- the trace marks the first non-finite value -------------------------------------------------

def test_first_nonfinite_marked_when_only_z_is_infinite():
    # sigmoid(inf) = 1.0 is finite: the neuron must still be marked, at its z
    net = Network([Layer("h", [Neuron("s", [1.0])], "sigmoid"), Layer("o", [Neuron("out", [2.0])])])
    trace = net.trace([math.inf])
    assert trace.first_nonfinite is not None and trace.first_nonfinite.name == "s"
    assert "s: inf*1.0 = inf -> sigmoid(inf) = 1.0  <- first non-finite value" in str(trace)


def test_first_nonfinite_is_the_first_not_a_later_one():
    net = Network([Layer("h", [Neuron("a", [1.0]), Neuron("b", [2.0])]), Layer("o", [Neuron("out", [1.0, 1.0])])])
    trace = net.trace([math.inf])
    assert trace.first_nonfinite.name == "a"
    assert str(trace).count("<- first non-finite value") == 1


def test_all_finite_trace_marks_nothing():
    trace = load("tutorial-deep").trace([3, 5])
    assert trace.first_nonfinite is None
    assert "non-finite" not in str(trace)


# --- backprop -----------------------------------------------------------------------------------

def test_saturated_softmax_cross_entropy_dl_da_zero_over_zero_is_zero():
    # softmax(-1000, 1000) = [0.0, 1.0]: dL/da = -t/a is 0/0 for the target-0 neuron; that is 0
    net = Network([Layer("o", [Neuron("a", [-1000.0]), Neuron("b", [1000.0])], "softmax")])
    g = net.gradients([1.0], [0, 1], loss="cross_entropy")
    assert g.neuron("a").da == 0.0 or g.neuron("a").da == -0.0
    assert g.neuron("b").da == -1.0
    assert g.neuron("a").dz == 0.0 and g.neuron("b").dz == 0.0


def test_saturated_softmax_target_on_the_zero_side_gives_infinite_dl_da():
    net = Network([Layer("o", [Neuron("a", [-1000.0]), Neuron("b", [1000.0])], "softmax")])
    g = net.gradients([1.0], [1, 0], loss="cross_entropy")
    assert g.neuron("a").da == -math.inf
    assert g.neuron("a").dz == -1.0 and g.neuron("b").dz == 1.0


def test_train_runs_one_epoch_by_default():
    net = Network([Layer("o", [Neuron("out", [0.0])])])
    history = train(net, [[1.0]], [[1.0]], lr=0.5)
    assert len(history) == 2  # before, and after the one epoch
    assert net.layers[0].neurons[0].weights == [0.5]


# --- input checks -------------------------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: Neuron("", [1]), "neuron name: expected a non-empty string, got ''"),
    (lambda: Neuron(5, [1]), "neuron name: expected a non-empty string, got 5"),
    (lambda: Layer("", [Neuron("n", [1])]), "layer name: expected a non-empty string, got ''"),
    (lambda: Layer(None, [Neuron("n", [1])]), "layer name: expected a non-empty string, got None"),
    (lambda: Layer("h", 5), "layer 'h': expected a list of neurons, got 5"),
    (lambda: Layer("h", Neuron("n", [1])), "layer 'h': expected a list of neurons"),
    (lambda: Layer("h", [Neuron("n", [1]), "m"]), "layer 'h', neuron 1: expected a Neuron, got 'm'"),
    (lambda: get_activation("leaky_relu", slope="0.1"), "leaky_relu slope: expected a number, got '0.1'"),
    (lambda: get_activation("softmax").derivative(1.0), "softmax has no per-value derivative"),
], ids=["empty-neuron-name", "int-neuron-name", "empty-layer-name", "none-layer-name", "layer-of-int",
        "layer-of-one-neuron", "non-neuron-item", "slope-str", "softmax-derivative"])
def test_construction_refuses(make, message):
    with pytest.raises(ScalarnetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


@pytest.mark.parametrize("inputs", [[1], [1, 2, 3]], ids=["short", "long"])
def test_products_checks_the_number_of_inputs(inputs):
    # without the check zip would silently leave products out
    with pytest.raises(InputError, match=f"neuron 'n': {len(inputs)} inputs but 2 weights"):
        Neuron("n", [1, 1]).products(inputs)


def test_products_and_weighted_sum_agree():
    n = Neuron("n", [4, -5], 1)
    assert n.products([3, 5]) == ([12, -25], -12)
    assert n.weighted_sum([3, 5]) == -12


def test_compare_refuses_rows_that_are_a_number():
    with pytest.raises(InputError, match="rows: expected a list of input rows, got 5"):
        compare(load("tutorial-deep"), 5)


def test_compare_against_a_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"against: cannot read .*Is a directory"):
        compare(load("tutorial-deep"), [[3, 5]], against=str(tmp_path))


# --- security: an .npz never unpickles ----------------------------------------------------------

class _Alarm:
    """Unpickling this writes a file: the test sees whether any unpickling happened."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickled_array_in_npz_is_refused_and_never_unpickled(tmp_path):
    alarm = tmp_path / "unpickled"
    hidden1 = np.empty((1, 2), dtype=object)
    hidden1[0, 0] = _Alarm(str(alarm))
    hidden1[0, 1] = 0
    path = tmp_path / "acts.npz"
    np.savez(path, hidden1=hidden1, hidden2=np.array([[0, 26]]), output=np.array([[182]]))
    with pytest.raises(ScalarnetError):
        compare(load("tutorial-deep"), [[3, 5]], against=str(path))
    assert not alarm.exists()


def test_int_network_against_float_array_with_nan_differs_not_crashes(tmp_path):
    report = compare(load("tutorial-deep"), [[3, 5]],
                     against=[np.array([[26.0, math.nan]]), np.array([[0.0, 26.0]]), np.array([[182.0]])])
    assert not report.ok
    assert report.first.layer == "hidden1" and report.first.neuron == "node0_1"


def test_number_error_is_a_scalarnet_error():
    assert issubclass(NumberError, ScalarnetError) and issubclass(NetworkError, ScalarnetError)

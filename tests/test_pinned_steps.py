"""Step behaviours mutation testing showed no test pinned (benchmarks/mutation.py steps): how many
steps a pass makes (count_steps, counted by hand and against the steps themselves), and the checks
of steps' options."""

import math

import pytest

import scalarnet
from scalarnet import Layer, Network, Neuron
from scalarnet.steps import StepError, count_steps, steps

DEEP = scalarnet.load("tutorial-deep")

# 3 inputs; h (sigmoid): a with bias 0.5, b with a NaN bias; o (identity): p without bias, q with -1
BIASED = Network([Layer("h", [Neuron("a", [1.0, 2.0, 3.0], 0.5), Neuron("b", [3.0, 4.0, 5.0], math.nan)],
                        "sigmoid"),
                  Layer("o", [Neuron("p", [1.0, 1.0]), Neuron("q", [2.0, 2.0], -1.0)], "identity")])

# by hand:
# DEEP op forward: 2 relu layers of 2 neurons, 2 terms + the activation each (biases 0): 12,
#   the identity output's 2 terms: 14. Backward: dL/dx 2 inputs x 2 neurons = 4; output: the
#   loss's dL/da, dL/dz, 2 dL/dw, dL/dbias = 5; hidden2: dL/da from 1 neuron + 1 + 2 + 1 = 5 each;
#   hidden1: dL/da from 2 neurons + 1 + 2 + 1 = 6 each: 4 + 5 + 10 + 12 = 31.
# BIASED op forward: a, b: 3 terms + bias + activation = 5 each; p: 2 terms; q: 2 terms + bias:
#   15. Backward: dL/dx 3 x 2 = 6; o: (1 + 1 + 2 + 1) x 2 = 10; h: (2 + 1 + 3 + 1) x 2 = 14: 30.
# WIDENING: 1 input -> 2 relu -> 3 relu -> 1 identity, no biases.
#   forward op: 2*(1 + 1) + 3*(2 + 1) + 3 = 16. Backward: dL/dx 1 x 2 = 2; output: 1 + 1 + 3 + 1 = 6;
#   the 3-wide layer: (1 + 1 + 2 + 1) x 3 = 15; the 2-wide one: (3 + 1 + 1 + 1) x 2 = 12: 35.
WIDENING = Network.from_matrices([[[1.0], [2.0]], [[1.0, 1.0]] * 3, [[1.0, 1.0, 1.0]]], None,
                                 ["relu", "relu", "identity"], name="widening")
COUNTS = [
    (DEEP, "op", (14, 31)), (DEEP, "neuron", (5, 5 + 2)), (DEEP, "layer", (3, 3 + 1)),
    (BIASED, "op", (15, 30)), (BIASED, "neuron", (4, 4 + 3)), (BIASED, "layer", (2, 2 + 1)),
    (WIDENING, "op", (16, 35)), (WIDENING, "neuron", (6, 6 + 1)), (WIDENING, "layer", (3, 3 + 1)),
]


@pytest.mark.parametrize("net, granularity, counts", COUNTS,
                         ids=[f"{net.name}-{g}" for net, g, _ in COUNTS])
def test_count_steps_by_hand_and_as_the_steps_come(net, granularity, counts):
    assert count_steps(net, granularity) == (counts[0], 0)
    assert count_steps(net, granularity, target=True) == counts
    x = [1.0] * len(net.inputs)
    forward = list(steps(net, x, granularity))
    both = list(steps(net, x, granularity, target=[0.5] * len(net.layers[-1].neurons)))
    assert len(forward) == counts[0]
    assert (len(both) - len(forward), len(forward)) == (counts[1], counts[0])


def test_count_steps_without_a_target_is_the_forward_pass_only():
    assert count_steps(DEEP, "op", False) == (14, 0)


@pytest.mark.parametrize("keep, message", [
    (0, "keep: expected None or a whole number of at least 1, got 0"),
    (True, "keep: expected None or a whole number of at least 1, got True"),
    (1.5, "keep: expected None or a whole number of at least 1, got 1.5"),
], ids=["zero", "bool", "float"])
def test_steps_keep_refused(keep, message):
    with pytest.raises(StepError, match="^" + message + "$"):
        steps(DEEP, [3, 5], keep=keep)


def test_steps_keep_1_is_accepted():
    # keep=1 summarises sums of more than 3 terms; the deep network's have 2
    assert [str(s) for s in steps(DEEP, [3, 5], "neuron", keep=1)][0] == "node0_0: 3*2 + 5*4 = 26 -> relu(26) = 26"


def test_steps_of_a_network_changed_after_it_was_built_are_refused():
    net = Network.from_matrices([[[1.0, 2.0]]], name="n")
    net.layers[0].neurons[0].weights = [1.0, 2.0, 3.0]  # 3 weights for 2 inputs
    for granularity in ("op", "neuron"):
        with pytest.raises(scalarnet.InputError, match=r"^neuron 'output': 2 inputs but 3 weights$"):
            list(steps(net, [1.0, 1.0], granularity))


@pytest.mark.parametrize("granularity", ["op", "neuron"])
def test_steps_refuse_what_the_arithmetic_refuses_as_trace_does(granularity):
    net = Network.from_matrices([[[1.5]]], name="n")
    with pytest.raises(scalarnet.NumberError) as info:
        list(steps(net, [10 ** 400], granularity))
    assert str(info.value) == ("layer 'output', neuron 'output': an int beyond a float's range (about 1.8e308) "
                               "meets a float; use ints and Fractions only, or floats only")


def test_softmax_neuron_steps_are_numbered_in_order():
    net = Network.from_matrices([[[1.0], [2.0]], [[1.0, 0.0], [0.0, 1.0]]], None, ["relu", "softmax"])
    got = list(steps(net, [1.0], "neuron"))
    assert [s.index for s in got] == [0, 1, 2, 3]
    assert [s.neuron for s in got] == ["node0_0", "node0_1", "output_0", "output_1"]


def test_softmax_op_steps_are_numbered_in_order():
    # each neuron's 2 multiply-adds, then the layer's 2 activation steps (after every sum)
    net = Network.from_matrices([[[1.0, 2.0], [3.0, 4.0]]], None, ["softmax"])
    got = list(steps(net, [1.0, 1.0], "op"))
    assert [s.index for s in got] == list(range(6))
    assert [s.kind for s in got[4:]] == ["activation", "activation"]

"""Backward-step behaviours mutation testing showed no test pinned (benchmarks/mutation.py backsteps):
each op step's arithmetic so far (the tutorial's hand-worked backward lines, one step at a time),
where a breakpoint stops in the backward pass, and the gradients finished at each step."""

import pytest

import scalarnet
from scalarnet.debugger import Debugger

DEEP = scalarnet.load("tutorial-deep")


def _backward(net, x, target, granularity="op", **kwargs):
    return [s for s in net.steps(x, granularity, target=target, **kwargs) if s.pass_ == "backward"]


# The backward pass of tutorial-deep for [3, 5] and target 180, by hand (scalarnet.backprop's doc):
# output: dL/da = 182 - 180 = 2, dL/dz = 2, dL/dw = [0*2, 26*2]; node0_0: dL/da = (-1)*0 + 1*14;
# inputs: dL/dx0 = 2*14 + 4*0 = 28. Step numbers count from the first backward step.
ARITHMETIC = [
    (0, "output: dL/da = a - t = 182 - 180 = 2"),
    (1, "output: dL/da = a - t = 182 - 180 = 2\n"
        "        dL/dz = dL/da = 2"),
    (2, "output: dL/da = a - t = 182 - 180 = 2\n"
        "        dL/dz = dL/da = 2\n"
        "        dL/dw = [0*2] = [0]"),
    (4, "output: dL/da = a - t = 182 - 180 = 2\n"
        "        dL/dz = dL/da = 2\n"
        "        dL/dw = [0*2, 26*2] = [0, 52]\n"
        "        dL/dbias = dL/dz = 2"),
    (15, "node0_0: dL/da = (-1)*0 = 0"),
    (16, "node0_0: dL/da = (-1)*0 + 1*14 = 14"),
    (17, "node0_0: dL/da = (-1)*0 + 1*14 = 14\n"
         "         dL/dz = relu'(26) * dL/da = 1 * 14 = 14"),
    (19, "node0_0: dL/da = (-1)*0 + 1*14 = 14\n"
         "         dL/dz = relu'(26) * dL/da = 1 * 14 = 14\n"
         "         dL/dw = [3*14, 5*14] = [42, 70]"),
    (27, "dL/dx0 = 2*14 = 28"),
    (28, "dL/dx0 = 2*14 + 4*0 = 28"),
    (30, "dL/dx1 = 4*14 + (-5)*0 = 56"),
]


@pytest.mark.parametrize("k, arithmetic", ARITHMETIC, ids=[str(k) for k, _ in ARITHMETIC])
def test_backward_op_step_arithmetic_so_far(k, arithmetic):
    assert _backward(DEEP, [3, 5], [180])[k].arithmetic == arithmetic


def test_backward_op_step_texts_of_each_kind():
    back = _backward(DEEP, [3, 5], [180])
    assert [back[k].text for k in (2, 3, 4, 16, 28)] == [
        "output: dL/dw0 = 0*2 = 0", "output: dL/dw1 = 26*2 = 52", "output: dL/dbias = dL/dz = 2",
        "node0_0: dL/da = 0 + 1*14 = 14", "dL/dx0 = 28 + 4*0 = 28"]
    assert [(s.gradient, s.term) for s in back[:5]] == [
        ("dL/da", None), ("dL/dz", None), ("dL/dw", 0), ("dL/dw", 1), ("dL/dbias", None)]


def test_breakpoint_stops_once_in_each_pass_at_the_neurons_first_step():
    dbg = Debugger(DEEP, [3, 5], "op", target=[180])
    dbg.break_at("node0_0")
    first, second = dbg.continue_(), dbg.continue_()
    assert (first.pass_, first.index, first.text) == ("forward", 0, "node0_0: 3*2 = 6")
    assert (second.pass_, second.index, second.text) == ("backward", 29, "node0_0: dL/da = (-1)*0 = 0")


def test_gradients_done_grow_as_neurons_and_inputs_finish():
    back = _backward(DEEP, [3, 5], [180])
    done = [[path for path, _ in s.gradients_done()] for s in back]
    assert done[3] == []  # the output's dL/dw1: not finished before its dL/dbias
    assert done[4] == ["output.output"]
    assert done[26] == ["output.output", "hidden2.node1_0", "hidden2.node1_1", "hidden1.node0_0",
                        "hidden1.node0_1"]
    assert done[27] == done[26] and done[28][-1] == "x0"
    assert done[-1][-2:] == ["x0", "x1"] and back[-1].gradients_done()[-1] == ("x1", 56)


def test_backward_layer_steps_texts_and_inputs():
    back = _backward(DEEP, [3, 5], [180], "layer")
    assert [s.text for s in back] == ["output (identity): dL/dz = [2]", "hidden2 (relu): dL/dz = [0, 14]",
                                      "hidden1 (relu): dL/dz = [14, 0]", "inputs: dL/dx = [28, 56]"]
    assert back[-1].arithmetic == "dL/dx0 = 2*14 + 4*0 = 28\ndL/dx1 = 4*14 + (-5)*0 = 56"
    assert back[-1].path == "inputs"


def test_backward_neuron_steps_of_the_inputs():
    back = _backward(DEEP, [3, 5], [180], "neuron")
    assert [s.text for s in back[-2:]] == ["dL/dx0 = 2*14 + 4*0 = 28", "dL/dx1 = 4*14 + (-5)*0 = 56"]
    assert back[-1].arithmetic == back[-1].text


def test_breakpoint_in_a_softmax_layer_under_mse_stops_once_in_the_backward_pass():
    # softmax under mse: every dL/da of the layer first (steps 4, 5), then output_0's dL/dz,
    # dL/dw and dL/dbias, which follow output_1's dL/da but do not open output_0 again
    net = scalarnet.Network.from_matrices([[[1.0], [2.0]]], None, ["softmax"])
    back = _backward(net, [1.0], [0, 1])
    assert [(s.neuron, s.gradient) for s in back[:3]] == [
        ("output_0", "dL/da"), ("output_1", "dL/da"), ("output_0", "dL/dz")]
    dbg = Debugger(net, [1.0], "op", target=[0, 1])
    dbg.break_at("output_0")
    stops = [dbg.continue_(), dbg.continue_(), dbg.continue_()]
    assert [(s.index, s.pass_, s.gradient) for s in stops[:2]] == [(0, "forward", None), (4, "backward", "dL/da")]
    assert stops[2] is None

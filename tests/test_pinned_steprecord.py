"""Step-record behaviours mutation testing showed no test pinned (benchmarks/mutation.py steprecord):
a step equals only itself and is always true (a multiply-add step is an int underneath), paths and
results of every kind of step, and where the debugger's breakpoints find a neuron's first step."""

import scalarnet
from scalarnet.debugger import Debugger

DEEP = scalarnet.load("tutorial-deep")


def test_a_step_equals_only_itself_and_is_true():
    first, second = list(DEEP.steps([3, 5]))[:2]  # multiply-add steps number 0 and 1
    assert first.index == 0 and second.index == 1
    assert first == first and not (first != first)
    assert first != 0 and not (first == 0) and second != 1  # not their numbers
    assert first != second and not (first == second)
    assert bool(first) is True  # step 0 is true, as every step
    assert len({first, second, first}) == 2


def test_step_paths_of_every_kind():
    op = list(DEEP.steps([3, 5], "op", target=[180]))
    assert op[0].path == "hidden1.node0_0"
    assert op[-1].path == "x1"  # dL/dx1: an input's name, no layer
    layer = list(DEEP.steps([3, 5], "layer"))
    assert layer[0].path == "hidden1"  # a layer step: no neuron


def test_step_results_is_a_list_for_every_kind():
    assert list(DEEP.steps([3, 5], "layer"))[0].results == [26, 0]
    op = list(DEEP.steps([3, 5], "op"))
    assert op[1].results == [26]
    assert op[2].results == [26]  # relu(26)


def test_multiply_add_step_result_and_term():
    op = list(DEEP.steps([3, 5], "op"))
    # node0_1 (steps 3, 4): 3*4 = 12, 12 + 5*(-5) = -13
    assert (op[3].term, op[3].result, op[4].term, op[4].result) == (0, 12, 1, -13)
    assert op[4].text == "node0_1: 12 + 5*(-5) = -13"


def test_breakpoint_stops_at_a_neurons_first_multiply_add():
    dbg = Debugger(DEEP, [3, 5], "op")
    dbg.break_at("node0_1")
    step = dbg.continue_()
    assert (step.index, step.term, step.text) == (3, 0, "node0_1: 3*4 = 12")


def test_op_arithmetic_summarised_with_keep():
    # 1*1 + 1*2 + ... + 1*7, keep=1: past 3 terms the middle ones are one (n more terms: sum)
    net = scalarnet.Network.from_matrices([[[1, 2, 3, 4, 5, 6, 7]]], activations=["relu"])
    op = list(net.steps([1] * 7, "op", keep=1))
    assert op[2].arithmetic == "output: 1*1 + 1*2 + 1*3 = 6"
    assert op[3].arithmetic == "output: 1*1 + (2 more terms: 5) + 1*4 = 10"
    assert op[7].arithmetic == "output: 1*1 + (5 more terms: 20) + 1*7 = 28 -> relu(28) = 28"


def test_bias_step_arithmetic_is_the_sum_with_its_bias():
    net = scalarnet.Network.from_matrices([[[2, 3]]], [[-1]], ["relu"])
    op = list(net.steps([1, 1], "op"))
    assert [s.kind for s in op] == ["multiply-add", "multiply-add", "bias", "activation"]
    assert op[2].text == "output: 5 + (-1) = 4"
    assert op[2].arithmetic == "output: 1*2 + 1*3 + (-1) = 4"
    assert op[3].arithmetic == "output: 1*2 + 1*3 + (-1) = 4 -> relu(4) = 4"


def test_breakpoint_stops_at_a_neuron_step_and_a_layer_step():
    # neuron and layer steps (like bias and activation steps) may open their neuron or layer
    dbg = Debugger(DEEP, [3, 5], "neuron")
    dbg.break_at("node1_1")
    step = dbg.continue_()
    assert (step.index, step.kind, step.neuron) == (3, "neuron", "node1_1")
    dbg = Debugger(DEEP, [3, 5], "layer")
    dbg.break_at("hidden2")
    step = dbg.continue_()
    assert (step.index, step.kind, step.layer) == (1, "layer", "hidden2")

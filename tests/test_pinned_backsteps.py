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


# --- long sums summarised with keep; the inputs' steps; gradients finished; softmax dL/dz ---------

def _fan_in(n):
    """n inputs -> one identity neuron (weights 1..n) -> an identity output of weight 2."""
    return scalarnet.Network.from_matrices([[list(range(1, n + 1))], [[2]]], None, ["identity", "identity"])


@pytest.mark.parametrize("n, summarised", [(6, False), (7, True)])
def test_keep_summarises_dl_dw_past_three_times_keep(n, summarised):
    # x = [1]*n: z = 1+...+n, output 2z, target 0: dL/dz = 2z at the output, node0_0's 2*2z
    z = n * (n + 1) // 2
    d = 2 * 2 * z
    back = _backward(_fan_in(n), [1] * n, [0], "neuron", keep=2)
    lines = back[1].arithmetic.splitlines()
    assert lines[0] == f"node0_0: dL/da = 2*{2 * z} = {d}"
    if summarised:
        assert lines[2] == (f"         dL/dw = [1*{d}, 1*{d}, ({n - 4} more), 1*{d}, 1*{d}] = "
                            f"[{d}, {d}, ({n - 4} more), {d}, {d}]")
    else:
        assert lines[2] == f"         dL/dw = [{', '.join([f'1*{d}'] * n)}] = [{', '.join([str(d)] * n)}]"
    assert all(line.startswith(" " * len("node0_0: ") + "dL/d") for line in lines[1:])


def _fan_out(n):
    """One input -> n identity neurons (weights 1..n) -> an identity output summing them."""
    return scalarnet.Network.from_matrices([[[w] for w in range(1, n + 1)], [[1] * n]], None,
                                           ["identity", "identity"])


@pytest.mark.parametrize("n, summarised", [(6, False), (7, True)])
def test_keep_summarises_dl_dx_past_three_times_keep(n, summarised):
    # x = [1]: output z = 1+...+n, target 0, so every neuron's dL/dz is z, and dL/dx0 = (1+...+n)*z
    z = n * (n + 1) // 2
    back = _backward(_fan_out(n), [1], [0], "neuron", keep=2)
    terms = [f"{w}*{z}" for w in range(1, n + 1)]
    if summarised:
        middle = sum(w * z for w in range(3, n - 1))
        terms = terms[:2] + [f"({n - 4} more terms: {middle})"] + terms[-2:]
    assert back[-1].arithmetic == f"dL/dx0 = {' + '.join(terms)} = {z * z}"


TWO = scalarnet.Network.from_matrices([[[1, 2], [3, 4]], [[1, 1]]], None, ["identity", "identity"])
# x = [1, 1], target 0: z = [3, 7], output 10, every dL/dz 10; dL/dx0 = 1*10 + 3*10 = 40, dL/dx1 = 60


@pytest.mark.parametrize("granularity", ["op", "neuron", "layer"])
def test_gradients_done_at_the_end_hold_every_neuron_and_each_inputs_dl_dx(granularity):
    back = _backward(TWO, [1, 1], [0], granularity)
    done = back[-1].gradients_done()
    assert [path for path, _ in done] == ["output.output", "hidden1.node0_0", "hidden1.node0_1", "x0", "x1"]
    assert done[-2:] == [("x0", 40), ("x1", 60)]
    inputs = [s for s in back if s.path in ("x0", "x1", "inputs") or s.neuron in ("x0", "x1")]
    assert inputs and all(s.layer_index == -1 for s in inputs)


def test_neuron_steps_record_each_neuron_as_finished():
    back = _backward(TWO, [1, 1], [0], "neuron")
    assert [[path for path, _ in s.gradients_done()] for s in back[:3]] == [
        ["output.output"], ["output.output", "hidden1.node0_0"],
        ["output.output", "hidden1.node0_0", "hidden1.node0_1"]]


def test_softmax_dl_dz_step_reads_a_dl_da_and_s():
    import math

    net = scalarnet.Network.from_matrices([[[1.0], [2.0]]], None, ["softmax"])
    back = _backward(net, [1.0], [0, 1])
    a0 = math.exp(1.0) / (math.exp(1.0) + math.exp(2.0))
    a1 = 1 - a0
    da = [a0 - 0, a1 - 1]
    s = a0 * da[0] + a1 * da[1]
    got = back[2].operands
    assert (back[2].neuron, back[2].gradient) == ("output_0", "dL/dz")
    assert len(got) == 3
    for g, want in zip(got, (a0, da[0], s)):
        assert g == pytest.approx(want, rel=1e-12)


def test_order_softmax_layers_take_every_dl_da_first_unless_combined_with_cross_entropy():
    # the rule (backsteps): a layer whose activation is not elementwise (softmax) needs every dL/da
    # of the layer before any dL/dz; softmax with cross-entropy at the output is combined (dL/dz =
    # a - t), so its neurons go one by one, as elementwise layers' always do
    per_neuron = ["dL/da", "dL/dz", "dL/dw", "dL/dw", "dL/dbias"]
    net = scalarnet.Network.from_matrices([[[1.0], [2.0]], [[1.0, 0.5], [0.5, 1.0]]], None,
                                          ["softmax", "softmax"])
    back = _backward(net, [1.0], [0, 1], loss="cross_entropy")
    assert [(s.neuron, s.gradient) for s in back] == (
        [("output_0", g) for g in per_neuron] + [("output_1", g) for g in per_neuron]
        + [("node0_0", "dL/da")] * 2 + [("node0_1", "dL/da")] * 2
        + [("node0_0", g) for g in ("dL/dz", "dL/dw", "dL/dbias")]
        + [("node0_1", g) for g in ("dL/dz", "dL/dw", "dL/dbias")] + [("x0", "dL/dx")] * 2)
    identity = scalarnet.Network.from_matrices([[[1], [2]]], None, ["identity"])
    back = _backward(identity, [1], [0, 1])
    assert [(s.neuron, s.gradient) for s in back[:8]] == (
        [("output_0", g) for g in ("dL/da", "dL/dz", "dL/dw", "dL/dbias")]
        + [("output_1", g) for g in ("dL/da", "dL/dz", "dL/dw", "dL/dbias")])

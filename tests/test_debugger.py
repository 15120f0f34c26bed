"""The debugger: next/back/continue, breakpoints, stop_on anomalies, the console's replies, pdb in a neuron."""

import io
import math
import pdb
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalarnet
from scalarnet import Layer, Network, NetworkError, Neuron, NumberError
from scalarnet.debugger import Console, Debugger, debug_weighted_sum
from scalarnet.steps import StepError

DEEP = scalarnet.load("tutorial-deep")
NAN = float("nan")


def walk(dbg, n):
    for _ in range(n):
        dbg.next()
    return dbg.current


# -- moving ------------------------------------------------------------------------------------


@pytest.mark.parametrize("granularity, ahead", [("op", 1), ("op", 7), ("op", 14),
                                                ("neuron", 3), ("layer", 3)],
                         ids=["op-first", "op-middle", "op-last", "neuron", "layer"])
def test_debugger_back_then_next_returns_to_the_same_step(granularity, ahead):
    dbg = Debugger(DEEP, [3, 5], granularity)
    here = walk(dbg, ahead)
    before = dbg.back()
    assert (before.index if before else -1) == here.index - 1
    again = dbg.next()
    assert again is here
    assert (again.text, again.values, dbg.position) == (here.text, here.values, ahead - 1)


def test_debugger_starts_before_the_first_step():
    dbg = Debugger(DEEP, [3, 5])
    assert (dbg.position, dbg.current, dbg.back()) == (-1, None, None)
    assert dbg.next().text == "node0_0: 3*2 = 6"
    assert dbg.back() is None and dbg.position == -1


def test_debugger_next_at_the_end_stays():
    dbg = Debugger(DEEP, [3, 5], "layer")
    walk(dbg, 3)
    assert dbg.at_end
    assert dbg.next() is None
    assert dbg.current.text == "output (identity): [182]"
    assert (len(dbg), dbg.output) == (3, [182])


def test_debugger_computes_steps_only_when_reached():
    dbg = Debugger(DEEP, [3, 5])
    dbg.next()
    assert len(dbg.recorded) == 2  # node0_0's multiply-adds, computed as one piece
    assert len(dbg) == 14 and len(dbg.recorded) == 2  # counted from the network's shape
    assert dbg.output == [182] and len(dbg.recorded) == 14


def test_debugger_continue_without_breakpoints_runs_to_the_end():
    dbg = Debugger(DEEP, [3, 5])
    assert dbg.continue_() is None
    assert (dbg.position, dbg.reason, dbg.current.text) == (13, "", "output: 0 + 26*7 = 182")


# -- breakpoints -------------------------------------------------------------------------------


@pytest.mark.parametrize("granularity, name, stops", [
    ("op", "node0_1", [(3, "node0_1: 3*4 = 12")]),
    ("op", "hidden1.node0_1", [(3, "node0_1: 3*4 = 12")]),
    ("op", "hidden2", [(6, "node1_0: 26*(-1) = -26")]),
    ("op", "output", [(12, "output: 0*2 = 0")]),
    ("neuron", "node1_1", [(3, "node1_1: 26*1 + 0*2 = 26 -> relu(26) = 26")]),
    ("neuron", "hidden2", [(2, "node1_0: 26*(-1) + 0*2 = -26 -> relu(-26) = 0")]),
    ("layer", "node1_1", [(1, "hidden2 (relu): [0, 26]")]),
    ("layer", "hidden1", [(0, "hidden1 (relu): [26, 0]")]),
], ids=["op-neuron", "op-path", "op-layer", "op-output-layer", "neuron-neuron", "neuron-layer",
        "layer-neuron", "layer-layer"])
def test_debugger_breakpoint_by_name_stops_where_it_begins_once(granularity, name, stops):
    dbg = Debugger(DEEP, [3, 5], granularity)
    label = dbg.break_at(name)
    got = []
    while (step := dbg.continue_()) is not None:
        got.append((step.index, step.text))
        assert dbg.reason == label
    assert got == stops


SOFTMAX = Network([Layer("h", [Neuron("a", [1, 1]), Neuron("b", [1, -1])], "relu"),
                   Layer("out", [Neuron("p", [1, 2]), Neuron("q", [2, 1])], "softmax")])


@pytest.mark.parametrize("granularity, name, stops", [
    # a softmax layer's activation steps come after all its sums: they are not where a neuron begins
    ("op", "out.q", [(8, "q: 4*2 = 8")]),
    ("op", "out", [(6, "p: 4*1 = 4")]),
    ("neuron", "q", [(3, "q: 4*2 + 0*1 = 8 -> softmax([4, 8])[1] = 0.9820137900379085")]),
], ids=["op-neuron", "op-layer", "neuron"])
def test_debugger_breakpoint_in_a_softmax_layer_stops_once(granularity, name, stops):
    dbg = Debugger(SOFTMAX, [2, 2], granularity)
    dbg.break_at(name)
    got = []
    while (step := dbg.continue_()) is not None:
        got.append((step.index, step.text))
    assert got == stops


def test_debugger_breakpoint_set_twice_is_one_breakpoint():
    dbg = Debugger(DEEP, [3, 5])
    assert [dbg.break_at("node0_1"), dbg.break_at("hidden1.node0_1")] == ["breakpoint hidden1.node0_1"] * 2
    assert dbg.breakpoints == ["breakpoint hidden1.node0_1"]
    assert (dbg.continue_().index, dbg.reason) == (3, "breakpoint hidden1.node0_1")


def test_debugger_breakpoints_in_order_and_cleared():
    dbg = Debugger(DEEP, [3, 5])
    assert [dbg.break_at("hidden2.node1_1"), dbg.break_at("node0_1")] == [
        "breakpoint hidden2.node1_1", "breakpoint hidden1.node0_1"]
    assert [dbg.continue_().index, dbg.continue_().index] == [3, 9]
    assert dbg.breakpoints == ["breakpoint hidden2.node1_1", "breakpoint hidden1.node0_1"]
    dbg.clear()
    assert dbg.breakpoints == [] and dbg.continue_() is None


def test_debugger_break_when_condition():
    dbg = Debugger(DEEP, [3, 5])

    def negative(step):
        return step.kind == "multiply-add" and step.result < 0

    assert dbg.break_when(negative) == "condition negative"
    assert (dbg.continue_().text, dbg.reason) == ("node0_1: 12 + 5*(-5) = -13", "condition negative")
    dbg.break_when(lambda s: s.result == 182, "the answer")
    got = [dbg.continue_().index, dbg.continue_().index, dbg.continue_().index, dbg.continue_()]
    assert got == [6, 7, 13, None]
    assert dbg.position == 13 and dbg.reason == ""


def test_debugger_condition_and_breakpoint_on_one_step_give_both_reasons():
    dbg = Debugger(DEEP, [3, 5])
    dbg.break_at("hidden2")
    dbg.break_when(lambda s: s.result == -26, "minus 26")
    assert dbg.continue_().index == 6
    assert dbg.reason == "breakpoint hidden2; condition minus 26"


@pytest.mark.parametrize("name, message", [
    ("node9", r"no input, layer or neuron 'node9' in network 'tutorial-deep' \(inputs: x0, x1; "
              r"layers: hidden1, hidden2, output; neurons as 'layer.neuron'\)"),
    ("hidden1.node9", r"layer 'hidden1' has no neuron 'node9' \(it has: node0_0, node0_1\)"),
    ("x1", r"'x1' is an input: breakpoints go on layers and neurons"),
    ("", r"expected the name of an input, layer or neuron, got ''"),
], ids=["unknown", "unknown-in-layer", "input", "empty"])
def test_debugger_break_at_bad_name(name, message):
    with pytest.raises(StepError, match=message):
        Debugger(DEEP, [3, 5]).break_at(name)


def test_debugger_break_at_ambiguous_name():
    net = Network([Layer("a", [Neuron("n", [1])]), Layer("b", [Neuron("n", [1])])])
    with pytest.raises(StepError, match=r"no single neuron 'n' \(several layers have one"):
        Debugger(net, [1]).break_at("n")
    assert Debugger(net, [1]).break_at("b.n") == "breakpoint b.n"


# -- stop_on -------------------------------------------------------------------------------------


@pytest.mark.parametrize("granularity, x, stop, reason", [
    ("op", [3, NAN], (1, "node0_0: 6 + nan*4 = nan"),
     "the first non-finite value (nan) at hidden1.node0_0"),
    ("op", [float("inf"), 5], (0, "node0_0: inf*2 = inf"),
     "the first non-finite value (inf) at hidden1.node0_0"),
    ("neuron", [3, NAN], (0, "node0_0: 3*2 + nan*4 = nan -> relu(nan) = nan"),
     "the first non-finite value (nan) at hidden1.node0_0"),
    ("layer", [3, NAN], (0, "hidden1 (relu): [nan, nan]"),
     "the first non-finite value (nan) at hidden1"),
], ids=["op-nan", "op-inf", "neuron", "layer"])
def test_debugger_stop_on_nan_stops_once_at_the_first(granularity, x, stop, reason):
    dbg = Debugger(DEEP, x, granularity, stop_on=["nan"])
    step = dbg.continue_()
    assert ((step.index, step.text), dbg.reason) == (stop, reason)
    assert dbg.continue_() is None  # later NaNs are not "the first"


def test_debugger_stop_on_nan_from_the_arithmetic():
    net = Network([Layer("big", [Neuron("n", [1e308, 1e308])]),
                   Layer("out", [Neuron("o", [1.0])], "tanh")])
    dbg = Debugger(net, [10.0, -10.0], stop_on="nan")
    assert (dbg.continue_().text, dbg.reason) == (
        "n: 10.0*1e+308 = inf", "the first non-finite value (inf) at big.n")
    assert dbg.next().text == "n: inf + (-10.0)*1e+308 = nan"


DEAD = Network([
    Layer("h", [Neuron("alive", [1, 1]), Neuron("dead", [-1, -1]), Neuron("zero", [1, -1])], "relu"),
    Layer("out", [Neuron("o", [1, 1, 1])]),
])


@pytest.mark.parametrize("granularity, stops", [
    ("op", [(5, "dead: relu(-4) = 0", "dead ReLU h.dead (z = -4)"),
            (8, "zero: relu(0) = 0", "dead ReLU h.zero (z = 0)")]),
    ("neuron", [(1, "dead: 2*(-1) + 2*(-1) = -4 -> relu(-4) = 0", "dead ReLU h.dead (z = -4)"),
                (2, "zero: 2*1 + 2*(-1) = 0 -> relu(0) = 0", "dead ReLU h.zero (z = 0)")]),
    ("layer", [(0, "h (relu): [4, 0, 0]", "dead ReLU h.dead (z = -4); dead ReLU h.zero (z = 0)")]),
], ids=["op", "neuron", "layer"])
def test_debugger_stop_on_dead_relu_each(granularity, stops):
    dbg = Debugger(DEAD, [2, 2], granularity, stop_on=["dead-relu"])
    got = []
    while (step := dbg.continue_()) is not None:
        got.append((step.index, step.text, dbg.reason))
    assert got == stops


@pytest.mark.parametrize("granularity", ["op", "neuron", "layer"])
def test_debugger_refuses_a_decimal_nan(granularity):
    # a Decimal NaN refuses <= and > (InvalidOperation), and Decimal infinities trap too: scalarnet's
    # number policy refuses a non-finite Decimal where it enters (floats have IEEE NaN and infinities)
    net = Network([Layer("h", [Neuron("n", [1, 1])], "relu")])
    with pytest.raises(NumberError, match=r"input 'x0': Decimal\('NaN'\) is not finite"):
        Debugger(net, [Decimal("NaN"), 1], granularity, stop_on=["nan"])


def test_debugger_dead_relu_ignores_other_activations():
    net = Network([Layer("h", [Neuron("n", [-1])], "leaky_relu")])
    assert Debugger(net, [2], stop_on=["dead-relu"]).continue_() is None


@pytest.mark.parametrize("bound, stop, reason", [
    (100, (13, "output: 0 + 26*7 = 182"), "the first value beyond the bound 100 (182) at output.output"),
    (25, (1, "node0_0: 6 + 5*4 = 26"), "the first value beyond the bound 25 (26) at hidden1.node0_0"),
    (20, (1, "node0_0: 6 + 5*4 = 26"), "the first value beyond the bound 20 (26) at hidden1.node0_0"),
    (182, None, ""),
], ids=["100", "25", "20", "exactly-182"])
def test_debugger_stop_on_magnitude(bound, stop, reason):
    dbg = Debugger(DEEP, [3, 5], stop_on=["magnitude"], bound=bound)
    step = dbg.continue_()
    assert ((step.index, step.text) if step else None, dbg.reason) == (stop, reason)


def test_debugger_stop_on_magnitude_counts_negative_values():
    dbg = Debugger(DEEP, [3, 5], stop_on=["magnitude"], bound=13)
    assert (dbg.continue_().index, dbg.continue_()) == (1, None)
    dbg = Debugger(DEEP, [3, 5], "neuron", stop_on=["magnitude"], bound=0)
    assert dbg.continue_().text == "node0_0: 3*2 + 5*4 = 26 -> relu(26) = 26"


def test_debugger_stop_on_several_and_a_breakpoint():
    dbg = Debugger(DEAD, [2, NAN], stop_on=["nan", "dead-relu"])
    dbg.break_at("out")
    got = []
    while (step := dbg.continue_()) is not None:
        got.append((step.index, dbg.reason))
    assert got == [(1, "the first non-finite value (nan) at h.alive"), (9, "breakpoint out")]


@pytest.mark.parametrize("kwargs, message", [
    ({"stop_on": ["nans"]}, r"stop_on 'nans': expected one of nan, dead-relu, magnitude"),
    ({"stop_on": ["magnitude"]}, r"stop_on 'magnitude' needs a bound \(bound=1000; in the CLI --bound 1000\)"),
    ({"bound": 10}, r"bound 10 is only used with stop_on 'magnitude'"),
    ({"stop_on": ["magnitude"], "bound": -1}, r"bound: expected a number >= 0, got -1"),
    ({"stop_on": ["magnitude"], "bound": "1"}, r"bound: expected a number >= 0, got '1'"),
    ({"granularity": "layers"}, r"granularity 'layers': expected one of op, neuron, layer"),
], ids=["unknown", "no-bound", "bound-alone", "negative-bound", "string-bound", "granularity"])
def test_debugger_bad_options(kwargs, message):
    with pytest.raises(StepError, match=message):
        Debugger(DEEP, [3, 5], **kwargs)


# -- the console's replies -----------------------------------------------------------------------


@pytest.mark.parametrize("commands, reply", [
    (["p x1"], "x1 = 5"),
    (["p hidden1"], "hidden1 = [?, ?]"),
    (["n", "n", "n", "p hidden1"], "hidden1 = [26, ?]"),
    (["n", "n", "n", "p node0_0"], "hidden1.node0_0: z = 26, a = 26 (relu); weights [2, 4], bias 0"),
    (["n", "n", "n", "n", "n", "p node0_1"],
     "hidden1.node0_1 is not computed yet; so far: node0_1: 3*4 + 5*(-5) = -13"),
    (["p hidden2.node1_1"], "hidden2.node1_1 is not computed yet"),
    (["p"], "p needs a name: an input, a layer or a neuron (e.g. p node0_1)"),
    (["p nope"], "error: no input, layer or neuron 'nope' in network 'tutorial-deep' (inputs: x0, x1; "
                 "layers: hidden1, hidden2, output; neurons as 'layer.neuron')"),
    (["break"], "breakpoints: none"),
    (["break node1_1", "break"], "breakpoints: breakpoint hidden2.node1_1"),
    (["break node1_1"], "breakpoint hidden2.node1_1 set"),
    (["break node1_1", "break hidden2.node1_1"], "breakpoint hidden2.node1_1 is already set"),
    (["b"], "breakpoints: none"),
    (["b node0_1", "b"], "breakpoints: breakpoint hidden1.node0_1"),
    (["b node0_1", "b hidden2", "cl node0_1", "b"], "breakpoints: breakpoint hidden2"),
    (["b node0_1", "b hidden2", "clear"], "cleared: breakpoint hidden1.node0_1, breakpoint hidden2"),
    (["clear node0_1"], "error: no breakpoint on 'hidden1.node0_1' (breakpoints: none)"),
    (["back"], "at the start: inputs x0 = 3, x1 = 5"),
    (["n", "n", "bk"], "step 1/14 [hidden1] node0_0: 3*2 = 6"),
    (["nn"], "unknown command 'nn': type h for help"),
    (["q"], ""),
], ids=["input", "layer-unknown", "layer-half", "neuron-known", "neuron-current",
        "neuron-later", "p-alone", "p-unknown", "break-list-empty", "break-list", "break-set",
        "break-set-twice", "b-lists", "b-sets", "clear-one", "clear-all", "clear-unknown",
        "back-at-start", "bk", "unknown", "quit"])
def test_console_replies(commands, reply):
    console = Console(Debugger(DEEP, [3, 5]))
    *before, last = commands
    for command in before:
        console.do(command)
    assert console.do(last) == (reply, last == "q")


# -- pdb inside a neuron -------------------------------------------------------------------------


def test_forward_breakpoint_stops_in_the_named_neurons_loop(monkeypatch):
    seen = []

    def hook(*args, **kwargs):
        frame = sys._getframe(1)
        seen.append((frame.f_code.co_name, dict(frame.f_locals)))

    monkeypatch.setattr(sys, "breakpointhook", hook)
    assert DEEP.forward([3, 5], breakpoint_at="hidden1.node0_1") == [182]
    [(function, local)] = seen
    assert function == "debug_weighted_sum"
    assert {k: local[k] for k in ("inputs", "weights", "bias", "total", "name")} == {
        "inputs": [3, 5], "weights": [4, -5], "bias": 0, "total": 0, "name": "hidden1.node0_1"}


@pytest.mark.parametrize("name, path", [("node1_1", "hidden2.node1_1"), ("output.output", "output.output")],
                         ids=["short-name", "output"])
def test_forward_breakpoint_by_short_name(monkeypatch, name, path):
    seen = []
    monkeypatch.setattr(sys, "breakpointhook", lambda: seen.append(sys._getframe(1).f_locals["name"]))
    assert DEEP.forward([3, 5], breakpoint_at=name) == [182]
    assert seen == [path]


def test_forward_breakpoint_pdb_walks_the_multiply_adds(monkeypatch):
    out = io.StringIO()
    # From Python 3.13 breakpoint() stops on its own line, before that on the next one.
    first = "n\n" if sys.version_info >= (3, 13) else ""
    script = first + "p inputs, weights, total\nn\np x, w, total\nn\nn\np x, w, total\nn\nn\np total\nc\n"

    def hook(*args, **kwargs):
        debugger = pdb.Pdb(stdin=io.StringIO(script), stdout=out, nosigint=True, readrc=False)
        debugger.set_trace(sys._getframe(1))

    monkeypatch.setattr(sys, "breakpointhook", hook)
    assert DEEP.forward([3, 5], breakpoint_at="hidden1.node0_1") == [182]
    lines = [line.replace("(Pdb) ", "") for line in out.getvalue().splitlines()]
    shown = [line for line in lines if line and not line.startswith("> ")]  # "> file(line)function()"
    assert [line for line in lines if line.startswith("> ")][0].endswith("debug_weighted_sum()")
    assert shown[len(shown) - 10:] == [
        "-> for x, w in zip(inputs, weights):",
        "([3, 5], [4, -5], 0)",
        "-> total += x * w",
        "(3, 4, 0)",
        "-> for x, w in zip(inputs, weights):",
        "-> total += x * w",
        "(5, -5, 12)",
        "-> for x, w in zip(inputs, weights):",
        "-> return total + bias",
        "-13",
    ]


def test_forward_breakpoint_honours_pythonbreakpoint_0(monkeypatch):
    monkeypatch.setattr(sys, "breakpointhook", sys.__breakpointhook__)
    monkeypatch.setenv("PYTHONBREAKPOINT", "0")
    assert DEEP.forward([3, 5], breakpoint_at="node0_1") == [182]


@pytest.mark.parametrize("name, error, message", [
    ("hidden1.node9", NetworkError, r"layer 'hidden1' has no neuron 'node9'"),
    ("node9", NetworkError, r"no single neuron 'node9' \(there is none"),
    (3, StepError, r"breakpoint_at: expected a neuron's name like 'hidden1.node0_1', got 3"),
], ids=["unknown-in-layer", "unknown", "not-a-string"])
def test_forward_breakpoint_bad_name(monkeypatch, name, error, message):
    monkeypatch.setattr(sys, "breakpointhook", lambda: pytest.fail("stopped"))
    with pytest.raises(error, match=message):
        DEEP.forward([3, 5], breakpoint_at=name)


def test_debug_weighted_sum_is_the_neurons_sum(monkeypatch):
    monkeypatch.setattr(sys, "breakpointhook", lambda: None)
    neuron = Neuron("n", [0.1, 0.2, 0.3], bias=0.7)
    x = [0.3, 0.1, 0.7]
    assert debug_weighted_sum(neuron, x, "l.n") == neuron.weighted_sum(x)
    assert math.isnan(debug_weighted_sum(Neuron("m", [1.0]), [NAN], "l.m"))


# -- the backward pass in the debugger -------------------------------------------------------------

BACKWARD_REPLIES = [
    (["c", "c"], "end of the backward pass: loss: mse = 1/2*(182 - 180)^2 = 2; dL/dx0 = 28, dL/dx1 = 56"),
    (["b node0_1", "c", "c"], "stopped: breakpoint hidden1.node0_1\n"
                              "step 36/45 [hidden1] node0_1: dL/da = 2*0 = 0"),
    (["b node0_1", "c", "c", "n", "n", "p node0_1"],
     "hidden1.node0_1: z = -13, a = 0 (relu); weights [4, -5], bias 0\n"
     "  so far: node0_1: dL/da = 2*0 + 2*14 = 28\n"
     "                   dL/dz = relu'(-13) * dL/da = 0 * 28 = 0"),
    (["b node0_0", "c", "c", "p node1_1"],
     "hidden2.node1_1: z = 26, a = 26 (relu); weights [1, 2], bias 0\n"
     "  dL/da = 14, dL/dz = 14, dL/dw = [364, 0], dL/dbias = 14"),
]


def test_console_says_where_the_forward_pass_ends():
    console = Console(Debugger(DEEP, [3, 5], "layer", target=[180]))
    replies = [console.do("n")[0] for _ in range(4)]
    assert replies[2].split("\n")[-1] == ("end of the forward pass: output = [182]; "
                                          "the backward pass follows")
    assert replies[3].split("\n")[0] == "step 4/7 output (identity): dL/dz = [2]"


@pytest.mark.parametrize("commands, reply", BACKWARD_REPLIES,
                         ids=["continue-to-end", "break-in-backward", "p-current", "p-done"])
def test_console_backward_replies(commands, reply):
    console = Console(Debugger(DEEP, [3, 5], target=[180]))
    *before, last = commands
    for command in before:
        console.do(command)
    assert console.do(last) == (reply, False)


@pytest.mark.parametrize("stop_on, bound, reasons", [
    ("vanishing", 1e-6, ["vanishing gradient at hidden2.node1_0 (|dL/dz| = 0 < 1e-06)",
                         "vanishing gradient at hidden1.node0_1 (|dL/dz| = 0 < 1e-06)"]),
    ("exploding", 10, ["exploding gradient at hidden2.node1_1 (|dL/dz| = 14 > 10)",
                       "exploding gradient at hidden1.node0_0 (|dL/dz| = 14 > 10)"]),
], ids=["vanishing", "exploding"])
@pytest.mark.parametrize("granularity", ["op", "neuron", "layer"])
def test_debugger_stops_on_vanishing_and_exploding_gradients(stop_on, bound, reasons, granularity):
    dbg = Debugger(DEEP, [3, 5], granularity, stop_on=[stop_on], bound=bound, target=[180])
    seen = []
    while dbg.continue_() is not None:
        seen += dbg.reason.split("; ")
        assert dbg.current.pass_ == "backward"
    assert seen == reasons
    assert dbg.gradients.dx == [28, 56]


def test_debugger_vanishing_needs_a_target():
    with pytest.raises(StepError, match="stop_on 'vanishing' watches the backward pass: give a target"):
        Debugger(DEEP, [3, 5], stop_on=["vanishing"], bound=1e-6)


def test_debugger_interrupted_continue_stops_where_it_got():
    dbg = Debugger(DEEP, [3, 5], target=[180])
    dbg.break_when(lambda step: setattr(dbg, "interrupted", step.index == 20) or False, "never")
    step = dbg.continue_()
    assert (step.index, dbg.reason) == (21, "interrupted")
    assert dbg.next().index == 22  # the pass goes on from there, nothing lost


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.booleans(),
       st.sampled_from([["dead-relu"], ["nan", "dead-relu"], ["magnitude"]]), st.booleans())
def test_debugger_continue_stops_where_a_walk_over_every_step_stops(n_in, n_hidden, n_out, backward,
                                                                     stop_on, nan):
    # continue_ passes over the later terms of sums without asking the breakpoints: it must stop
    # exactly where asking at every step would.
    weights = [[[(i + j) % 3 - 1 for i in range(n_in)] for j in range(n_hidden)],
               [[(i * j) % 3 - 1 for i in range(n_hidden)] for j in range(n_out)]]
    net = Network.from_matrices(weights, [[1] * n_hidden, [0] * n_out], ["relu", "identity"])
    target = [1] * n_out if backward else None
    x = [math.nan if nan and i == n_in - 1 else 1 for i in range(n_in)]
    bound = 1 if "magnitude" in stop_on else None
    fast = Debugger(net, x, target=target, stop_on=stop_on, bound=bound)
    slow = Debugger(net, x, target=target, stop_on=stop_on, bound=bound)
    for dbg in (fast, slow):
        dbg.break_at("hidden1")
        dbg.break_at(f"output.{net.layers[1].neurons[-1].name}")
    slow.break_when(lambda step: False, "every step")  # a condition: every step is asked
    stops = []
    for dbg in (fast, slow):
        found = []
        while dbg.continue_() is not None:
            found.append((dbg.position, dbg.reason))
        stops.append(found)
    assert stops[0] == stops[1] and stops[0]
    assert [fast.recorded[i].text for i in range(len(fast))] == [s.text for s in net.steps(x, target=target)]

"""Stepping through a forward pass: next, back, continue to a breakpoint, stop on anomalies; pdb in a neuron.

>>> from scalarnet import load
>>> dbg = Debugger(load("tutorial-deep"), [3, 5], stop_on=["dead-relu"])
>>> print(dbg.next())
node0_0: 3*2 = 6
>>> print(dbg.continue_(), "|", dbg.reason)
node0_1: relu(-13) = 0 | dead ReLU hidden1.node0_1 (z = -13)
>>> print(dbg.back())
node0_1: 12 + 5*(-5) = -13
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from .errors import NetworkError
from .numbers import Number, fmt, is_finite, is_number
from .steps import Step, StepError, steps
from .trace import values_text

if TYPE_CHECKING:
    from .network import Network
    from .neuron import Neuron

#: The anomalies `stop_on` knows: the first NaN or infinity, each dead ReLU, the first big value.
STOP_ON = ("nan", "dead-relu", "magnitude")


class Debugger:
    """A recorded forward pass to walk in both directions, with breakpoints and stop conditions.

    The position starts before the first step (`current` is None). `next()` and
    `back()` move one step and return the new current step (None when there is
    none that way: the position then stays at the end, or goes to the start);
    `continue_()` runs to the next step where a breakpoint or a `stop_on`
    condition holds, sets `reason`, and returns that step (or None after running
    to the end). Steps are computed when first reached and kept, so `back` is
    exact and cheap.

    `stop_on` names anomalies: "nan" (the first step whose value is NaN or
    infinite), "dead-relu" (every ReLU whose pre-activation is <= 0), and
    "magnitude" (the first value whose magnitude passes `bound`).
    """

    def __init__(self, net: Network, x: Sequence[Number] | Mapping[str, Number],
                 granularity: str = "op", stop_on: Iterable[str] = (), bound: Number | None = None,
                 digits: int | None = None):
        stop_on = [stop_on] if isinstance(stop_on, str) else list(stop_on)
        for name in stop_on:
            if name not in STOP_ON:
                raise StepError(f"stop_on {name!r}: expected one of {', '.join(STOP_ON)}")
        if "magnitude" in stop_on and bound is None:
            raise StepError("stop_on 'magnitude' needs a bound (bound=1000; in the CLI --bound 1000)")
        if bound is not None and "magnitude" not in stop_on:
            raise StepError(f"bound {bound!r} is only used with stop_on 'magnitude'")
        if bound is not None and (not is_number(bound) or not bound >= 0):
            raise StepError(f"bound: expected a number >= 0, got {bound!r}")
        self.net = net
        self.granularity = granularity
        self.stop_on = stop_on
        self.bound = bound
        self.digits = digits  # of floats in the texts: the steps', the reasons', the output's
        self._pending = steps(net, x, granularity, digits)
        self.input_values = net.input_values(x)
        self.recorded: list[Step] = []
        self._anomalies: list[list[str]] = []
        self._seen_nonfinite = self._seen_big = False
        self._breakpoints: list[tuple[str, Callable]] = []
        self.position = -1
        self.reason = ""

    # -- the recorded pass ------------------------------------------------------------------

    def _reach(self, index: int) -> bool:
        """Compute steps up to `index`; False when the pass has fewer steps."""
        while len(self.recorded) <= index:
            step = next(self._pending, None)
            if step is None:
                return False
            self.recorded.append(step)
            self._anomalies.append(self._check(step))
        return True

    def _check(self, step: Step) -> list[str]:
        # anomalies are judged once, in order, as each step is first computed
        found = []
        results = step.results
        if "nan" in self.stop_on and not self._seen_nonfinite:
            bad = [v for v in results if not is_finite(v)]
            if bad:
                self._seen_nonfinite = True
                found.append(f"the first non-finite value ({fmt(bad[0])}) at {step.path}")
        if "magnitude" in self.stop_on and not self._seen_big:
            big = [v for v in results if v == v and abs(v) > self.bound]  # a Decimal NaN refuses >
            if big:
                self._seen_big = True
                found.append(f"the first value beyond the bound {fmt(self.bound)} "
                             f"({fmt(big[0], self.digits)}) at {step.path}")
        if "dead-relu" in self.stop_on and step.activation.name == "relu":
            if step.kind in ("activation", "neuron") and _dead(step.z):
                found.append(f"dead ReLU {step.path} (z = {fmt(step.z, self.digits)})")
            elif step.kind == "layer":
                names = [n.name for n in self.net.layers[step.layer_index].neurons]
                found += [f"dead ReLU {step.layer}.{name} (z = {fmt(z, self.digits)})"
                          for name, z in zip(names, step.z) if _dead(z)]
        return found

    def __len__(self) -> int:
        """The number of steps in the whole pass (computes them all)."""
        while self._reach(len(self.recorded)):
            pass
        return len(self.recorded)

    @property
    def current(self) -> Step | None:
        """The step the debugger stands at, or None before the first one."""
        return self.recorded[self.position] if self.position >= 0 else None

    @property
    def at_end(self) -> bool:
        """Whether the current step is the pass's last."""
        return self.position >= 0 and not self._reach(self.position + 1)

    @property
    def output(self) -> list:
        """The network's output (computes the whole pass)."""
        last = self.recorded[len(self) - 1]
        layer = self.net.layers[-1]
        values = last.values
        return [values[f"{layer.name}.{n.name}"] for n in layer.neurons]

    # -- moving -----------------------------------------------------------------------------

    def next(self) -> Step | None:
        """Go one step forward; None (and stay) at the end."""
        if not self._reach(self.position + 1):
            return None
        self.position += 1
        return self.current

    def back(self) -> Step | None:
        """Go one step back; None once before the first step."""
        if self.position >= 0:
            self.position -= 1
        return self.current

    def continue_(self) -> Step | None:
        """Run to the next step where a breakpoint or stop condition holds and return it.

        `reason` says why it stopped. With no such step it stops at the last step,
        sets `reason` to '' and returns None.
        """
        i = self.position + 1
        while self._reach(i):
            reasons = self.reasons(self.recorded[i])
            if reasons:
                self.position = i
                self.reason = "; ".join(reasons)
                return self.current
            i += 1
        self.position = len(self.recorded) - 1
        self.reason = ""
        return None

    def reasons(self, step: Step) -> list[str]:
        """Why `continue_` would stop at this recorded step: breakpoints, then anomalies."""
        prev = self.recorded[step.index - 1] if step.index > 0 else None
        hits = [label for label, holds in self._breakpoints if holds(step, prev)]
        return hits + self._anomalies[step.index]

    # -- breakpoints ------------------------------------------------------------------------

    def break_at(self, name: str) -> str:
        """Stop where a layer or neuron begins ('hidden1', 'node0_1', 'hidden1.node0_1').

        Returns the breakpoint's label; setting one twice keeps one. At layer
        granularity a neuron's breakpoint stops at its layer's step.
        """
        kind, path = self.resolve(name)
        if kind == "input":
            raise StepError(f"{name!r} is an input: breakpoints go on layers and neurons")
        layer, _, neuron = path.partition(".")
        label = f"breakpoint {path}"
        if label in self.breakpoints:
            return label
        if kind == "layer":
            def holds(step, prev):
                return step.layer == layer and (prev is None or prev.layer != layer)
        else:  # the neuron's first step: its first multiply-add, its neuron step, or its layer's step
            # (not a softmax layer's activation step, which comes after all the layer's sums)
            def holds(step, prev):
                return step.layer == layer and (step.neuron is None or step.neuron == neuron
                                                and (step.term == 0 or step.kind == "neuron"))
        self._breakpoints.append((label, holds))
        return label

    def break_when(self, condition: Callable[[Step], bool], label: str | None = None) -> str:
        """Stop at every step for which `condition(step)` is true; returns the label."""
        if not callable(condition):
            raise StepError(f"break_when: expected a function of the step, got {condition!r}")
        label = f"condition {label or getattr(condition, '__name__', repr(condition))}"
        self._breakpoints.append((label, lambda step, prev: bool(condition(step))))
        return label

    @property
    def breakpoints(self) -> list[str]:
        """The breakpoints' labels, in the order they were set."""
        return [label for label, _ in self._breakpoints]

    def clear(self) -> None:
        """Remove every breakpoint (stop_on conditions stay)."""
        self._breakpoints.clear()

    # -- names ------------------------------------------------------------------------------

    def resolve(self, name: str) -> tuple[str, str]:
        """("input", name), ("layer", name) or ("neuron", 'layer.neuron') for a name in the net."""
        net = self.net
        if not isinstance(name, str) or not name:
            raise StepError(f"expected the name of an input, layer or neuron, got {name!r}")
        if name in net.inputs:
            return "input", name
        if name in [layer.name for layer in net.layers]:
            return "layer", name
        try:
            neuron = net.neuron(name)
        except NetworkError as e:
            if "." in name or "several" in str(e):
                raise StepError(str(e)) from None
            layers = ", ".join(layer.name for layer in net.layers)
            raise StepError(f"no input, layer or neuron {name!r} in network {net.name!r} "
                            f"(inputs: {', '.join(net.inputs)}; layers: {layers}; "
                            "neurons as 'layer.neuron')") from None
        # by identity: two neurons with the same name and weights are equal
        layer = next(layer for layer in net.layers if any(n is neuron for n in layer.neurons))
        return "neuron", f"{layer.name}.{neuron.name}"


def _dead(z) -> bool:
    """Whether a ReLU with pre-activation z outputs 0 for good: z <= 0 (NaN first: a Decimal NaN refuses <=)."""
    return z == z and z <= 0


class Console:
    """The text commands of `scalarnet step` over a Debugger: each command's reply as text.

    n or an empty line: next; b: back; c: continue; break NAME; p NAME; q: quit; h: help.

    >>> from scalarnet import load
    >>> console = Console(Debugger(load("tutorial-deep"), [3, 5]))
    >>> print(console.do("n")[0])
    step 1/14 [hidden1] node0_0: 3*2 = 6
    >>> print(console.do("p node0_0")[0])
    hidden1.node0_0 is not computed yet; so far: node0_0: 3*2 = 6
    """

    PROMPT = "(step) "
    HELP = "\n".join([
        "n or Enter   the next step",
        "b            back one step",
        "c            continue to the next breakpoint or stop condition (or to the end)",
        "break NAME   stop where a layer or neuron begins (hidden1, node0_1, hidden1.node0_1);",
        "             break alone lists the breakpoints",
        "p NAME       print a value (in full): an input, a layer or a neuron",
        "q            quit",
        "h            this help",
    ])

    def __init__(self, debugger: Debugger):
        self.debugger = debugger

    def start(self, go: bool = False) -> str:
        """The opening lines; with `go`, continue as if `c` had been typed and say why it stopped."""
        dbg = self.debugger
        lines = [f"{dbg.net.name}, {self._inputs()}: {len(dbg)} {dbg.granularity} steps",
                 "commands: n/Enter next, b back, c continue, break NAME, p NAME, q quit, h help"]
        if go:
            step = dbg.continue_()
            if step is None:
                lines.append("ran to the end: no breakpoint or stop condition held")
            lines.append(self._stopped(step))
        return "\n".join(lines)

    def do(self, line: str) -> tuple[str, bool]:
        """Run one command line; returns (the reply, whether the session is over)."""
        dbg = self.debugger
        command, _, arg = line.strip().partition(" ")
        arg = arg.strip()
        try:
            if command in ("", "n", "next"):
                step = dbg.next()
                return (self._end() if step is None else self._show(step)), False
            if command in ("b", "back"):
                step = dbg.back()
                return (f"at the start: {self._inputs()}" if step is None else self._show(step)), False
            if command in ("c", "continue"):
                if dbg.at_end:
                    return self._end(), False
                return self._stopped(dbg.continue_()), False
            if command == "break":
                if not arg:
                    return "breakpoints: " + (", ".join(dbg.breakpoints) or "none"), False
                count = len(dbg.breakpoints)
                label = dbg.break_at(arg)
                return f"{label} {'set' if len(dbg.breakpoints) > count else 'is already set'}", False
            if command in ("p", "print"):
                if not arg:
                    return "p needs a name: an input, a layer or a neuron (e.g. p node0_1)", False
                return self._value(arg), False
            if command in ("q", "quit", "exit"):
                return "", True
            if command in ("h", "help", "?"):
                return self.HELP, False
        except StepError as e:
            return f"error: {e}", False
        return f"unknown command {line.strip()!r}: type h for help", False

    # -- the replies ------------------------------------------------------------------------

    def _inputs(self) -> str:
        dbg = self.debugger
        pairs = zip(dbg.net.inputs, dbg.input_values)
        return "inputs " + ", ".join(f"{name} = {fmt(v)}" for name, v in pairs)

    def _show(self, step: Step) -> str:
        count = f"step {step.index + 1}/{len(self.debugger)}"
        if step.kind == "layer":
            lines = [f"{count} {step.text}"] + [f"  {line}" for line in step.arithmetic.split("\n")]
        else:
            lines = [f"{count} [{step.layer}] {step.text}"]
            if step.arithmetic != step.text:
                lines.append(f"  so far: {step.arithmetic}")
        if self.debugger.at_end:
            lines.append(self._end())
        return "\n".join(lines)

    def _stopped(self, step: Step | None) -> str:
        dbg = self.debugger
        if step is None:
            return self._show(dbg.current)
        return f"stopped: {dbg.reason}\n{self._show(step)}"

    def _end(self) -> str:
        return f"end of the pass: output = {values_text(self.debugger.output, self.debugger.digits)}"

    def _value(self, name: str) -> str:
        dbg = self.debugger
        kind, path = dbg.resolve(name)
        step = dbg.current
        known = step.values if step is not None else dict(zip(dbg.net.inputs, dbg.input_values))
        if kind == "input":
            return f"{path} = {fmt(known[path])}"
        if kind == "layer":
            layer = dbg.net.layer(path)
            values = [known.get(f"{path}.{n.name}", "?") for n in layer.neurons]
            return f"{path} = [{', '.join(v if v == '?' else fmt(v) for v in values)}]"
        if path in known:
            return f"{path} = {fmt(known[path])}"
        if step is not None and step.path == path:
            return f"{path} is not computed yet; so far: {step.arithmetic}"
        return f"{path} is not computed yet"


# -- pdb: a stop inside one neuron's loop ------------------------------------------------------


def forward_with_breakpoint(net: Network, values: list, name: str) -> list:
    """`net.forward(values)`, stopping in the debugger inside neuron `name`'s multiply-add loop.

    The same arithmetic as `Network.forward`; only the named neuron runs
    `debug_weighted_sum`, which calls `breakpoint()` (so PYTHONBREAKPOINT=0
    turns the stop off and PYTHONBREAKPOINT=module.function picks another debugger).
    """
    if not isinstance(name, str):
        raise StepError(f"breakpoint_at: expected a neuron's name like 'hidden1.node0_1', got {name!r}")
    target = net.neuron(name)
    for layer in net.layers:
        zs = [debug_weighted_sum(n, values, f"{layer.name}.{n.name}") if n is target
              else n.weighted_sum(values) for n in layer.neurons]
        values = layer.activation.apply(zs)
    return values


def debug_weighted_sum(neuron: Neuron, inputs: Sequence[Number], name: str) -> Number:
    """`Neuron.weighted_sum` with a `breakpoint()` before its loop, locals named for the arithmetic.

    In pdb: `n` runs one line (the loop's head, then one multiply-add `total += x * w`),
    `p x, w, total` shows the current input, weight and running sum, `c` goes on.
    """
    weights = neuron.weights
    bias = neuron.bias
    if len(inputs) != len(weights):
        neuron._check(inputs)  # raises InputError, naming the neuron
    total = 0
    breakpoint()  # scalarnet: stopped in neuron `name`; n = next multiply-add, p total, c = go on
    for x, w in zip(inputs, weights):
        total += x * w
    return total + bias

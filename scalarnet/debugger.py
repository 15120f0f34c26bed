"""Stepping through a pass, forward and (with a target) backward: next, back, continue to a breakpoint, stop on anomalies.

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

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from .console import Console
from .errors import NetworkError
from .numbers import Number, fmt, is_finite, is_number
from .pdbstop import debug_weighted_sum, forward_with_breakpoint
from .steps import Step, StepError, _Run, count_steps, pieces

if TYPE_CHECKING:
    from .network import Network

#: The anomalies `stop_on` knows: the first NaN or infinity, each dead ReLU, the first big value;
#: with a target, each dL/dz whose magnitude is below (vanishing) or above (exploding) the bound.
STOP_ON = ("nan", "dead-relu", "magnitude", "vanishing", "exploding")
_BOUNDED = ("magnitude", "vanishing", "exploding")

__all__ = ["Console", "Debugger", "STOP_ON", "debug_weighted_sum", "forward_with_breakpoint"]


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
    infinite), "dead-relu" (every ReLU whose pre-activation is <= 0),
    "magnitude" (the first value whose magnitude passes `bound`), and with a
    `target` "vanishing" and "exploding" (every dL/dz whose magnitude is below,
    or above, `bound`).

    With a `target` (and a `loss`, "mse" unless given) the backward pass follows
    the forward one (see `scalarnet.backsteps`); `gradients` is then the whole
    `Gradients` once the last step is reached. `interrupted = True` (a Ctrl-C
    handler's) makes a running `continue_` stop at the step it has reached.
    """

    def __init__(self, net: Network, x: Sequence[Number] | Mapping[str, Number],
                 granularity: str = "op", stop_on: Iterable[str] = (), bound: Number | None = None,
                 digits: int | None = None, target: Sequence[Number] | None = None,
                 loss: str = "mse"):
        stop_on = [stop_on] if isinstance(stop_on, str) else list(stop_on)
        for name in stop_on:
            if name not in STOP_ON:
                raise StepError(f"stop_on {name!r}: expected one of {', '.join(STOP_ON)}")
            if name in ("vanishing", "exploding") and target is None:
                raise StepError(f"stop_on {name!r} watches the backward pass: give a target "
                                "(target=[...]; in the CLI --target ...)")
        bounded = [name for name in stop_on if name in _BOUNDED]
        if bounded and bound is None:
            raise StepError(f"stop_on {bounded[0]!r} needs a bound (bound=1000; in the CLI --bound 1000)")
        if bound is not None and not bounded:
            raise StepError(f"bound {bound!r} is only used with stop_on {', '.join(map(repr, _BOUNDED))}")
        if bound is not None and (not is_number(bound) or not bound >= 0):
            raise StepError(f"bound: expected a number >= 0, got {bound!r}")
        self.net = net
        self.granularity = granularity
        self.stop_on = stop_on
        self.bound = bound
        self.digits = digits  # of floats in the texts: the steps', the reasons', the output's
        self.target = target
        self.loss = loss
        self._pending = pieces(net, x, granularity, digits, target=target, loss=loss)
        self.counts = count_steps(net, granularity, target is not None)  # (forward, backward)
        self.interrupted = False
        self.input_values = net.input_values(x)
        self._pieces: list = []  # the pieces of the pass computed so far (see steps.pieces)
        self._starts: list[int] = []  # each piece's first step's index
        self._made: dict[int, Step] = {}  # the steps of runs made so far, by index
        self.recorded = _Recorded(self)  # every step computed so far, by index
        self._anomalies: dict[int, list[str]] = {}  # by index, for steps where one was found
        self._checked = 0  # the steps before this index have been checked for anomalies, in order
        self._seen_nonfinite = self._seen_big = False
        self._breakpoints: list[tuple[str, Callable]] = []
        self.position = -1
        self.reason = ""

    # -- the recorded pass ------------------------------------------------------------------

    def _reach(self, index: int) -> bool:
        """Compute the pass up to step `index`; False when the pass has fewer steps."""
        while len(self.recorded) <= index:
            piece = next(self._pending, None)
            if piece is None:
                return False
            self._starts.append(len(self.recorded))
            self._pieces.append(piece)
            self.recorded.count += len(piece)
        return True

    def _piece(self, index: int) -> tuple:
        """(the piece holding step `index`, the index of its first step); the step is reached."""
        k = bisect_right(self._starts, index) - 1
        return self._pieces[k], self._starts[k]

    def _step(self, index: int) -> Step:
        piece, start = self._piece(index)
        if not isinstance(piece, _Run):
            return piece[index - start]
        step = self._made.get(index)
        if step is None:  # made once, so that the same step is the same object
            step = self._made[index] = piece[index - start]
        return step

    def _anomalies_at(self, index: int) -> list[str]:
        """The anomalies at a reached step: every step before it is checked first, in order."""
        if not self.stop_on:
            return []
        while self._checked <= index:
            piece, start = self._piece(self._checked)
            if isinstance(piece, _Run) and self._checked == start and self._clean(piece):
                self._checked = start + len(piece)  # a neuron's sum where nothing stops
                continue
            found = self._check(self._step(self._checked))
            if found:
                self._anomalies[self._checked] = found
            self._checked += 1
        return self._anomalies.get(index, [])

    def _clean(self, run) -> bool:
        """Whether no multiply-add of a neuron's run stops "nan" or "magnitude" (which alone
        look at a multiply-add's value, until each has stopped once): its sums, read at once."""
        nan = "nan" in self.stop_on and not self._seen_nonfinite
        big = "magnitude" in self.stop_on and not self._seen_big
        if not (nan or big):
            return True
        sums = run[0]._at.sums[1:]  # each step's result
        if nan and not all(map(is_finite, sums)):
            return False
        return not (big and any(v == v and abs(v) > self.bound for v in sums))

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
        if step.pass_ == "backward":
            return found + self._check_gradient(step)
        if "dead-relu" in self.stop_on and step.activation.name == "relu":
            if step.kind in ("activation", "neuron") and _dead(step.z):
                found.append(f"dead ReLU {step.path} (z = {fmt(step.z, self.digits)})")
            elif step.kind == "layer":
                names = [n.name for n in self.net.layers[step.layer_index].neurons]
                found += [f"dead ReLU {step.layer}.{name} (z = {fmt(z, self.digits)})"
                          for name, z in zip(names, step.z) if _dead(z)]
        return found

    def _check_gradient(self, step: Step) -> list[str]:
        # vanishing and exploding: every dL/dz step, neuron step or layer step's neuron
        watch = [name for name in ("vanishing", "exploding") if name in self.stop_on]
        if not watch or step.layer is None:  # the inputs' dL/dx is no dL/dz
            return []
        if step.kind == "layer":
            pairs = [(f"{step.layer}.{n.name}", d)
                     for n, d in zip(self.net.layers[step.layer_index].neurons, step.result)]
        elif step.kind == "neuron" or step.gradient == "dL/dz":
            pairs = [(step.path, step.result)]
        else:
            return []
        found, bound = [], self.bound
        for path, d in pairs:
            size = abs(d) if d == d else d
            if "vanishing" in watch and size < bound:
                found.append(f"vanishing gradient at {path} (|dL/dz| = {fmt(size, self.digits)} "
                             f"< {fmt(bound)})")
            if "exploding" in watch and size > bound:
                found.append(f"exploding gradient at {path} (|dL/dz| = {fmt(size, self.digits)} "
                             f"> {fmt(bound)})")
        return found

    def __len__(self) -> int:
        """The number of steps in the whole pass (from the network's shape: nothing is computed)."""
        return sum(self.counts)

    @property
    def gradients(self):
        """The backward pass's Gradients once its last step is reached (None before, or without a target)."""
        step = self.current
        return getattr(step, "gradients", None) if step is not None and self.at_end else None

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
        self._reach(self.counts[0] - 1)
        last = self.recorded[self.counts[0] - 1]
        layer = self.net.layers[-1]
        values = last.values
        return [values[f"{layer.name}.{n.name}"] for n in layer.neurons]

    def _repr_html_(self) -> str:
        """Jupyter shows the debugger's pass as the step-by-step player, inline (in an iframe of
        its own, so its script and ids stay apart from the notebook's); a pass with too many
        steps for frames as a line of text saying so."""
        import html

        from . import player

        try:
            built = player.frames(self.net, self.input_values, self.granularity,
                                  player.DIGITS if self.digits is None else self.digits,
                                  target=self.target, loss=self.loss)
        except StepError as e:
            return f"<pre>{html.escape(str(e))}</pre>"
        page = player.player_html(self.net, built, player.render_frames(built))
        return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width: 100%; height: 640px; '
                f'border: 0" title="{html.escape(self.net.name, quote=True)}: steps"></iframe>')

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
        self.interrupted = False
        # A breakpoint on a layer or neuron holds only at a step that opens its neuron (or
        # layer): the other multiply-adds are passed at the speed of making them.
        conditions = any(label.startswith("condition ") for label, _ in self._breakpoints)
        while self._reach(i):
            if self.interrupted:  # Ctrl-C: stop where the pass has got to
                self.interrupted = False
                self.position = i
                self.reason = "interrupted"
                return self.current
            piece, start = self._piece(i)
            if not conditions and isinstance(piece, _Run) and i > start:
                # the rest of a neuron's sum: no breakpoint holds there, and once checked (at
                # once, when clean) no anomaly either
                end = start + len(piece)
                self._anomalies_at(end - 1)
                if not any(j in self._anomalies for j in range(i, end)):
                    i = end
                    continue
            step = self.recorded[i]
            if not (conditions or step._opens or self._anomalies_at(i)):
                i += 1  # a later term, a dL/dz, dL/dw or dL/dbias: no breakpoint holds there
                continue
            reasons = self.reasons(step)
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
        return hits + list(self._anomalies_at(step.index))

    # -- breakpoints ------------------------------------------------------------------------

    def break_at(self, name: str) -> str:
        """Stop where a layer or neuron begins ('hidden1', 'node0_1', 'hidden1.node0_1'), in the
        forward pass and again in the backward pass.

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
                return step.layer == layer and (prev is None or prev.layer != layer
                                                or prev.pass_ != step.pass_)
        else:  # the neuron's first step: its first multiply-add, its neuron step, or its layer's step
            # (not a softmax layer's activation step, which comes after all the layer's sums);
            # backward: its first dL/da step, its neuron step or its layer's step
            def holds(step, prev):
                if step.layer != layer:
                    return False
                if step.neuron is None:
                    return True
                if step.pass_ == "backward":
                    return step.neuron == neuron and step.gradient in ("dL/da", None) and not step.term
                return step.neuron == neuron and (step.term == 0 or step.kind == "neuron")
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

    def clear(self, name: str | None = None) -> list[str]:
        """Remove the breakpoint on `name` (a layer or neuron), or every breakpoint; returns the
        labels removed (stop_on conditions stay)."""
        if name is None:
            removed = self.breakpoints
            self._breakpoints.clear()
            return removed
        kind, path = self.resolve(name)
        label = f"breakpoint {path}"
        if label not in self.breakpoints:
            raise StepError(f"no breakpoint on {path!r} (breakpoints: {', '.join(self.breakpoints) or 'none'})")
        self._breakpoints = [b for b in self._breakpoints if b[0] != label]
        return [label]

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


class _Recorded:
    """The steps a Debugger has computed, by index: `len()` and `[i]`, each made when first read."""

    __slots__ = ("debugger", "count")

    def __init__(self, debugger: Debugger):
        self.debugger = debugger
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> Step:
        if not 0 <= index < self.count:
            raise IndexError(f"step {index}: {self.count} steps are computed")
        return self.debugger._step(index)


def _dead(z) -> bool:
    """Whether a ReLU with pre-activation z outputs 0 for good: z <= 0 (NaN first: a Decimal NaN refuses <=)."""
    return z == z and z <= 0

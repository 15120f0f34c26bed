"""The stepper's commands as text: each command line of `scalarnet step` and its reply, over a Debugger.

The commands follow pdb's where pdb has one: `n` (or Enter) next, `c` continue,
`b NAME` / `break NAME` set a breakpoint (`b` alone lists them), `cl NAME` /
`clear [NAME]` remove one (or all), `p NAME` print, `q` quit, `h` help; and
`back` (or `bk`) one step back, which pdb has no word for.

>>> from scalarnet import load
>>> from scalarnet.debugger import Debugger
>>> console = Console(Debugger(load("tutorial-deep"), [3, 5]))
>>> print(console.do("n")[0])
step 1/14 [hidden1] node0_0: 3*2 = 6
>>> print(console.do("p node0_0")[0])
hidden1.node0_0 is not computed yet; so far: node0_0: 3*2 = 6
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .numbers import fmt
from .steps import Step, StepError
from .trace import values_text

if TYPE_CHECKING:
    from .debugger import Debugger

#: Every command word and what it does, the short words first (for help and completion).
COMMANDS = {
    "n": "next", "next": "next", "": "next",
    "bk": "back", "back": "back",
    "c": "continue", "cont": "continue", "continue": "continue",
    "b": "break", "break": "break",
    "cl": "clear", "clear": "clear",
    "p": "print", "print": "print",
    "q": "quit", "quit": "quit", "exit": "quit",
    "h": "help", "help": "help", "?": "help",
}


class Console:
    """The text commands of `scalarnet step` over a Debugger: each command's reply as text."""

    PROMPT = "(step) "
    BANNER = "commands: n/Enter next, back, c continue, b NAME break, cl NAME clear, p NAME, q quit, h help"
    HELP = "\n".join([
        "n or Enter     the next step",
        "back or bk     back one step (pdb has no back; b is break, as in pdb)",
        "c              continue to the next breakpoint or stop condition (or to the end);",
        "               Ctrl-C stops it where it has got to",
        "b NAME         break: stop where a layer or neuron begins (hidden1, node0_1,",
        "               hidden1.node0_1), in the forward and the backward pass; b alone lists them",
        "cl [NAME]      clear the breakpoint on NAME, or every breakpoint",
        "p NAME         print an input, a layer or a neuron: its z, a, weights and bias, and in",
        "               the backward pass its gradients",
        "q              quit (also Ctrl-D, or Ctrl-C at the prompt)",
        "h              this help",
    ])

    def __init__(self, debugger: Debugger):
        self.debugger = debugger

    def start(self, go: bool = False) -> str:
        """The opening lines; with `go`, continue as if `c` had been typed and say why it stopped."""
        dbg = self.debugger
        forward, backward = dbg.counts
        if dbg.target is None:
            head = f"{dbg.net.name}, {self._inputs()}: {forward} {dbg.granularity} steps"
        else:
            head = (f"{dbg.net.name}, {self._inputs()}, target {values_text(list(dbg.target))} "
                    f"({dbg.loss}): {forward} forward + {backward} backward {dbg.granularity} steps")
        lines = [head, self.BANNER]
        if go:
            step = dbg.continue_()
            if step is None:
                lines.append("ran to the end: no breakpoint or stop condition held")
            lines.append(self._stopped(step))
        return "\n".join(lines)

    def do(self, line: str) -> tuple[str, bool]:
        """Run one command line; returns (the reply, whether the session is over)."""
        dbg = self.debugger
        word, _, arg = line.strip().partition(" ")
        arg = arg.strip()
        command = COMMANDS.get(word)
        try:
            if command == "next":
                step = dbg.next()
                return (self._end() if step is None else self._show(step)), False
            if command == "back":
                step = dbg.back()
                return (f"at the start: {self._inputs()}" if step is None else self._show(step)), False
            if command == "continue":
                if dbg.at_end:
                    return self._end(), False
                return self._stopped(dbg.continue_()), False
            if command == "break":
                if not arg:
                    return "breakpoints: " + (", ".join(dbg.breakpoints) or "none"), False
                count = len(dbg.breakpoints)
                label = dbg.break_at(arg)
                return f"{label} {'set' if len(dbg.breakpoints) > count else 'is already set'}", False
            if command == "clear":
                removed = dbg.clear(arg or None)
                return f"cleared: {', '.join(removed) or 'no breakpoints'}", False
            if command == "print":
                if not arg:
                    return "p needs a name: an input, a layer or a neuron (e.g. p node0_1)", False
                return self._value(arg), False
            if command == "quit":
                return "", True
            if command == "help":
                return self.HELP, False
        except StepError as e:
            return f"error: {e}", False
        return f"unknown command {line.strip()!r}: type h for help", False

    def names(self) -> list[str]:
        """What a command's NAME may be: the inputs, the layers, the neurons (alone and as
        'layer.neuron'), for completion."""
        net = self.debugger.net
        found = list(net.inputs)
        for layer in net.layers:
            found.append(layer.name)
            found += [n.name for n in layer.neurons] + [f"{layer.name}.{n.name}" for n in layer.neurons]
        return list(dict.fromkeys(found))

    # -- the replies ------------------------------------------------------------------------

    def _inputs(self) -> str:
        dbg = self.debugger
        pairs = zip(dbg.net.inputs, dbg.input_values)
        return "inputs " + ", ".join(f"{name} = {fmt(v)}" for name, v in pairs)

    def _show(self, step: Step) -> str:
        dbg = self.debugger
        count = f"step {step.index + 1}/{len(dbg)}"
        text = step.text.split("\n")
        if step.kind == "layer":
            lines = [f"{count} {text[0]}"] + [f"  {line}" for line in step.arithmetic.split("\n")]
        else:
            where = f"[{step.layer}] " if step.layer is not None else "[inputs] "
            lines = [f"{count} {where}{text[0]}"]
            lines += [" " * len(f"{count} {where}") + line for line in text[1:]]
            if step.arithmetic != step.text:
                lines.append(_so_far(step))
        if dbg.target is not None and step.index == dbg.counts[0] - 1:
            lines.append(f"end of the forward pass: output = {values_text(dbg.output, dbg.digits)}; "
                         "the backward pass follows")
        elif dbg.at_end:
            lines.append(self._end())
        return "\n".join(lines)

    def _stopped(self, step: Step | None) -> str:
        dbg = self.debugger
        if step is None:
            return self._show(dbg.current)
        return f"stopped: {dbg.reason}\n{self._show(step)}"

    def _end(self) -> str:
        dbg = self.debugger
        if dbg.target is None:
            return f"end of the pass: output = {values_text(dbg.output, dbg.digits)}"
        g = dbg.current.gradients
        d = dbg.digits
        dx = ", ".join(f"dL/d{name} = {fmt(v, d)}" for name, v in zip(dbg.net.inputs, g.dx))
        return f"end of the backward pass: {g.loss_text(d)}; {dx}"

    def _value(self, name: str) -> str:
        dbg = self.debugger
        kind, path = dbg.resolve(name)
        step = dbg.current
        known = step.values if step is not None else dict(zip(dbg.net.inputs, dbg.input_values))
        grads = dict(step.gradients_done()) if step is not None and step.pass_ == "backward" else {}
        d = dbg.digits
        if kind == "input":
            line = f"{path} = {fmt(known[path], d)}"
            return line + (f", dL/d{path} = {fmt(grads[path], d)}" if path in grads else "")
        if kind == "layer":
            layer = dbg.net.layer(path)
            values = [known.get(f"{path}.{n.name}", "?") for n in layer.neurons]
            return f"{path} = [{', '.join(v if v == '?' else fmt(v, d) for v in values)}]"
        if path not in known:
            if step is not None and step.path == path:
                return f"{path} is not computed yet; so far: {step.arithmetic}"  # one line forward
            return f"{path} is not computed yet"
        record = next(r for r in step.neurons_done() if r.path == path)
        weights = ", ".join(fmt(w, d) for w in record.weights)
        lines = [f"{path}: z = {fmt(record.z, d)}, a = {fmt(record.a, d)} ({record.layer.activation.name}); "
                 f"weights [{weights}], bias {fmt(record.bias, d)}"]
        if path in grads:
            g = grads[path]
            lines.append(f"  dL/da = {fmt(g.da, d)}, dL/dz = {fmt(g.dz, d)}, "
                         f"dL/dw = {values_text(g.dw, d)}, dL/dbias = {fmt(g.dbias, d)}")
        elif step.pass_ == "backward" and step.path == path:
            lines.append(_so_far(step))
        return "\n".join(lines)


def _so_far(step: Step) -> str:
    """`  so far: ` and the step's arithmetic, its later lines kept under its first."""
    first, *rest = step.arithmetic.split("\n")
    return "\n".join([f"  so far: {first}"] + [" " * len("  so far: ") + line for line in rest])

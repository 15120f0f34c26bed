"""The `step` command: its pictures (--frames, --html) and its session, a readline prompt at a terminal
(cmd) or commands piped in, echoed."""

from __future__ import annotations

import argparse
import cmd
import os
import signal
import sys

from .backprop import LOSSES
from .cli import (ENGINE_HELP, ENGINES, CLIError, _digits, _write_files, add_net_arguments, load_net,
                  one_input, parse_number, print)  # print: names escaped for the terminal
from .console import COMMANDS, Console
from .debugger import STOP_ON, Debugger
from .network import Network
from .outputs import StagedFile

GRANULARITIES = ("op", "neuron", "layer")  # finest first
#: --frames/--html draw at most this many steps by default: each is a whole diagram (~30 ms)
MAX_PICTURE_STEPS = 200


class StepShell(cmd.Cmd):
    """The prompt at a terminal: line editing and history (readline), Tab completes commands and
    names; every line goes to the Console; Ctrl-C stops a running `c` and returns to the prompt."""

    prompt = Console.PROMPT

    def __init__(self, console: Console):
        super().__init__()
        self.console = console

    def onecmd(self, line: str) -> bool:
        if line == "EOF":  # Ctrl-D
            print()
            return True
        dbg = self.console.debugger

        def interrupt(signum, frame):
            dbg.interrupted = True  # `continue_` stops at the step it has reached

        previous = signal.signal(signal.SIGINT, interrupt)
        try:
            reply, over = self.console.do(line)
        finally:
            signal.signal(signal.SIGINT, previous)
        if reply:
            print(reply, flush=True)
        return over

    def completenames(self, text: str, *ignored) -> list[str]:
        return [word for word in COMMANDS if word and word.startswith(text)]

    def completedefault(self, text: str, line: str, begidx: int, endidx: int) -> list[str]:
        return [name for name in self.console.names() if name.startswith(text)]


def session(console: Console) -> None:
    """Read commands until `q`, the end of input or Ctrl-C at the prompt, and print the replies."""
    if sys.stdin.isatty():
        try:
            StepShell(console).cmdloop()
        except KeyboardInterrupt:  # at the prompt: end the line the ^C was typed on, and quit
            print()
        return
    for line in sys.stdin:
        line = line.rstrip("\r\n")
        print(f"{Console.PROMPT}{line}")
        reply, over = console.do(line)
        if reply:
            print(reply, flush=True)
        if over:
            return


def _count(text: str) -> int:
    """A whole number >= 1 (--max-steps)."""
    if not (text.isdecimal() and 1 <= int(text)):
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def cmd_step(args: argparse.Namespace) -> int:
    net = load_net(args)
    x = one_input(args, net)
    target = None if args.target is None else [parse_number(t, "--target") for t in args.target]
    net.trace(x)  # a pass that cannot be computed (e.g. 10**400 * 1.5) is one line, before any prompt
    if args.frames or args.html:
        return _step_pictures(args, net, x, target)
    bounded = [name for name in args.stop_on or () if name in ("magnitude", "vanishing", "exploding")]
    if bounded and args.bound is None:
        what = {"magnitude": "the magnitude past which to stop",
                "vanishing": "the |dL/dz| below which to stop",
                "exploding": "the |dL/dz| above which to stop"}[bounded[0]]
        raise CLIError(f"--stop-on {bounded[0]} needs --bound N: {what} "
                       f"(e.g. --stop-on {bounded[0]} --bound 1000)")
    bound = None if args.bound is None else parse_number(args.bound, "--bound")
    dbg = Debugger(net, x, args.granularity, stop_on=args.stop_on or (), bound=bound,
                   digits=args.digits, target=target, loss=args.loss)
    for name in args.breakpoints or ():
        dbg.break_at(name)
    console = Console(dbg)
    print(console.start(go=bool(args.breakpoints or args.stop_on)), flush=True)
    session(console)
    return 0


def _step_pictures(args: argparse.Namespace, net: Network, x: list, target: list | None) -> int:
    """--frames DIR (one SVG per step) and --html FILE (the player): the whole pass, no session."""
    from . import player

    if args.breakpoints or args.stop_on:
        raise CLIError("--frames and --html draw the whole pass: --break and --stop-on are "
                       "for the interactive session")
    digits = player.DIGITS if args.digits is None else args.digits
    _check_step_count(args, net, x, target)
    built = player.frames(net, x, args.granularity, digits, target=target, loss=args.loss)
    svgs = player.render_frames(built, args.engine)
    page = None
    if args.html:  # written in full first, put in place only once the frames are: all or nothing
        try:
            page = StagedFile(args.html, player.player_html(net, built, svgs))
        except OSError as e:
            raise CLIError(f"--html: cannot write {args.html!r} ({e.strerror})") from None
    try:
        if args.frames:
            names = player.frame_names(len(svgs))
            # all frames or none; an earlier run's frames would mix with these: removed on success
            _write_files(args.frames, dict(zip(names, svgs)), "--frames",
                         stale=lambda found: player.stale_frames(found, len(svgs)))
            count = f"{len(svgs)} frame{'s' if len(svgs) != 1 else ''}"
            print(f"{count}: {os.path.join(args.frames, names[0])} ... {names[-1]}")
        if page is not None:
            try:
                page.commit()
            except OSError as e:
                raise CLIError(f"--html: cannot write {args.html!r} ({e.strerror})") from None
            print(f"{args.html}: a player of {len(svgs)} steps")
    finally:
        if page is not None:
            page.discard()
    return 0


def _check_step_count(args: argparse.Namespace, net: Network, x: list, target: list | None) -> None:
    """Refuse --frames/--html past --max-steps before drawing: every step is a whole diagram."""
    import itertools

    def steps(granularity):
        return net.steps(x, granularity, target=target, loss=args.loss)

    limit = args.max_steps
    if sum(1 for _ in itertools.islice(steps(args.granularity), limit + 1)) <= limit:
        return
    option = "--html" if args.html else "--frames"
    coarser = GRANULARITIES[GRANULARITIES.index(args.granularity) + 1:]
    advice = " or ".join(f"--granularity {g} ({sum(1 for _ in steps(g))} steps)" for g in coarser)
    raise CLIError(f"{option}: network {net.name!r} has more than {limit} steps at --granularity "
                   f"{args.granularity}, and each is a whole diagram: use {advice + ', or ' if advice else ''}"
                   f"--max-steps N to draw more (slow: about 30 ms a step)")


def add_commands(sub) -> None:
    """The `step` subcommand."""
    p = sub.add_parser("step", help="step through the forward (and backward) pass: next, back, "
                       "breakpoints, frames")
    add_net_arguments(p)
    p.add_argument("--granularity", choices=GRANULARITIES, default="op",
                   help="a step is one multiply-add (op, the default), a neuron or a layer")
    p.add_argument("--break", dest="breakpoints", action="append", metavar="NAME",
                   help="start at the first step of this layer or neuron (repeatable)")
    p.add_argument("--target", nargs="+", metavar="VALUE",
                   help="go on into the backward pass for this target (one value per output)")
    p.add_argument("--loss", choices=LOSSES, default="mse",
                   help="the loss for --target (default mse)")
    p.add_argument("--stop-on", action="append", choices=STOP_ON,
                   help="start at the first NaN/infinity (nan), a dead ReLU (dead-relu), a "
                        "value beyond --bound (magnitude), or with --target a dL/dz below "
                        "(vanishing) or above (exploding) --bound; repeatable")
    p.add_argument("--bound", metavar="NUMBER",
                   help="the bound for --stop-on magnitude, vanishing and exploding")
    p.add_argument("--digits", type=_digits, help="significant digits for floats "
                   "(default: in full; 4 in --frames and --html)")
    p.add_argument("--frames", metavar="DIR", help="write one SVG per step into DIR and exit")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML player of the "
                   "steps and exit")
    p.add_argument("--engine", choices=ENGINES, default="auto",
                   help="the Graphviz for --frames and --html: " + ENGINE_HELP)
    p.add_argument("--max-steps", type=_count, default=MAX_PICTURE_STEPS, metavar="N",
                   help=f"--frames and --html draw at most N steps (default {MAX_PICTURE_STEPS}): "
                        "a bigger pass is refused before any drawing")
    p.set_defaults(func=cmd_step)

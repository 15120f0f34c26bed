"""The session of `scalarnet step`: a readline prompt at a terminal (cmd), or commands piped in, echoed."""

from __future__ import annotations

import cmd
import signal
import sys

from .cli import print  # names escaped for the terminal, as every command prints them
from .console import COMMANDS, Console


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

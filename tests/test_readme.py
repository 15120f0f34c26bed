"""The README is code: every Python block and shell command in it runs, and shows what it prints.

What runs, in README order, in one temporary folder per README, with this Python's
``scalarnet`` and ``python`` first on PATH:

- ```python blocks share one namespace; a block of ``>>>`` lines is a doctest, any other
  block runs as a script, and an unlabelled block right after it (only blank lines
  between) must appear in what it printed;
- ```sh / ```console / ```bash lines are commands (``$ `` in front is allowed, a
  trailing ``# comment`` is not part of the command); each must exit 0, or N when its
  comment says ``exit N``;
- a block whose lines start with ``$ `` (an unlabelled one too) is a transcript: each
  command's output (stdout and stderr, as a terminal shows them) must be exactly the
  lines shown under it, where a line starting with ``...`` stands for any lines;
- ```json blocks are network files: ``scalarnet.loads`` must read them.

A block not meant to run gets ``<!-- no-run: the reason -->`` on the line before it
(use sparingly). Commands that install packages, run the tests themselves, run the
benchmarks or need the system Graphviz are skipped with the reason (see SKIPS).
Every failure names the README line it comes from.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md"]
FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")
NO_RUN = re.compile(r"^<!--\s*no-run:\s*(.+?)\s*-->$")
SHELLS = ("sh", "console", "bash", "shell")
EXIT = re.compile(r"\bexit (\d+)\b")

# (pattern searched in a command, why it is not run here)
SKIPS = [
    (r"\bpip install\b", "installs packages: run by hand, never by the tests"),
    (r"\bpython -m pytest\b", "runs this test suite itself"),
    (r"\bbenchmarks/", "a benchmark of about a minute: numbers go in the README, not in tests"),
]
NEEDS_DOT = re.compile(r"\.(png|pdf)\b|--engine system|--format (png|pdf)\b")


@dataclass
class Block:
    readme: Path
    line: int  # the line of the opening fence, 1-based
    lang: str
    lines: list[str]
    no_run: str | None = None
    expected_after: Block | None = None  # an unlabelled block right after this python block

    @property
    def place(self) -> str:
        return f"{self.readme.name}:{self.line}"

    @property
    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def is_transcript(self) -> bool:
        return any(line.startswith("$ ") for line in self.lines) and (
            self.lang in SHELLS or (self.lang == "" and self.lines[0].startswith("$ ")))


@dataclass
class Outcome:
    skipped: str | None = None
    failures: list[str] = field(default_factory=list)


def parse(readme: Path) -> list[Block]:
    """The fenced blocks of a README, each with its line and its no-run reason."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opened = FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not re.match(r"^```\s*$", lines[end]):
            end += 1
        before = next((lines[k].strip() for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        marked = NO_RUN.match(before)
        block = Block(readme, i + 1, opened.group(1).lower(), lines[i + 1:end],
                      marked.group(1) if marked else None)
        previous = blocks[-1] if blocks else None
        if (previous is not None and previous.lang == "python" and block.lang == ""
                and not block.is_transcript()
                and all(not line.strip() for line in lines[previous.line + len(previous.lines) + 1:i])):
            previous.expected_after = block
        blocks.append(block)
        i = end + 1
    return blocks


def runnable(block: Block) -> bool:
    return block.lang in ("python", "json", *SHELLS) or block.is_transcript()


def matches(expected: list[str], got: list[str]) -> bool:
    """Whether `got` is `expected`, a line starting with '...' standing for any lines (none too)."""
    if not expected:
        return not got
    if expected[0].lstrip().startswith("..."):
        return any(matches(expected[1:], got[k:]) for k in range(len(got) + 1))
    return bool(got) and got[0] == expected[0] and matches(expected[1:], got[1:])


def contains(expected: list[str], got: list[str]) -> bool:
    return any(matches(expected + ["..."], got[k:]) for k in range(len(got) + 1))


def skip_reason(command: str) -> str | None:
    for pattern, reason in SKIPS:
        if re.search(pattern, command):
            return reason
    if NEEDS_DOT.search(command) and shutil.which("dot") is None:
        return "needs the system Graphviz ('dot' on PATH; apt-get install graphviz)"
    return None


def strip_comment(line: str) -> tuple[str, str]:
    """`cmd  # note` -> ('cmd', 'note'); a '#' inside quotes stays part of the command."""
    quote = None
    for k, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (k == 0 or line[k - 1].isspace()):
            return line[:k].rstrip(), line[k + 1:].strip()
    return line.rstrip(), ""


class Runner:
    """Runs one README's blocks in order in one folder, keeping each block's outcome."""

    def __init__(self, readme: Path, folder: Path):
        self.readme, self.folder = readme, folder
        self.namespace: dict = {"__name__": "__readme__"}
        bin_dirs = [str(Path(sys.executable).parent)]
        if not (Path(sys.executable).parent / "scalarnet").exists():
            # scalarnet not installed here (tests run from the checkout): a `scalarnet` that is
            # `python -m scalarnet`, which finds the checkout through PYTHONPATH (conftest.py)
            shim = folder.parent / f"{folder.name}-bin"
            shim.mkdir(exist_ok=True)
            (shim / "scalarnet").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m scalarnet "$@"\n')
            (shim / "scalarnet").chmod(0o755)
            bin_dirs.insert(0, str(shim))
        self.env = {**os.environ, "PATH": os.pathsep.join(bin_dirs + [os.environ.get("PATH", "")]),
                    "COLUMNS": "100", "PYTHONBREAKPOINT": "0"}
        self.outcomes: dict[int, Outcome] = {}
        previous = os.getcwd()
        os.chdir(folder)
        try:
            for block in parse(readme):
                if runnable(block):
                    self.outcomes[block.line] = self.run(block)
        finally:
            os.chdir(previous)

    def run(self, block: Block) -> Outcome:
        if block.no_run:
            return Outcome(skipped=f"{block.place}: marked no-run: {block.no_run}")
        if block.lang == "python":
            return self.python(block)
        if block.lang == "json":
            return self.json(block)
        return self.shell(block)

    def python(self, block: Block) -> Outcome:
        outcome = Outcome()
        out = io.StringIO()
        if block.lines and block.lines[0].lstrip().startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(block.text, self.namespace, block.place,
                                                       str(block.readme), block.line)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            runner.run(test, out=out.write, clear_globs=False)
            if runner.failures:
                outcome.failures.append(f"{block.place}: doctest failed:\n{out.getvalue()}")
            return outcome
        # Padded so that a traceback's line numbers are the README's own.
        code = compile("\n" * block.line + block.text, str(block.readme), "exec")
        try:
            with contextlib.redirect_stdout(out):
                exec(code, self.namespace)
        except Exception as error:  # noqa: BLE001 - reported with its README line
            # The traceback from the README's own frames on (not this runner's).
            shown = "".join(traceback.format_exception(type(error), error, error.__traceback__.tb_next))
            outcome.failures.append(f"{block.place}: the python block raised:\n{shown}")
            return outcome
        shown = block.expected_after
        if shown is not None and not contains(shown.lines, out.getvalue().splitlines()):
            outcome.failures.append(
                f"{block.place}: its output is not what {shown.place} shows:\n--- printed:\n"
                f"{out.getvalue()}--- shown:\n{shown.text}")
        return outcome

    def json(self, block: Block) -> Outcome:
        import scalarnet

        try:
            scalarnet.loads(block.text, label=block.place)
        except scalarnet.ScalarnetError as error:
            return Outcome(failures=[f"{block.place}: the network file does not load: {error}"])
        return Outcome()

    def shell(self, block: Block) -> Outcome:
        outcome = Outcome()
        skipped = []
        for line_no, command, expected in self.commands(block):
            command, comment = strip_comment(command)
            reason = skip_reason(command)
            if reason:
                skipped.append(f"{self.readme.name}:{line_no}: `{command}`: {reason}")
                continue
            done = subprocess.run(["bash", "-c", command], cwd=self.folder, env=self.env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, timeout=300)
            where = f"{self.readme.name}:{line_no}: `{command}`"
            if expected is not None:
                if not matches(expected, done.stdout.splitlines()):
                    outcome.failures.append(
                        f"{where}: the output differs from the README's\n--- got:\n{done.stdout}"
                        f"--- README shows:\n" + "".join(f"{e}\n" for e in expected))
                continue
            wanted = int(EXIT.search(comment).group(1)) if EXIT.search(comment) else 0
            if done.returncode != wanted:
                outcome.failures.append(f"{where}: exit status {done.returncode}, expected {wanted}:\n"
                                        f"{done.stdout}")
        if skipped and not outcome.failures and len(skipped) == len(list(self.commands(block))):
            outcome.skipped = "; ".join(skipped)
        return outcome

    def commands(self, block: Block):
        """(README line, command, expected output lines or None) for each command of a block."""
        if block.is_transcript():
            current = None
            for k, line in enumerate(block.lines):
                if line.startswith("$ "):
                    if current:
                        yield current
                    current = (block.line + 1 + k, line[2:], [])
                elif current is not None:
                    current[2].append(line)
            if current:
                yield current
            return
        pending, start = "", 0
        for k, line in enumerate(block.lines):
            line = line[2:] if line.startswith("$ ") else line
            if not pending.strip():
                start = block.line + 1 + k
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            pending += line
            if pending.strip():
                yield start, pending.strip(), None
            pending = ""


_runs: dict[Path, Runner] = {}


@pytest.fixture(scope="module")
def run_readme(tmp_path_factory):
    def get(readme: Path) -> Runner:
        if readme not in _runs:
            _runs[readme] = Runner(readme, tmp_path_factory.mktemp(readme.stem))
        return _runs[readme]
    yield get
    _runs.clear()


BLOCKS = [b for readme in READMES for b in parse(readme) if runnable(b)]


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.place}-{b.lang or 'transcript'}" for b in BLOCKS])
def test_readme_block(run_readme, block):
    outcome = run_readme(block.readme).outcomes[block.line]
    if outcome.skipped:
        pytest.skip(outcome.skipped)
    if outcome.failures:
        pytest.fail("\n\n".join(outcome.failures), pytrace=False)


# -- the test's own rules --------------------------------------------------------------------------


@pytest.mark.parametrize("expected, got, result", [
    (["a", "b"], ["a", "b"], True),
    (["a", "b"], ["a", "b", "c"], False),
    (["a", "...", "c"], ["a", "x", "y", "c"], True),
    (["a", "...", "c"], ["a", "c"], True),
    (["...", "c"], ["a", "b"], False),
    (["  ...", "end"], ["1", "2", "end"], True),
    (["a"], ["a "], False),
], ids=["same", "extra-line", "wildcard-lines", "wildcard-none", "wildcard-then-missing",
        "indented-wildcard", "trailing-space"])
def test_readme_matches(expected, got, result):
    assert matches(expected, got) is result


def test_readme_parse_marks_and_expected_output(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("text\n\n```python\nprint(1)\n```\n\n```\n1\n```\n\n<!-- no-run: needs a model -->\n"
                      "```python\nfrom x import y\n```\n\n```\n$ echo hi  # a greeting\nhi\n```\n")
    first, shown, marked, transcript = parse(readme)
    assert (first.line, first.lang, first.expected_after) == (3, "python", shown)
    assert (marked.no_run, marked.line) == ("needs a model", 12)
    assert transcript.is_transcript() and runnable(transcript) and not runnable(shown)
    runner = Runner(readme, tmp_path)
    assert runner.outcomes[3].failures == [] and runner.outcomes[12].skipped.endswith("needs a model")
    assert runner.outcomes[16].failures == []


def test_readme_failure_names_the_line(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("```python\nx = 1\n\nraise ValueError('boom')\n```\n\n```sh\nfalse\n```\n\n"
                      "```console\n$ echo one\ntwo\n```\n")
    outcomes = Runner(readme, tmp_path).outcomes
    assert f'File "{readme}", line 4' in outcomes[1].failures[0]
    assert outcomes[7].failures[0].startswith("README.md:8: `false`: exit status 1, expected 0")
    assert outcomes[11].failures[0].startswith("README.md:12: `echo one`: the output differs")


@pytest.mark.parametrize("line, command, comment", [
    ("scalarnet demo   # the tutorial", "scalarnet demo", "the tutorial"),
    ("printf 'a#b\\n' | cat", "printf 'a#b\\n' | cat", ""),
    ("scalarnet compare x  # exit 1: differs", "scalarnet compare x", "exit 1: differs"),
], ids=["comment", "hash-in-quotes", "exit-status"])
def test_readme_strip_comment(line, command, comment):
    assert strip_comment(line) == (command, comment)

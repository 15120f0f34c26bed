"""Mutation testing: change the code one small step at a time and count the changes no test notices.

Run it from the repository root:

    python benchmarks/mutation.py                       # every module in MODULES, 2 workers
    python benchmarks/mutation.py neuron layer          # some modules
    python benchmarks/mutation.py neuron --survivors    # list what survives, to write tests for
    python benchmarks/mutation.py --list neuron         # the mutants, without running anything

Each mutant is one change to one module, made on its syntax tree:

- an arithmetic operator swapped (`+`/`-`, `*`/`/`, `//`/`/`, `%`/`//`, `**`/`*`), also in `+=`;
- a comparison moved across its boundary or negated (`<`/`<=`, `>`/`>=`, `==`/`!=`,
  `is`/`is not`, `in`/`not in`);
- `and`/`or` swapped, a `not` or a unary minus removed;
- a constant changed: an int n to n + 1, a float x to 10x and x/10 (a tolerance made
  ten times looser or tighter; not 0.0, which they leave as it is), True/False swapped;
- a call whose result is not used deleted, a `raise` deleted.

Docstrings, annotations, strings and `__all__` are left alone. For each mutant the module's
own test files (MODULES below) run in a forked copy of a process that has already imported
pytest, numpy and hypothesis, with the mutated file in a private copy of the repository: a
mutant is killed when a test fails (or it runs 10x longer than the clean run), and survives
when every test passes. A mutant that no test could notice (it changes nothing observable)
is listed once, with the reason, in EQUIVALENT_FILE; the score leaves those out.

The exit code is 0 either way: this is a measurement, like the benchmarks.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT_FILE = Path(__file__).resolve().parent / "mutation-equivalent.txt"

# module -> the test files that are its own (what a developer runs after changing it)
MODULES: dict[str, list[str]] = {
    "neuron": ["tests/test_network.py", "tests/test_tutorial.py", "tests/test_equality.py",
               "tests/test_numbers.py", "tests/test_pinned.py", "tests/test_pinned_neuron.py"],
    "layer": ["tests/test_network.py", "tests/test_tutorial.py", "tests/test_equality.py",
              "tests/test_pinned.py", "tests/test_pinned_layer.py"],
    "network": ["tests/test_network.py", "tests/test_tutorial.py", "tests/test_equality.py",
                "tests/test_numbers.py", "tests/test_pinned_network.py"],
    "activations": ["tests/test_activations.py", "tests/test_numbers.py", "tests/test_pinned.py",
                    "tests/test_pinned_activations.py"],
    "trace": ["tests/test_network.py", "tests/test_tutorial.py", "tests/test_pinned.py",
              "tests/test_pinned_trace.py"],
    "numbers": ["tests/test_network.py", "tests/test_numbers.py", "tests/test_pinned_numbers.py"],
    "files": ["tests/test_pinned_files.py", "tests/test_files.py"],
    "backprop": ["tests/test_backprop.py", "tests/test_pinned.py", "tests/test_pinned_backprop.py"],
    "losses": ["tests/test_backprop.py", "tests/test_numbers.py", "tests/test_pinned_backprop.py",
               "tests/test_pinned_losses.py"],
    "steps": ["tests/test_steps.py", "tests/test_debugger.py", "tests/test_pinned_steps.py"],
    "vectorized": ["tests/test_pinned_crosscheck.py", "tests/test_vectorized.py", "tests/test_compare.py"],
    "crosscheck": ["tests/test_pinned_crosscheck.py", "tests/test_compare.py", "tests/test_numbers.py",
                   "tests/test_pinned.py"],
    "steprecord": ["tests/test_steps.py", "tests/test_backsteps.py", "tests/test_steps_reference.py",
                   "tests/test_pinned_steprecord.py"],
    "backsteps": ["tests/test_backsteps.py", "tests/test_pinned_backsteps.py", "tests/test_debugger.py",
                  "tests/test_steps.py", "tests/test_steps_reference.py"],
    "npz": ["tests/test_pinned_npz.py", "tests/test_compare.py", "tests/test_pinned.py", "tests/test_limits.py"],
    "training": ["tests/test_training.py", "tests/test_pinned_training.py"],
    "onnx_io": ["tests/test_pinned_onnx.py", "tests/test_onnx.py"],
    "onnx_graph": ["tests/test_pinned_onnx.py", "tests/test_onnx.py"],
    "keras_io": ["tests/test_pinned_keras.py", "tests/test_keras.py"],
    "interop": ["tests/test_pinned_interop.py", "tests/test_interop.py"],
    "exercise": ["tests/test_pinned_exercise.py", "tests/test_exercise.py"],
    "exercise_grading": ["tests/test_pinned_exercise_grading.py", "tests/test_pinned_exercise.py",
                         "tests/test_exercise.py"],
    "exercise_files": ["tests/test_pinned_exercise_files.py", "tests/test_pinned_exercise.py",
                       "tests/test_exercise.py"],
    "exercise_pages": ["tests/test_pinned_exercise_pages.py", "tests/test_pinned_exercise.py",
                       "tests/test_exercise.py"],
}

# libraries a module's tests import, loaded once in the parent so that no forked child pays for them
PRELOAD: dict[str, list[str]] = {
    "onnx_io": ["onnx", "onnxruntime", "torch"],
    "onnx_graph": ["onnx", "onnxruntime", "torch"],
    "keras_io": ["h5py", "torch", "keras"],
    "interop": ["torch", "sklearn.neural_network"],
    "training": ["torch"],
}

_BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
           ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}
_CMPOPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
           ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn,
           ast.NotIn: ast.In}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%", ast.Pow: "**", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
           ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
           ast.NotIn: "not in", ast.And: "and", ast.Or: "or"}


@dataclass(frozen=True)
class Mutant:
    """One change: where it is (module, function, line) and what it does."""

    module: str
    index: int          # the mutation point's number in the module (walk order)
    variant: int        # which change of that point (a float has two)
    line: int
    function: str       # the enclosing def/class path, e.g. 'Neuron.__eq__'
    description: str    # e.g. "'and' -> 'or'"

    @property
    def key(self) -> str:
        """A name that survives edits elsewhere in the file (no line number)."""
        return f"{self.module}:{self.function}:{self.description}"


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes never mutated: docstrings, annotations, `__all__`."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            mark(body[0])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mark(node.returns)
            for arg in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
                mark(arg.annotation)
            mark(node.args.vararg and node.args.vararg.annotation)
            mark(node.args.kwarg and node.args.kwarg.annotation)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in ("__all__", "__slots__") for t in node.targets):
            mark(node)
    return skip


def _changes(node: ast.AST) -> list[tuple[str, object]]:
    """The changes one node offers: (description, what to apply)."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _BINOPS:
        new = _BINOPS[type(node.op)]
        return [(f"'{_SYMBOL[type(node.op)]}' -> '{_SYMBOL[new]}'", ("op", new))]
    if isinstance(node, ast.Compare):
        out = []
        for i, op in enumerate(node.ops):
            if type(op) in _CMPOPS:
                new = _CMPOPS[type(op)]
                out.append((f"'{_SYMBOL[type(op)]}' -> '{_SYMBOL[new]}'", ("cmp", i, new)))
        return out
    if isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        return [(f"'{_SYMBOL[type(node.op)]}' -> '{_SYMBOL[new]}'", ("boolop", new))]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        return [("'not' removed" if isinstance(node.op, ast.Not) else "unary '-' removed", ("unary",))]
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            return [(f"{v} -> {not v}", ("const", not v))]
        if isinstance(v, int):
            return [(f"{v} -> {v + 1}", ("const", v + 1))]
        if isinstance(v, float):  # 0.0 and infinities: x10 and /10 change nothing, so no mutant
            return [(f"{v!r} -> {new!r}", ("const", new)) for new in (v * 10, v / 10) if new != v]
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return [("call deleted: " + ast.unparse(node.value.func)[:40], ("delete",))]
    if isinstance(node, ast.Raise):
        return [("raise deleted", ("delete",))]
    return []


def _points(tree: ast.AST) -> list[tuple[ast.AST, str, list]]:
    """Every node that can change, in a fixed walk order, with its enclosing function."""
    skip = _skipped_nodes(tree)
    out: list[tuple[ast.AST, str, list]] = []

    def visit(node: ast.AST, where: list[str]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            where = where + [node.name]
        if id(node) not in skip:
            changes = _changes(node)
            if changes:
                out.append((node, ".".join(where) or "<module>", changes))
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    visit(tree, [])
    return out


_SOURCES: dict[str, str] = {}


def _source(module: str) -> str:
    """The module's source as it was when first read: editing the file during a run changes nothing."""
    if module not in _SOURCES:
        _SOURCES[module] = (ROOT / "scalarnet" / f"{module}.py").read_text(encoding="utf-8")
    return _SOURCES[module]


def mutants(module: str) -> list[Mutant]:
    """Every mutant of `scalarnet/<module>.py`."""
    tree = ast.parse(_source(module))
    found = []
    for index, (node, function, changes) in enumerate(_points(tree)):
        for variant, (description, _) in enumerate(changes):
            found.append(Mutant(module, index, variant, node.lineno, function, description))
    return found


def mutated_source(mutant: Mutant) -> str:
    """The module's source with this one change."""
    tree = ast.parse(_source(mutant.module))
    node, _, changes = _points(tree)[mutant.index]
    change = changes[mutant.variant][1]
    kind = change[0]
    if kind == "op":
        node.op = change[1]()
    elif kind == "cmp":
        node.ops[change[1]] = change[2]()
    elif kind == "boolop":
        node.op = change[1]()
    elif kind == "const":
        node.value = change[1]
    else:  # "unary" and "delete" replace the node in its parent
        for parent in ast.walk(tree):
            for field, value in ast.iter_fields(parent):
                if isinstance(value, list) and node in value:
                    i = value.index(node)
                    value[i] = ast.Pass() if kind == "delete" else node.operand
                elif value is node:
                    setattr(parent, field, node.operand)
    return ast.unparse(ast.fix_missing_locations(tree))


def select(found: list[Mutant], only: list[str] | None) -> list[Mutant]:
    """The mutants inside the functions named in `only` ('Network', 'Network.forward'), or all."""
    if not only:
        return found
    return [m for m in found if any(m.function == f or m.function.startswith(f + ".") for f in only)]


def load_equivalent() -> dict[str, str]:
    """key -> reason, from EQUIVALENT_FILE (`key  # reason` a line)."""
    known: dict[str, str] = {}
    if EQUIVALENT_FILE.exists():
        for line in EQUIVALENT_FILE.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, reason = line.partition("  # ")
                known[key.strip()] = reason.strip()
    return known


# --- running ---------------------------------------------------------------------------------

def _copy_repo(into: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", ".git", ".hypothesis", ".pytest_cache", "*.egg-info",
                                    "render", "benchmarks", ".venv", "venv")
    shutil.copytree(ROOT, into, ignore=ignore, dirs_exist_ok=True)


def _run_tests(repo: Path, tests: list[str], module: str, timeout: float) -> tuple[bool, float]:
    """Run the tests in a forked child; (all passed, seconds). A timeout counts as a failure."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: quiet, no bytecode (a mutant must never be read from a stale .pyc)
        try:
            os.chdir(repo)
            sys.dont_write_bytecode = True
            sys.path.insert(0, str(repo))
            for name in [n for n in sys.modules if n == "scalarnet" or n.startswith("scalarnet.")]:
                del sys.modules[name]  # the copy in `repo` is the one to test, never one loaded before
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            import pytest
            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                                "--doctest-modules", f"scalarnet/{module}.py", *tests])
        except BaseException:
            code = 3
        os._exit(int(code))
    deadline = start + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) == 0, time.perf_counter() - start
        if time.perf_counter() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return False, time.perf_counter() - start
        time.sleep(0.01)


def run_module(module: str, repo: Path, show_progress: bool,
               only: list[str] | None = None) -> tuple[list[Mutant], list[Mutant], float]:
    """(all mutants, survivors, clean-run seconds) for one module; with `only`, just the mutants
    inside those functions."""
    tests = [t for t in MODULES[module] if (ROOT / t).exists()]
    target = repo / "scalarnet" / f"{module}.py"
    original = target.read_text(encoding="utf-8")
    # the clean run, on the unparsed source, so that only the mutation differs
    tree = ast.parse(original)
    target.write_text(ast.unparse(tree), encoding="utf-8")
    ok, clean = _run_tests(repo, tests, module, timeout=600)
    if not ok:
        target.write_text(original, encoding="utf-8")
        raise SystemExit(f"mutation: the tests of {module} fail without any mutation ({', '.join(tests)})")
    found = select(mutants(module), only)
    survivors = []
    try:
        for i, m in enumerate(found, 1):
            target.write_text(mutated_source(m), encoding="utf-8")
            passed, _ = _run_tests(repo, tests, module, timeout=max(5 * clean, 15))
            if passed:
                survivors.append(m)
            if show_progress:
                print(f"\r  {module}: {i}/{len(found)} mutants, {len(survivors)} survive", end="",
                      file=sys.stderr, flush=True)
    finally:
        target.write_text(original, encoding="utf-8")
        if show_progress:
            print(file=sys.stderr)
    return found, survivors, clean


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"default: all ({', '.join(MODULES)})")
    parser.add_argument("--survivors", action="store_true", help="list every surviving mutant")
    parser.add_argument("--list", action="store_true", help="list the mutants and run nothing")
    parser.add_argument("--only", action="append", metavar="FUNCTION",
                        help="only the mutants inside this function or class (repeatable), "
                             "e.g. to check the survivors of a function after writing tests")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="modules run side by side (default: 2)")
    args = parser.parse_args(argv)
    chosen = args.modules or list(MODULES)
    unknown = [m for m in chosen if m not in MODULES]
    if unknown:
        parser.error(f"unknown module {unknown[0]!r} (known: {', '.join(MODULES)})")
    if args.list:
        for module in chosen:
            for m in select(mutants(module), args.only):
                print(f"{module}.py:{m.line}  {m.function}  {m.description}")
        return 0

    # imported once here, so that each forked child starts with them loaded
    import hypothesis  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    os.environ.setdefault("KERAS_BACKEND", "torch")  # as tests/test_keras.py sets it
    for module in chosen:
        for name in PRELOAD.get(module, []):
            try:
                __import__(name)
            except ImportError:
                pass  # the tests skip what is missing, and say so

    equivalent = load_equivalent()
    results = {}
    with tempfile.TemporaryDirectory(prefix="scalarnet-mutation-") as tmp:
        repos = []
        for j in range(max(1, args.jobs)):
            repo = Path(tmp) / f"repo{j}"
            _copy_repo(repo)
            repos.append(repo)
        if args.jobs <= 1:
            for module in chosen:
                results[module] = run_module(module, repos[0], sys.stderr.isatty(), args.only)
        else:
            results = _run_parallel(chosen, repos, equivalent if args.survivors else None, args.only)
    return _report(chosen, results, equivalent, args.survivors)


def _run_parallel(chosen: list[str], repos: list[Path], equivalent: dict[str, str] | None,
                  only: list[str] | None = None) -> dict:
    """One forked worker per repository copy, each taking the next module from the list; with
    `equivalent`, a module's survivors are shown as soon as it is done (on stderr)."""
    results = {}
    queue = list(chosen)
    running: dict[int, tuple[str, Path, Path]] = {}
    free = list(repos)
    with tempfile.TemporaryDirectory() as out_dir:
        while queue or running:
            while queue and free:
                module, repo = queue.pop(0), free.pop(0)
                out = Path(out_dir) / f"{module}.txt"
                pid = os.fork()
                if pid == 0:
                    try:
                        found, survivors, clean = run_module(module, repo, False, only)
                        out.write_text(repr(([m.index for m in found], [(m.index, m.variant) for m in survivors],
                                             clean)), encoding="utf-8")
                        code = 0
                    except BaseException as e:  # noqa: BLE001 - reported by the parent
                        out.write_text(repr(str(e)), encoding="utf-8")
                        code = 1
                    os._exit(code)
                running[pid] = (module, repo, out)
                print(f"  {module}: running", file=sys.stderr, flush=True)
            pid, _ = os.wait()
            module, repo, out = running.pop(pid)
            free.append(repo)
            data = ast.literal_eval(out.read_text(encoding="utf-8"))
            if isinstance(data, str):
                raise SystemExit(data)
            found = select(mutants(module), only)
            alive = set(map(tuple, data[1]))
            results[module] = (found, [m for m in found if (m.index, m.variant) in alive], data[2])
            print(f"  {module}: done, {len(results[module][1])} of {len(found)} survive",
                  file=sys.stderr, flush=True)
            if equivalent is not None:
                for line in _survivor_lines(module, results[module][1], equivalent):
                    print(line, file=sys.stderr, flush=True)
    return results


def _report(chosen: list[str], results: dict, equivalent: dict[str, str], show_survivors: bool) -> int:
    print(f"{'module':<12} {'mutants':>8} {'killed':>7} {'equivalent':>10} {'survive':>8} {'score':>7}  tests")
    total = killed_all = equivalent_all = 0
    for module in chosen:
        found, survivors, clean = results[module]
        eq = [m for m in survivors if m.key in equivalent]
        alive = [m for m in survivors if m.key not in equivalent]
        killed = len(found) - len(survivors)
        scored = len(found) - len(eq)
        score = 100.0 * killed / scored if scored else 100.0
        total += scored
        killed_all += killed
        equivalent_all += len(eq)
        print(f"{module:<12} {len(found):>8} {killed:>7} {len(eq):>10} {len(alive):>8} {score:>6.1f}%  "
              f"{', '.join(Path(t).name for t in MODULES[module])} ({clean:.1f} s)")
        if show_survivors:
            for line in _survivor_lines(module, survivors, equivalent):
                print(line)
    score = 100.0 * killed_all / total if total else 100.0
    print(f"{'all':<12} {total + equivalent_all:>8} {killed_all:>7} {equivalent_all:>10} "
          f"{total - killed_all:>8} {score:>6.1f}%")
    return 0


def _survivor_lines(module: str, survivors: list[Mutant], equivalent: dict[str, str]) -> list[str]:
    """One line per surviving mutant not known to be equivalent, with its source line."""
    source = _source(module).splitlines()
    return [f"    {module}.py:{m.line}  {m.function}: {m.description}   | {source[m.line - 1].strip()[:70]}"
            for m in survivors if m.key not in equivalent]


if __name__ == "__main__":
    sys.exit(main())

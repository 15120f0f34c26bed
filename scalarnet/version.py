"""scalarnet's version: the installed distribution's, or the source tree's when it is not installed."""

from __future__ import annotations

__all__ = ["__version__"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scalarnet")
    except PackageNotFoundError:  # run from a checkout that pip never installed
        return "0+unknown"


__version__ = _version()

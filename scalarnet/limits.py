"""How much scalarnet reads at most: a file's size and a CSV line's length, and how to raise them.

Small inputs must not take all memory: `--inputs /dev/zero` is one endless line. Each
limit has a default a user would not meet by accident and an environment variable to
raise it:

    SCALARNET_MAX_FILE_MB   64    a network file, a CSV file of inputs (MiB)
    SCALARNET_MAX_LINE_KB   1024  one line of a CSV file (KiB)
"""

from __future__ import annotations

import os

from .errors import FileFormatError

__all__ = ["LIMITS", "check_lines", "limit", "read_capped", "too_big"]

#: name -> (environment variable, default, unit in bytes, unit's name)
LIMITS = {
    "file": ("SCALARNET_MAX_FILE_MB", 64, 1 << 20, "MiB"),
    "line": ("SCALARNET_MAX_LINE_KB", 1024, 1 << 10, "KiB"),
}


def limit(name: str) -> int:
    """The limit in bytes: the environment variable's value when set, else the default."""
    variable, default, unit, unit_name = LIMITS[name]
    text = os.environ.get(variable, "").strip()
    if not text:
        return default * unit
    if not text.isdecimal() or int(text) < 1:
        raise FileFormatError(f"{variable}={text!r}: expected a whole number of {unit_name} >= 1")
    return int(text) * unit


def too_big(name: str, place: str, what: str) -> FileFormatError:
    """The error for `place` past limit `name`, saying the limit and how to raise it."""
    variable, _, unit, unit_name = LIMITS[name]
    size = limit(name) // unit
    return FileFormatError(f"{place}: {what} is longer than {size} {unit_name} "
                           f"(raise the limit with the environment variable {variable}, "
                           f"e.g. {variable}={size * 4})")


def read_capped(path: str | os.PathLike, place: str) -> bytes:
    """The bytes of the file at `path`, refusing one past the file limit before reading it all.

    Works on files that do not know their size (a pipe, /dev/zero): reads at most
    the limit and one byte more. OSError passes through for the caller to name.
    """
    cap = limit("file")
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size > cap:  # a regular file says its size: no need to read it
            raise too_big("file", place, "the file")
        data = f.read(cap + 1)
    if len(data) > cap:
        raise too_big("file", place, "the file")
    return data


def check_lines(text: str, place: str) -> None:
    """Refuse `text` when one of its lines is past the line limit, naming the line."""
    cap = limit("line")
    if len(text) <= cap:
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > cap:
            raise too_big("line", f"{place}, line {number}", "the line")

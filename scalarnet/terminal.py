r"""Text for a terminal: control characters shown as escapes, so a name can never drive the terminal.

A network file may name a neuron `"esc\u001b]0;title\u0007"`: printed raw, that sets the
terminal's title (or worse). `terminal_text` shows such characters as Python would
write them in a string (`\x1b`, `\r`, `\u2028`), leaving newlines and tabs alone.
"""

from __future__ import annotations

import re

__all__ = ["one_line", "terminal_text"]

# C0 and C1 controls (but tab and newline), DEL, the Unicode line and paragraph separators,
# the bidirectional overrides and isolates (which reorder what follows), lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff]")
_NAMED = {"\r": "\\r", "\x0b": "\\x0b", "\x0c": "\\x0c"}


def _escape(match: re.Match) -> str:
    c = match.group()
    if c in _NAMED:
        return _NAMED[c]
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def terminal_text(text: str) -> str:
    r"""`text` with every character that could steer a terminal written as its escape.

    >>> terminal_text("esc\x1b]0;title\x07 a\rb c\u2028d\n")
    'esc\\x1b]0;title\\x07 a\\rb c\\u2028d\n'
    """
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    r"""`text` as one terminal line: escapes as `terminal_text`, line breaks as spaces.

    >>> one_line("first\nsecond\r third")
    'first second\\r third'
    """
    return " ".join(terminal_text(text).split("\n"))

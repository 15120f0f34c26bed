"""What counts as a number in scalarnet, and how numbers are written in arithmetic lines."""

from __future__ import annotations

import math
import numbers
from decimal import Decimal
from fractions import Fraction
from typing import Union

from .errors import NumberError

#: The scalar types the engine computes with; their type is kept through a pass.
Number = Union[int, float, Fraction, Decimal]

#: The most significant digits worth asking for: a float's shortest round-trip form never needs more.
MAX_DIGITS = 17


def is_number(value: object) -> bool:
    """Whether `value` is a real number scalarnet computes with (bools and strings are not).

    >>> [is_number(v) for v in (3, 2.5, Fraction(1, 3), Decimal("0.1"), True, "3", None)]
    [True, True, True, True, False, False, False]
    """
    if type(value) is float or type(value) is int:  # the common case, without the slow ABC check
        return True
    return isinstance(value, (numbers.Real, Decimal)) and not isinstance(value, bool)


def check_number(value: object, place: str) -> None:
    """Raise NumberError naming `place` unless `value` is a number.

    >>> check_number("3", "layer 'hidden1', neuron 'node0_0', weight 1")
    Traceback (most recent call last):
    ...
    scalarnet.errors.NumberError: layer 'hidden1', neuron 'node0_0', weight 1: expected a number, got '3' (str)
    """
    if not is_number(value):
        raise NumberError(f"{place}: expected a number, got {value!r} ({type(value).__name__})")


def is_finite(value: object) -> bool:
    """Whether a number is neither NaN nor infinite (ints, Fractions are always finite).

    >>> is_finite(1.5), is_finite(float("nan")), is_finite(float("-inf")), is_finite(7)
    (True, False, False, True)
    """
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    try:
        return math.isfinite(value)  # numpy scalars and other Reals
    except (TypeError, OverflowError):
        return True


def fmt(value: object, digits: int | None = None) -> str:
    """Write a number the way the tutorial does: `40`, `1.0`, `0.5`, `1/3`.

    Ints print as ints and floats in their shortest round-trip form, so `1.0` stays
    `1.0`. With `digits`, floats are rounded to that many significant digits but
    still read as floats (`0.7311`, `1.0`).

    >>> fmt(40), fmt(1.0), fmt(0.1 + 0.2), fmt(0.1 + 0.2, digits=4), fmt(Fraction(1, 3))
    ('40', '1.0', '0.30000000000000004', '0.3', '1/3')
    >>> fmt(float("nan")), fmt(-float("inf")), fmt(2.0, digits=3)
    ('nan', '-inf', '2.0')
    """
    if isinstance(value, bool) or not isinstance(value, float):
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            try:
                return str(int(value))
            except ValueError:  # more digits than str() writes (sys.get_int_max_str_digits)
                return str(Decimal(int(value)))
        return str(value)
    if not math.isfinite(value) or digits is None:
        return repr(float(value))
    if type(digits) is not int or not 1 <= digits <= MAX_DIGITS:
        raise NumberError(f"digits: expected a whole number from 1 to {MAX_DIGITS}, got {digits!r}")
    text = format(value, f".{digits}g")
    if not any(c in text for c in ".en"):  # keep a float looking like a float
        text += ".0"
    return text


def operand(value: object, digits: int | None = None) -> str:
    """Write a number as a factor or a term: negatives and fractions in parentheses.

    >>> operand(5), operand(-5), operand(Fraction(-1, 2)), operand(-0.0)
    ('5', '(-5)', '(-1/2)', '(-0.0)')
    """
    text = fmt(value, digits)
    if text.startswith("-") or "/" in text:
        return f"({text})"
    return text

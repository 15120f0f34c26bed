"""What counts as a number in scalarnet, and how numbers are written in arithmetic lines."""

from __future__ import annotations

import functools
import math
import numbers
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Union

from .errors import NumberError

#: The scalar types the engine computes with; their type is kept through a pass.
Number = Union[int, float, Fraction, Decimal]

#: The most significant digits worth asking for: a float's shortest round-trip form never needs more.
MAX_DIGITS = 17

#: Ints (and a Fraction's numerator and denominator) of more digits print as `1234...5678 (4000 digits)`.
MAX_INT_DIGITS = 50


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


def to_number(value: object, place: str) -> Number:
    """`value` as a number the engine computes with, checked: where numbers enter scalarnet.

    numpy scalars become the Python number they hold (numpy ints an `int`, numpy floats
    a `float`), so that nothing is computed in uint8 or float32; bools (numpy's too) and
    anything else that is not a real number raise NumberError naming `place`, and so
    does a Decimal infinity or NaN (floats have IEEE infinities and NaN; Decimals trap).

    >>> import fractions
    >>> to_number(fractions.Fraction(1, 3), "x"), to_number(2, "x")
    (Fraction(1, 3), 2)
    >>> to_number(Decimal("Infinity"), "input 'x0'")
    Traceback (most recent call last):
    ...
    scalarnet.errors.NumberError: input 'x0': Decimal('Infinity') is not finite: a Decimal must be a finite number (for infinities and NaN use floats, e.g. float('inf'))
    """
    kind = type(value)
    if kind is int or kind is float:  # the common case, first and cheap
        return value
    if kind.__module__ == "numpy":  # detected without importing numpy: the engine never does
        value = _from_numpy(value)
    check_number(value, place)
    if isinstance(value, Decimal) and not value.is_finite():
        raise NumberError(f"{place}: {value!r} is not finite: a Decimal must be a finite number "
                          "(for infinities and NaN use floats, e.g. float('inf'))")
    return value


def _from_numpy(value: object) -> object:
    """A numpy scalar (or 0-d array) as a Python int or float; a numpy bool as a bool (refused later)."""
    try:
        item = value.item()
    except (AttributeError, TypeError, ValueError):  # e.g. an array of several values: not a number
        return value
    if type(item) in (int, float, bool):
        return item
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):  # e.g. numpy.longdouble, whose item() is itself
        return float(value)
    return item


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
            return _int_text(int(value))
        if isinstance(value, Fraction):
            if value.denominator == 1:
                return _int_text(value.numerator)
            return f"{_int_text(value.numerator)}/{_int_text(value.denominator)}"
        return str(value)
    if not math.isfinite(value) or digits is None:
        return repr(float(value))
    if type(digits) is not int or not 1 <= digits <= MAX_DIGITS:
        raise NumberError(f"digits: expected a whole number from 1 to {MAX_DIGITS}, got {digits!r}")
    text = format(value, f".{digits}g")
    if not any(c in text for c in ".en"):  # keep a float looking like a float
        text += ".0"
    return text


def _int_text(n: int) -> str:
    """An int in full up to MAX_INT_DIGITS digits, else its first and last four digits and its length.

    >>> _int_text(-2 ** 200)
    '-1606...1376 (61 digits)'
    """
    if n < 0:
        return "-" + _int_text(-n)
    if n < 10 ** MAX_INT_DIGITS:
        return str(n)
    count = int(n.bit_length() * 0.30102999566398120)  # log10(2): the count, or one less
    unit = _power_of_ten(count - 4)
    if n >= unit * 10 ** 4:
        count, unit = count + 1, unit * 10
    # n // unit is a long division, slow for 100,000 digits: estimate the head from n's leading
    # 100 bits (n has 167 or more) in 30-digit decimal arithmetic, then make it exact with a
    # multiplication or two: the estimate is within 1e-24 of n / unit (< 10**4), so the head
    # it gives is one too many or one too few at most
    with localcontext() as ctx:
        ctx.prec = 30
        shift = n.bit_length() - 100
        head = int((Decimal(n >> shift) * Decimal(2) ** shift).scaleb(4 - count))
    if head * unit > n:
        head -= 1
    elif (head + 1) * unit <= n:
        head += 1
    return f"{head}...{n % 10 ** 4:04d} ({count} digits)"


@functools.lru_cache(maxsize=64)
def _power_of_ten(k: int) -> int:
    # 10**100000 takes about 20 ms: a trace of huge ints writes numbers of the same length often
    return 10 ** k


def operand(value: object, digits: int | None = None) -> str:
    """Write a number as a factor or a term: negatives and fractions in parentheses.

    >>> operand(5), operand(-5), operand(Fraction(-1, 2)), operand(-0.0)
    ('5', '(-5)', '(-1/2)', '(-0.0)')
    """
    text = fmt(value, digits)
    if text.startswith("-") or "/" in text:
        return f"({text})"
    return text

"""Number behaviours mutation testing showed no test pinned (benchmarks/mutation.py numbers): what is a
number, what is finite, and how a number is written (also beyond str()'s digit limit)."""

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from scalarnet import NumberError
from scalarnet.numbers import MAX_DIGITS, check_number, fmt, is_finite, is_number, operand


@pytest.mark.parametrize("value, expected", [
    (3, True), (2.5, True), (Fraction(1, 3), True), (Decimal("0.1"), True), (np.float64(0.5), True),
    (np.int64(3), True), (True, False), (np.bool_(True), False), ("3", False), (None, False), (1 + 2j, False),
], ids=repr)
def test_is_number(value, expected):
    assert is_number(value) is expected


@pytest.mark.parametrize("value, expected", [
    (1.5, True), (math.nan, False), (-math.inf, False), (7, True), (10 ** 400, True), (Fraction(1, 3), True),
    (Decimal("NaN"), False), (Decimal("-Infinity"), False), (Decimal("1.5"), True),
    (np.float32("inf"), False), (np.float64(2.0), True),
], ids=repr)
def test_is_finite(value, expected):
    assert is_finite(value) is expected


@pytest.mark.parametrize("value, digits, text", [
    (40, None, "40"), (0, None, "0"), (-7, None, "-7"), (np.int64(5), None, "5"), (1.0, None, "1.0"), (0.1 + 0.2, None, "0.30000000000000004"),
    (0.1 + 0.2, 4, "0.3"), (2.0, 3, "2.0"), (123456.0, 3, "1.23e+05"), (1e20, None, "1e+20"),
    (1e20, 17, "1e+20"), (0.1, 17, "0.10000000000000001"), (0.7310585786300049, 4, "0.7311"),
    (math.nan, 3, "nan"), (-math.inf, None, "-inf"), (Fraction(-1, 2), None, "-1/2"),
    (Decimal("1.50"), None, "1.50"), (-0.0, None, "-0.0"), (np.float64(0.5), None, "0.5"),
], ids=lambda v: repr(v))
def test_fmt(value, digits, text):
    assert fmt(value, digits) == text


def test_fmt_of_an_int_beyond_str_s_digit_limit():
    # ints past 50 digits are written by their ends and length (explain of huge ints stays small)
    assert fmt(10 ** 5000) == "1000...0000 (5001 digits)"


@pytest.mark.parametrize("value, text", [
    (5, "5"), (-5, "(-5)"), (Fraction(1, 2), "(1/2)"), (Fraction(-1, 2), "(-1/2)"), (-0.0, "(-0.0)"), (2.5, "2.5"),
], ids=repr)
def test_operand(value, text):
    assert operand(value) == text


@pytest.mark.parametrize("digits", [0, MAX_DIGITS + 1], ids=repr)
def test_digits_bounds(digits):
    assert MAX_DIGITS == 17
    assert fmt(0.5, MAX_DIGITS) == "0.5" and fmt(0.5, 1) == "0.5"
    with pytest.raises(NumberError, match=f"^digits: expected a whole number from 1 to 17, got {digits}$"):
        fmt(0.5, digits)


def test_check_number_message():
    check_number(2.5, "here")
    with pytest.raises(NumberError, match=r"^here: expected a number, got True \(bool\)$"):
        check_number(True, "here")


@pytest.mark.parametrize("value, text", [
    # up to 50 digits in full, from 51 by the first and last four digits and the length, either sign
    (10 ** 50 - 1, "9" * 50), (-(10 ** 50) + 1, "-" + "9" * 50),
    (10 ** 50, "1000...0000 (51 digits)"), (-(10 ** 50), "-1000...0000 (51 digits)"),
    # lengths where the leading digits' estimate lands on the head exactly, one above it, one below it
    (10 ** 55, "1000...0000 (56 digits)"), (10 ** 55 - 1, "9999...9999 (55 digits)"),
    (-(10 ** 55 - 1), "-9999...9999 (55 digits)"), (1234 * 10 ** 61, "1234...0000 (65 digits)"),
    (3 * 10 ** 69 + 56789, "3000...6789 (70 digits)"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_fmt_of_ints_around_the_digit_limit(value, text):
    assert fmt(value) == text
    assert fmt(Fraction(value, 7)) == f"{text}/7"

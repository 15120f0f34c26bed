"""Grading an exercise sheet: each answer right or wrong, and for a wrong one the likely mistake.

An answer is right when it equals the blank's value: exactly for ints and
fractions (`26`, `26.0` and `52/2` are all 26), and for a float when it agrees
to the significant digits the student wrote, at least 3: `0.731`, `0.7311` and
`0.73106` are right for 0.7310585786300049, `0.73` and `0.7312` are not; `1` and
`1.00` are right for 1.0, `0.999` is not. That is, the difference is at most half
a unit of the last digit written, and of the answer's third significant digit.

For a wrong answer the grade gives the right line and, when the answer is what
one usual slip gives, recomputed with that slip, a hint: the sign of a negative
weight dropped, a bias missed, a term left out, the activation not applied (or applied where the
sum is asked for), relu of a negative number taken as its size, a derivative
or an input not multiplied.

>>> from scalarnet import load
>>> from scalarnet.exercise import make
>>> sheet = make(load("tutorial-deep"), [3, 5], count=2, seed=1)
>>> print(sheet.grade({"a": "-26", "b": "26"}).text())
(a) hidden2.node1_0 activation: wrong: -26
    right: node1_0: relu(-26) = 0
    hint: relu of a negative number: relu(z) = max(0, z)
(b) hidden2.node1_1 sum: right: 26
score 1/2
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from .exercise import Blank, ExerciseError, Sheet
from .numbers import fmt, is_number, operand

__all__ = ["Grading", "Result", "agrees", "grade", "parse_answer"]

MIN_DIGITS = 3  # a float answer is checked to at least this many significant digits


def parse_answer(text, place: str = "answer") -> list[tuple[Fraction, int | None]]:
    """A student's answer as exact numbers, each with the place of its last written digit
    (`0.731` -> -3, `1230` -> 0; None for a fraction `1/3`); a layer's values as several
    (`26 0`, `[26, 0]`, `26; 0`)."""
    if is_number(text):
        text = repr(text) if isinstance(text, float) else str(text)
    elif isinstance(text, (list, tuple)):
        text = " ".join(repr(v) if isinstance(v, float) else str(v) for v in text)
    if not isinstance(text, str):
        raise ExerciseError(f"{place}: expected a number, got {text!r}")
    parts = text.strip().strip("[]").replace(",", " ").replace(";", " ").split()
    if not parts:
        raise ExerciseError(f"{place}: no number given")
    return [_one(p, place, text) for p in parts]


# What a student may write, the same in the HTML page's script: ASCII digits only, no `_`.
_FRACTION = re.compile(r"[+-]?[0-9]+/[0-9]*[1-9][0-9]*")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _one(part: str, place: str, whole: str) -> tuple[Fraction, int | None]:
    if _FRACTION.fullmatch(part):
        return Fraction(part), None
    if not _DECIMAL.fullmatch(part):
        raise ExerciseError(f"{place}: {whole!r} is not a number")
    d = Decimal(part)
    return Fraction(d), d.as_tuple().exponent


def agrees(given: tuple[Fraction, int | None], answer) -> bool:
    """Whether a parsed answer is right for `answer`: exactly equal for an int or a fraction;
    for a float, within half a unit of the last digit written, and of the answer's third
    significant digit (so at least 3 significant digits count)."""
    value, last = given
    if not isinstance(answer, float):
        return value == Fraction(answer)
    if not math.isfinite(answer):
        return False
    if answer == 0:
        return value == 0
    first = Decimal(answer).adjusted()  # the place of the answer's first digit
    places = [first - MIN_DIGITS + 1] + ([] if last is None else [last])
    return abs(value - Fraction(answer)) <= Fraction(1, 2) * Fraction(10) ** min(places)


def _agree_all(given: list, answer) -> bool:
    answers = answer if isinstance(answer, list) else [answer]
    return len(given) == len(answers) and all(agrees(g, a) for g, a in zip(given, answers))


# -- mistakes -------------------------------------------------------------------------------------


def mistakes(sheet: Sheet, b: Blank) -> list[tuple[object, str]]:
    """The usual slips for a blank: (the value the slip gives, the hint), each recomputed."""
    d = sheet.digits
    if b.kind == "layer":
        return _layer_mistakes(sheet, b)
    n = sheet.trace.layers[b.k].neurons[b.j]
    act = n.layer.activation
    out = []
    if b.kind == "product":
        x, w = n.inputs[b.term], n.weights[b.term]
        if _negative(w):
            out.append((x * -w, f"the sign of the negative weight {fmt(w, d)}"))
        if _negative(x):
            out.append((-x * w, f"the sign of the negative input {fmt(x, d)}"))
    elif b.kind == "sum":
        out += _sum_mistakes(sheet, n)
        if act.name != "identity":
            out.append((n.a, f"this is the value after {act.name}; the blank asks for the "
                             "weighted sum z before it"))
    elif b.kind == "activation":
        if act.name == "relu" and _negative(n.z):
            note = "relu of a negative number: relu(z) = max(0, z)"
            out += [(n.z, note), (-n.z, note)]
        out.append((n.z, f"the activation is not applied: the blank is {act.name}(z), not z"))
    elif b.kind == "dz":
        g = sheet.gradients.layers[b.k].neurons[b.j]
        if act.name == "relu" and _negative(n.z):
            out.append((g.da, "relu'(z) is 0 for a negative z: it passes no gradient back"))
        elif act.name != "identity":
            out.append((g.da, f"the derivative {act.name}'({fmt(n.z, d)}) is not multiplied in"))
        out.append((-g.dz, "the sign: dL/dz has the sign of dL/da times the derivative"))
    elif b.kind == "dw":
        g = sheet.gradients.layers[b.k].neurons[b.j]
        x = n.inputs[b.term]
        out.append((g.dz, f"dL/dw = input * dL/dz: the input {fmt(x, d)} is not multiplied in"))
        if _negative(x):
            out.append((-g.dw[b.term], f"the sign of the negative input {fmt(x, d)}"))
    return out


def useful_mistakes(sheet: Sheet, b: Blank) -> list[tuple[object, str]]:
    """The slips whose value is not the right answer itself (a dropped sign of a weight whose
    input is 0 changes nothing), each value once (the first hint for it is kept)."""
    out = []
    for value, note in mistakes(sheet, b):
        if value != b.answer and all(value != v for v, _ in out):
            out.append((value, note))
    return out


def _negative(v) -> bool:
    return v < 0


def _sum_mistakes(sheet: Sheet, n) -> list[tuple[object, str]]:
    """A weighted sum recomputed with a negative weight's sign dropped, the bias missed, or the
    previous layer's activation not applied."""
    d = sheet.digits
    out = []
    negative = [i for i, w in enumerate(n.weights) if _negative(w)]
    for i in negative:
        x, w = n.inputs[i], n.weights[i]
        out.append((n.z - 2 * n.products[i],
                    f"the sign of the negative weight {fmt(w, d)} (times {fmt(x, d)})"))
    if len(negative) > 1:
        out.append((n.z - 2 * sum(n.products[i] for i in negative),
                    "the signs of the negative weights are dropped"))
    if n.bias != 0:
        out.append((n.z - n.bias, f"the bias {fmt(n.bias, d)} is missed"))
    if len(n.weights) > 1:
        for i, (x, w) in enumerate(zip(n.inputs, n.weights)):
            out.append((n.z - n.products[i], f"a term is left out: {operand(x, d)}*{operand(w, d)}"))
    k = sheet.trace.layers.index(n.layer)
    if k > 0:
        before = sheet.trace.layers[k - 1]
        if before.activation.name != "identity" and list(before.z) != list(before.a):
            z = sum(x * w for x, w in zip(before.z, n.weights)) + n.bias
            out.append((z, f"{before.name}'s {before.activation.name} is not applied to the "
                           "values this neuron reads"))
    return out


def _layer_mistakes(sheet: Sheet, b: Blank) -> list[tuple[object, str]]:
    layer = sheet.trace.layers[b.k]
    act = layer.activation.name
    out = []
    if act != "identity":
        dead = act == "relu" and any(_negative(z) for z in layer.z)
        note = "relu of a negative number: relu(z) = max(0, z)" if dead else \
            f"the activation {act} is not applied"
        out.append((list(layer.z), note))
    else:
        for n in layer.neurons:
            for value, hint in _sum_mistakes(sheet, n):
                wrong = list(layer.a)
                wrong[n.index] = value
                out.append((wrong, f"{n.name}: {hint}"))
    return out


# -- the grade ------------------------------------------------------------------------------------


class Result:
    """One blank graded: `blank`, the `given` text, `right`, and for a wrong answer a `hint` or None."""

    __slots__ = ("blank", "given", "right", "hint")

    def __init__(self, blank: Blank, given: str, right: bool, hint: str | None):
        self.blank = blank
        self.given = given
        self.right = right
        self.hint = hint

    def text(self) -> str:
        b = self.blank
        head = f"({b.id}) {b.where()} {b.kind}: "
        if self.right:
            return head + f"right: {self.given}"
        lines = [head + f"wrong: {self.given or '(no answer)'}", f"    right: {b.line}"]
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        return "\n".join(lines)


class Grading:
    """A sheet's answers graded: `results` (one per blank, in sheet order), `score`, `total`, `ok`."""

    def __init__(self, results: list[Result]):
        self.results = results
        self.score = sum(r.right for r in results)
        self.total = len(results)
        self.ok = self.score == self.total

    def text(self) -> str:
        return "\n".join([r.text() for r in self.results] + [f"score {self.score}/{self.total}"])

    def __repr__(self) -> str:
        return f"<Grading score {self.score}/{self.total}>"


def grade(sheet: Sheet, answers: Mapping[str, object], place: str = "answers") -> Grading:
    """Grade `answers`, {blank id: number or text}; every blank needs one ('' = no answer, wrong).

    Raises ExerciseError for an unknown or missing id, or an answer that is not a number.
    """
    if not isinstance(answers, Mapping):
        raise ExerciseError(f"{place}: expected a mapping of blank id -> answer, got {answers!r}")
    ids = [b.id for b in sheet.blanks]
    for key in answers:
        if key not in ids:
            raise ExerciseError(f"{place}: no blank {key!r} on the sheet (blanks: {', '.join(ids)})")
    results = []
    for b in sheet.blanks:
        if b.id not in answers:
            raise ExerciseError(f"{place}: no answer for blank {b.id!r} (every blank needs a row; "
                                "an empty answer counts as wrong)")
        raw = answers[b.id]
        if isinstance(raw, str) and not raw.strip():
            results.append(Result(b, "", False, None))
            continue
        given = parse_answer(raw, f"{place}, blank {b.id!r}")
        if isinstance(raw, str):
            text = raw.strip()
        else:
            text = " ".join(_text(v) for v in (raw if isinstance(raw, (list, tuple)) else [raw]))
        if _agree_all(given, b.answer):
            results.append(Result(b, text, True, None))
            continue
        hint = None
        if isinstance(b.answer, list) and len(given) != len(b.answer):
            hint = f"{len(b.answer)} values are asked for, one per neuron of {b.layer}"
        for value, note in useful_mistakes(sheet, b):
            if _agree_all(given, value):
                hint = note
                break
        results.append(Result(b, text, False, hint))
    return Grading(results)


def _text(v) -> str:
    return repr(v) if isinstance(v, float) else str(v)

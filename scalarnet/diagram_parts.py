"""The pieces every diagram view draws with: styles, label text, numbers as text, what a wide layer shows."""

from __future__ import annotations

from fractions import Fraction

import graphviz

from .activations import Activation
from .errors import ScalarnetError
from .numbers import fmt, is_finite, operand
from .trace import activation_text

THRESHOLD = 12  # a layer (or a sum) with more than this many items is summarised
KEEP = 4  # items shown at each end of a summarised layer or sum
WIDTH = 44  # characters of arithmetic per line before it wraps

POSITIVE, NEGATIVE, NEUTRAL = "#2166ac", "#b2182b", "#8c8c8c"
OUTPUT_FILL, INPUT_FILL = "#fff2b3", "#e8f0fa"

# Node text is Courier: every monospace font has its width, so the SVG the embedded
# Graphviz lays out (it cannot measure fonts) fits whatever font the viewer has.
GRAPH = {"rankdir": "LR", "ranksep": "0.9", "nodesep": "0.25",
         "fontname": "Courier", "fontsize": "12", "labelloc": "t", "labeljust": "l"}
NODES = {"shape": "box", "style": "rounded,filled", "fillcolor": "white",
         "fontname": "Courier", "fontsize": "11", "margin": "0.12,0.06"}
EDGES = {"fontname": "Courier", "fontsize": "10", "arrowsize": "0.6"}
CLUSTER = {"style": "rounded,filled", "color": "#c8c8c8", "fillcolor": "#f6f6f6",
           "fontname": "Courier-Bold", "fontsize": "12", "labeljust": "c"}
TITLE = {"shape": "plaintext", "margin": "0", "style": "", "fontname": "Courier-Bold", "fontsize": "12"}
MORE = {"style": "dashed,rounded", "color": NEUTRAL, "fontcolor": "#555555"}
HIDDEN_EDGE = {"style": "dashed", "color": "#bbbbbb", "arrowhead": "none"}


class DiagramError(ScalarnetError, ValueError):
    """Diagram options that cannot be drawn: an unknown view, a bad threshold, a trace of another network."""


# -- text --------------------------------------------------------------------------------------

# C0 control characters are not allowed in the SVG (XML) Graphviz writes: show their
# Unicode "control pictures" (U+2401 for \x01) instead. Tab and newline stay. A lone
# surrogate (a JSON file can hold "\ud800") has no UTF-8 at all: show U+FFFD for it.
CONTROL = {c: chr(0x2400 + c) for c in range(32) if c not in (9, 10)}
CONTROL.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))
CONTROL.update(dict.fromkeys((0xFFFE, 0xFFFF), "\ufffd"))  # legal in JSON, not in XML 1.0


def dot_text(text: str) -> str:
    r"""`text` as a Graphviz label value that displays exactly `text`.

    Graphviz reads backslashes as escapes (``\N`` is the node's name, ``\l`` a line
    end), ``&lt;``-style entities in labels, and a label in ``<...>`` as HTML; the
    graphviz package adds quotes around the result and escapes double quotes.
    A newline becomes a line break.

    >>> print(dot_text('<x> + <y> \\ &amp; "q"'))
    <x> + <y> \\ &amp;amp; "q"
    >>> from graphviz.quoting import quote
    >>> print(quote(dot_text('trailing\\')))
    "trailing\\"
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(CONTROL)
    text = text.replace("&", "&amp;").replace("\\", "\\\\").replace("\n", "\\n")
    return graphviz.nohtml(text)


def label(lines: list[str], left: bool = False) -> str:
    """A multi-line label: centred lines, or every line left-justified (for wrapped sums)."""
    escaped = [dot_text(line) for line in lines]
    if left:
        return graphviz.nohtml("".join(line + "\\l" for line in escaped))
    return graphviz.nohtml("\\n".join(escaped))


def wrap(terms: list[str], result: str) -> list[str]:
    """`a + b + c = z` on one line, or, when too long, wrapped with `+ ` and `= z` lines."""
    line = f"{' + '.join(terms)} = {result}"
    if len(line) <= WIDTH:
        return [line]
    lines, current = [], terms[0]
    for term in terms[1:]:
        if len(current) + 3 + len(term) > WIDTH:
            lines.append(current)
            current = f"+ {term}"
        else:
            current += f" + {term}"
    lines.append(current)
    lines.append(f"= {result}")
    return lines


def activation_name(activation: Activation) -> str:
    params = ", ".join(f"{k}={fmt(v)}" for k, v in activation.params().items())
    return f"{activation.name}({params})" if params else activation.name


def colour(weight) -> str:
    if not is_finite(weight):  # NaN and infinities (a Decimal NaN cannot even be compared)
        return NEUTRAL
    if weight > 0:
        return POSITIVE
    if weight < 0:
        return NEGATIVE
    return NEUTRAL


def plain_sum(values: list):
    """Left to right from 0, the way the neuron adds (so ints and Fractions stay exact)."""
    total = 0
    for v in values:
        total += v
    return total


# -- what is shown -----------------------------------------------------------------------------


class Options:
    __slots__ = ("threshold", "keep", "digits")

    def __init__(self, threshold: int, keep: int | None, digits: int | None):
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
            raise DiagramError(f"threshold: expected a whole number of at least 2, got {threshold!r}")
        if keep is None:
            keep = min(KEEP, threshold // 2)
        if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= threshold // 2:
            raise DiagramError(f"keep: expected a whole number from 1 to threshold // 2 "
                               f"({threshold // 2}), got {keep!r}")
        if digits is not None and (isinstance(digits, bool) or not isinstance(digits, int)
                                   or digits < 1):
            raise DiagramError(f"digits: expected None or a whole number of at least 1, got {digits!r}")
        self.threshold = threshold
        self.keep = keep
        self.digits = digits

    def shown(self, n: int) -> tuple[list[int], int]:
        """The indices drawn out of n, and how many are left out (between the two ends)."""
        if n <= self.threshold:
            return list(range(n)), 0
        return list(range(self.keep)) + list(range(n - self.keep, n)), n - 2 * self.keep

    def is_gap(self, n: int, hidden: int, i: int) -> bool:
        """Whether the left-out items go just before index i."""
        return hidden > 0 and i == n - self.keep

    def column_ids(self, k: int, n: int) -> list[str]:
        """The node ids of column k top to bottom: `L1N0`, ..., `L1M` (the left-out ones), ..."""
        shown, hidden = self.shown(n)
        ids = []
        for i in shown:
            if self.is_gap(n, hidden, i):
                ids.append(f"L{k}M")
            ids.append(f"L{k}N{i}")
        return ids


def neuron_lines(neuron, layer, traced: bool, options: Options) -> tuple[list[str], bool]:
    """A neuron's label lines: name, bias, and with a trace its arithmetic and activation."""
    lines = [neuron.name, f"bias {fmt(neuron.bias, options.digits)}"]
    if not traced:
        return lines, False
    arithmetic = sum_lines(neuron, options)
    lines += arithmetic
    act = activation_line(neuron, layer, options)
    if act:
        lines.append(act)
    if neuron.flag:
        lines.append(f"<- {neuron.flag}")
    return lines, len(arithmetic) > 1


def sum_lines(record, options: Options) -> list[str]:
    """`3*2 + 5*4 = 26`, with the middle terms of a long sum as `(776 more terms: 12.5)`."""
    inputs, weights, digits = record.inputs, record.weights, options.digits
    n = len(weights)
    shown, hidden = options.shown(n)
    terms = []
    for i in shown:
        if options.is_gap(n, hidden, i):
            middle = plain_sum(record.products[options.keep:n - options.keep])
            terms.append(f"({hidden} more terms: {fmt(middle, digits)})")
        terms.append(f"{operand(inputs[i], digits)}*{operand(weights[i], digits)}")
    if record.bias != 0 or record.bias != record.bias:
        terms.append(operand(record.bias, digits))
    return wrap(terms, fmt(record.z, digits))


def activation_line(record, layer, options: Options) -> str:
    act = layer.activation
    if act.elementwise or len(layer.z) <= 4:
        return activation_text(act, record.z, record.a, record.index, layer.z, options.digits)
    return f"{act.name}(z)[{record.index}] = {fmt(record.a, options.digits)}"


def widest(layer):
    """The largest |weight| among the layer's finite weights, in its own type (0 if none)."""
    return max((abs(w) for n in layer.neurons for w in n.weights if is_finite(w)), default=0)


def penwidth(weight, largest) -> str:
    if not is_finite(weight):
        return "3.00"
    if largest == 0:
        return "0.80"
    try:
        ratio = float(abs(weight) / largest)
    except (OverflowError, TypeError):  # a float and an int too large for one; a float and a Decimal
        ratio = float(Fraction(abs(weight)) / Fraction(largest))
    return f"{0.8 + 2.2 * ratio:.2f}"

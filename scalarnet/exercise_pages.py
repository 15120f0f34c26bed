"""An exercise sheet's pages: its lines with blanks, the diagram with `?` in them, Markdown and HTML.

The sheet's lines are the pass's arithmetic, as `str(trace)` (and, with a target,
the backward pass) writes it, with every hidden value replaced: where a blank is
asked for it reads `____ (a)` (an input field on the HTML page), and wherever else
that value appears it reads `(a)`, so no line gives an answer away by copying it.
Nothing here touches a file: the command line writes what these functions return.
"""

from __future__ import annotations

import html
import json
import re
from fractions import Fraction

from .exercise import Blank, Sheet
from .numbers import fmt, operand
from .trace import LayerRecord, NeuronRecord, Trace

__all__ = ["answers_markdown", "diagram", "html_page", "lines", "markdown"]


# -- the lines, as tokens -------------------------------------------------------------------------
# A line is a list of tokens: text, ("blank", blank) where the blank is asked for, or
# ("ref", blank, index) where its value is used again (index: which value of a layer).


class _Lines:
    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.placed: set = set()
        self.out: list[list] = []

    def num(self, slot: tuple, value, home: str | None = None, operand_form: bool = False) -> list:
        """The tokens for one value: itself, its blank (at the blank's home) or a reference."""
        b = self.sheet.hidden.get(slot)
        if b is None:
            return [operand(value, self.sheet.digits) if operand_form else fmt(value, self.sheet.digits)]
        if b.kind == home and b.id not in self.placed:
            self.placed.add(b.id)
            return [("blank", b)]
        return [("ref", b, slot[2] if b.kind == "layer" else None)]

    def add(self, *parts) -> None:
        line = []
        for p in parts:
            line += p if isinstance(p, list) else [p]
        self.out.append(line)


def lines(sheet: Sheet) -> list[list]:
    """The sheet's lines as tokens (see the comment above `_Lines`)."""
    w = _Lines(sheet)
    d = sheet.digits
    trace = sheet.trace
    w.add("inputs: " + ", ".join(f"{n} = {fmt(v, d)}" for n, v in zip(trace.input_names, trace.input_values)))
    for k, layer in enumerate(trace.layers):
        w.add(f"{layer.name} ({layer.activation.name}):")
        identity = layer.activation.name == "identity"
        for j, n in enumerate(layer.neurons):
            xs = [w.num(("a", k - 1, i), x, operand_form=True) if k else [operand(x, d)]
                  for i, x in enumerate(n.inputs)]
            for i, (x, wt) in enumerate(zip(xs, n.weights)):
                if ("p", k, j, i) in sheet.hidden:
                    w.add(f"  {n.name}: ", x, f"*{operand(wt, d)} = ", w.num(("p", k, j, i), None, "product"))
            terms: list = []
            for i, (x, wt) in enumerate(zip(xs, n.weights)):
                terms += ([" + "] if i else []) + x + [f"*{operand(wt, d)}"]
            if n.bias != 0 or n.bias != n.bias:
                terms.append(f" + {operand(n.bias, d)}")
            z = w.num(("z", k, j), n.z, "sum")
            if identity:
                w.add(f"  {n.name}: ", terms, " = ", z)
            elif layer.activation.elementwise:
                w.add(f"  {n.name}: ", terms, " = ", z, f" -> {layer.activation.name}(",
                      w.num(("z", k, j), n.z), ") = ", w.num(("a", k, j), n.a, "activation"))
            else:
                zs = []
                for m, zm in enumerate(layer.z):
                    zs += ([", "] if m else []) + w.num(("z", k, m), zm)
                w.add(f"  {n.name}: ", terms, " = ", z, f" -> {layer.activation.name}([", zs,
                      f"])[{j}] = ", w.num(("a", k, j), n.a, "activation"))
        w.add("  values: ", _values(w, k, layer))
    last = len(trace.layers) - 1
    w.add("output: ", _values(w, last, trace.layers[last], home=False))
    if sheet.gradients is not None:
        _backward(w, sheet)
    missing = [b.id for b in sheet.blanks if b.id not in w.placed]
    if missing:  # every blank is asked for somewhere: a sheet without one is a bug here
        raise AssertionError(f"blanks not placed on the sheet: {missing}")
    return w.out


def _values(w: _Lines, k: int, layer: LayerRecord, home: bool = True) -> list:
    b = w.sheet.hidden.get(("a", k, 0))
    if home and b is not None and b.kind == "layer":
        return w.num(("a", k, 0), None, "layer")
    parts: list = ["["]
    for j, a in enumerate(layer.a):
        parts += ([", "] if j else []) + w.num(("a", k, j), a)
    return parts + ["]"]


def _backward(w: _Lines, sheet: Sheet) -> None:
    """The backward pass (mse), output layer first, as `scalarnet.backprop` writes it."""
    g, d = sheet.gradients, sheet.digits
    out = len(g.layers) - 1
    terms: list = []
    for j, (a, t) in enumerate(zip(g.trace.output, g.target)):
        terms += ([" + "] if j else []) + ["("] + w.num(("a", out, j), a, operand_form=True) + \
            [f" - {operand(t, d)})^2"]
    inside = terms if len(g.target) == 1 else ["("] + terms + [")"]
    w.add("target: " + "[" + ", ".join(fmt(t, d) for t in g.target) + "]")
    w.add("loss: mse = 1/2*", inside, f" = {fmt(g.loss, d)}")
    for k in reversed(range(len(g.layers))):
        lg = g.layers[k]
        act = lg.record.activation.name
        w.add(f"{lg.name} ({act}):")
        for j, ng in enumerate(lg.neurons):
            n = ng.record
            pad = " " * (len(n.name) + 4)
            if k == out:
                da = ["dL/da = a - t = "] + w.num(("a", k, j), n.a) + \
                     [f" - {operand(g.target[j], d)} = {fmt(ng.da, d)}"]
            else:
                nxt = g.layers[k + 1]
                da = ["dL/da = "]
                for m, nm in enumerate(nxt.record.neurons):
                    da += ([" + "] if m else []) + [f"{operand(nm.weights[j], d)}*"] + \
                        w.num(("dz", k + 1, m), nxt.dz[m], operand_form=True)
                da.append(f" = {fmt(ng.da, d)}")
            w.add(f"  {n.name}: ", da)
            dz = w.num(("dz", k, j), ng.dz, "dz")
            if act == "identity":
                w.add(pad, "dL/dz = dL/da = ", dz)
            else:
                slope = lg.record.activation.derivative(n.z)
                w.add(pad, f"dL/dz = {act}'(", w.num(("z", k, j), n.z), f") * dL/da = "
                      f"{operand(slope, d)} * {operand(ng.da, d)} = ", dz)
            products: list = []
            values: list = []
            for i, x in enumerate(n.inputs):
                xs = w.num(("a", k - 1, i), x, operand_form=True) if k else [operand(x, d)]
                products += ([", "] if i else []) + xs + ["*"] + \
                    w.num(("dz", k, j), ng.dz, operand_form=True)
                values += ([", "] if i else []) + w.num(("dw", k, j, i), ng.dw[i], "dw")
            w.add(pad, "dL/dw = [", products, "] = [", values, "]")


# -- Markdown -------------------------------------------------------------------------------------


def _md_token(token) -> str:
    if isinstance(token, str):
        return token
    if token[0] == "blank":
        return f"____ ({token[1].id})"
    return f"({token[1].id})" + ("" if token[2] is None else f"[{token[2]}]")


KIND_NAMES = {"product": "product", "sum": "weighted sum z", "activation": "activation's value a",
              "layer": "layer's values", "dz": "dL/dz", "dw": "dL/dw"}


def _title(sheet: Sheet) -> str:
    return f"Exercise: {sheet.net.name}"


def markdown(sheet: Sheet, svg_name: str) -> str:
    """The printable sheet: the diagram (`svg_name`, beside it), the lines, a table to answer in."""
    body = "\n".join("".join(_md_token(t) for t in line) for line in lines(sheet))
    rows = "\n".join(f"| ({b.id}) | {b.where()} | {KIND_NAMES[b.kind]} | |" for b in sheet.blanks)
    return f"""# {_title(sheet)}

Work out each blank `____ (a)` from the numbers given: weights, biases and inputs are all
shown. Where a blank's value is used again it reads `(a)`. Layers run from left to right;
relu(z) = max(0, z).{_backward_note(sheet)}

![{sheet.net.name} with ? in the blanks]({svg_name})

```text
{body}
```

| blank | where | what | your answer |
| --- | --- | --- | --- |
{rows}

Seed {sheet.seed}; {len(sheet.blanks)} blanks.
"""


def _backward_note(sheet: Sheet) -> str:
    if sheet.gradients is None:
        return ""
    return (" The loss is mse, 1/2*(a - t)^2 summed over the outputs; relu'(z) is 1 for z > 0, "
            "else 0.")


def answers_markdown(sheet: Sheet) -> str:
    """The answer key: each blank's answer and the line that works it out."""
    rows = "\n".join(f"| ({b.id}) | {b.where()} | {_answer_text(b, sheet.digits)} | `{b.line}` |"
                     for b in sheet.blanks)
    return f"""# Answer key: {sheet.net.name}

| blank | where | answer | worked out |
| --- | --- | --- | --- |
{rows}

Seed {sheet.seed}.
"""


def _answer_text(b: Blank, digits) -> str:
    if isinstance(b.answer, list):
        return "[" + ", ".join(fmt(v, digits) for v in b.answer) + "]"
    return fmt(b.answer, digits)


# -- the diagram ----------------------------------------------------------------------------------


class _Unknown:
    """A value left blank in the drawing: it writes itself as `?a`."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def diagram(sheet: Sheet):
    """The network view of the pass with every blank's value drawn as `?a` (a copy of the trace)."""
    from .diagram import diagram as draw

    def shown(slot, value):
        b = sheet.hidden.get(slot)
        return value if b is None else _Unknown(f"?{b.id}")

    old = sheet.trace
    copy = Trace(old.network_name, old.input_names, old.input_values)
    values = old.input_values
    for k, layer in enumerate(old.layers):
        record = LayerRecord(layer.name, layer.activation, layer.input_names, values)
        record.z = [shown(("z", k, j), n.z) for j, n in enumerate(layer.neurons)]
        record.a = [shown(("a", k, j), n.a) for j, n in enumerate(layer.neurons)]
        for j, n in enumerate(layer.neurons):
            record.neurons.append(NeuronRecord(record, j, n.name, n.weights, n.products, n.bias,
                                               record.z[j], record.a[j]))
        copy.layers.append(record)
        values = record.a
    # every neuron and every term drawn (up to 64), so none of the blanks is summarised away
    widest = max(len(copy.input_names), *(len(layer.neurons) for layer in copy.layers))
    return draw(copy, threshold=max(12, min(widest, 64)))


# -- HTML -----------------------------------------------------------------------------------------


def _h(text: str) -> str:
    text = re.sub("[\ud800-\udfff]", "\ufffd", text)
    return html.escape(text, quote=True)


def _html_token(token) -> str:
    if isinstance(token, str):
        return _h(token)
    b = token[1]
    if token[0] == "blank":
        size = 14 if b.kind == "layer" else 6
        return (f'<input class="blank" id="in-{_h(b.id)}" data-id="{_h(b.id)}" size="{size}" '
                f'autocomplete="off" aria-label="blank ({_h(b.id)})"><sup>({_h(b.id)})</sup>')
    index = "" if token[2] is None else f"[{token[2]}]"
    return f'<span class="ref">({_h(b.id)}){index}</span>'


def _number(value) -> dict:
    """A value for the page's script: exact ones as numerator/denominator text, floats as floats."""
    if isinstance(value, float):
        return {"float": value if value == value and abs(value) != float("inf") else None}
    f = Fraction(value)
    return {"num": str(f.numerator), "den": str(f.denominator)}


def _numbers(value) -> list:
    return [_number(v) for v in (value if isinstance(value, list) else [value])]


def html_page(sheet: Sheet, svg: str) -> str:
    """One self-contained page: the diagram (`svg`), the lines with input fields, and "check"."""
    from .exercise_grading import useful_mistakes

    body = "\n".join("".join(_html_token(t) for t in line) for line in lines(sheet))
    data = {b.id: {"answer": _numbers(b.answer), "line": b.line,
                   "mistakes": [[_numbers(v), hint] for v, hint in useful_mistakes(sheet, b)]}
            for b in sheet.blanks}
    rows = "\n".join(
        f'<li id="row-{_h(b.id)}" data-id="{_h(b.id)}"><b>({_h(b.id)})</b> {_h(b.where())}, '
        f'{_h(KIND_NAMES[b.kind])}: <span class="mark"></span> '
        f'<button type="button" class="show">show the answer</button>'
        f'<div class="hint" hidden></div><div class="line" hidden></div></li>'
        for b in sheet.blanks)
    start = svg.find("<svg")
    # `</` never appears inside the script's JSON: a name holding "</script>" cannot end it
    answers = json.dumps(data, ensure_ascii=True).replace("</", "<\\/")
    return _PAGE.format(title=_h(_title(sheet)), svg=svg[start:] if start >= 0 else "", body=body,
                        rows=rows, count=len(sheet.blanks), answers=answers, css=_CSS, js=_JS,
                        note=_h(_backward_note(sheet)))


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="how">Fill in each blank from the numbers given, then press <b>check</b>. Where a
blank's value is used again it reads (a). A wrong answer shows how it is worked out after a
second wrong try, or when you ask. relu(z) = max(0, z).{note}</p>
<div class="diagram">
{svg}
</div>
<pre id="sheet">{body}</pre>
<p><button type="button" id="check">check</button> <span id="score"></span></p>
<ol id="blanks">
{rows}
</ol>
<script type="application/json" id="answers">{answers}</script>
<script>
{js}
</script>
</body>
</html>
"""

_CSS = """\
body { font-family: system-ui, sans-serif; margin: 1rem 2rem; color: #222; max-width: 70rem; }
h1 { font-size: 1.3rem; }
.diagram svg { max-width: 100%; height: auto; }
#sheet { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 1.05rem;
         line-height: 1.9; white-space: pre-wrap; }
input.blank { font: inherit; width: auto; text-align: right; padding: 0 .2rem; }
input.right { border: 2px solid #1a7f37; background: #e6f4ea; }
input.wrong { border: 2px solid #b2182b; background: #fde8e8; }
.ref { color: #555; }
sup { color: #555; }
#blanks { font-family: ui-monospace, Menlo, Consolas, monospace; }
#blanks li { margin: .3rem 0; }
.mark.right { color: #1a7f37; font-weight: bold; }
.mark.wrong { color: #b2182b; font-weight: bold; }
.line { margin-left: 2rem; }
.hint { margin-left: 2rem; color: #8a4b00; }
button { font: inherit; cursor: pointer; }
#score { font-weight: bold; }"""

# The same rule as scalarnet.exercise_grading.agrees: exact for ints and fractions (BigInt
# cross-multiplication), a float to the significant digits written (at least 3).
_JS = r"""
const DATA = JSON.parse(document.getElementById("answers").textContent);
const tries = {}, lastWrong = {};
function parseOne(part) {
  let m = part.match(/^([+-]?\d+)\/(\d+)$/);
  if (m) {
    const den = BigInt(m[2]);
    return den === 0n ? null : {num: BigInt(m[1]), den: den, last: null};
  }
  m = part.match(/^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/);
  if (!m || (m[2] + (m[3] || "")) === "") return null;
  const exp = parseInt(m[4] || "0", 10) - (m[3] || "").length;  // the last written digit's place
  let num = BigInt(m[2] + (m[3] || "")) * (m[1] === "-" ? -1n : 1n), den = 1n;
  if (exp >= 0) num *= 10n ** BigInt(exp); else den = 10n ** BigInt(-exp);
  return {num: num, den: den, last: exp};
}
function parse(text) {
  const parts = text.trim().replace(/^\[|\]$/g, "").replace(/[,;]/g, " ").split(/\s+/).filter(p => p);
  const out = parts.map(parseOne);
  return parts.length && out.every(p => p) ? out : null;
}
function agrees(g, a) {
  if (a.float === undefined) return g.num * BigInt(a.den) === BigInt(a.num) * g.den;
  if (a.float === null) return false;
  if (a.float === 0) return g.num === 0n;
  const first = parseInt(a.float.toExponential().split("e")[1], 10);
  const place = g.last === null ? first - 2 : Math.min(first - 2, g.last);
  const tol = 0.5 * Math.pow(10, place);
  return Math.abs(Number(g.num) / Number(g.den) - a.float) <= tol * (1 + 1e-12);
}
function agreeAll(given, values) {
  return given.length === values.length && given.every((g, i) => agrees(g, values[i]));
}
function show(row, id) {
  const line = row.querySelector(".line");
  line.textContent = "right: " + DATA[id].line;
  line.hidden = false;
}
document.getElementById("check").addEventListener("click", () => {
  let right = 0;
  for (const row of document.querySelectorAll("#blanks li")) {
    const id = row.dataset.id, input = document.getElementById("in-" + id);
    const mark = row.querySelector(".mark"), hint = row.querySelector(".hint");
    input.classList.remove("right", "wrong");
    mark.className = "mark";
    hint.hidden = true;
    const text = input.value.trim();
    if (!text) { mark.textContent = "no answer yet"; continue; }
    const given = parse(text);
    if (!given) { mark.textContent = "not a number"; input.classList.add("wrong"); continue; }
    if (agreeAll(given, DATA[id].answer)) {
      right++;
      mark.textContent = "\u2713 right"; mark.classList.add("right"); input.classList.add("right");
      continue;
    }
    mark.textContent = "\u2717 wrong"; mark.classList.add("wrong"); input.classList.add("wrong");
    if (lastWrong[id] !== text) tries[id] = (tries[id] || 0) + 1;  // the same answer again is no new try
    lastWrong[id] = text;
    const slip = DATA[id].mistakes.find(m => agreeAll(given, m[0]));
    if (slip) { hint.textContent = "hint: " + slip[1]; hint.hidden = false; }
    if (tries[id] >= 2) show(row, id);
  }
  document.getElementById("score").textContent =
    "score " + right + "/" + Object.keys(DATA).length;
});
for (const row of document.querySelectorAll("#blanks li")) {
  row.querySelector(".show").addEventListener("click", () => show(row, row.dataset.id));
}
"""

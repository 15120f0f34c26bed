"""An exercise sheet as one self-contained HTML page that checks its answers in the browser.

The page holds the diagram (inline SVG), the sheet's lines with an input field for each
blank, and a "check" button. Its script grades by the rule of `scalarnet.exercise_grading`
(exact for ints and fractions, a float to the digits written, at least 3), names a usual
slip when the answer is one, and shows the right line after a second wrong try or on
request. It loads nothing from the network.
"""

from __future__ import annotations

import html
import json
import re
from fractions import Fraction

from .exercise import Sheet
from .exercise_grading import useful_mistakes
from .exercise_pages import KIND_NAMES, backward_note, lines, title

__all__ = ["html_page"]


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
    return _PAGE.format(title=_h(title(sheet)), svg=svg[start:] if start >= 0 else "", body=body,
                        rows=rows, count=len(sheet.blanks), answers=answers, css=_CSS, js=_JS,
                        note=_h(backward_note(sheet)))


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

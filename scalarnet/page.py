"""The step-by-step player: one self-contained HTML page of rendered frames, each distinct piece of SVG stored once.

`player_html(net, built, svgs)` takes the frames of `scalarnet.player.frames`
and their SVGs (`render_frames`). The page has inline CSS and JavaScript and
loads nothing from anywhere (its Content-Security-Policy forbids it). It holds
each distinct piece of SVG (a node, an edge, as Graphviz comments delimit them)
once, and each frame as the list of its pieces, which the script puts together
when the frame is shown: a page of hundreds of frames of a big network stays
under a few MiB.
"""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING

from .diagram import KEEP
from .numbers import fmt
from .steps import Step, StepError
from .trace import values_text

if TYPE_CHECKING:
    from .diagram import Diagram
    from .network import Network


def player_html(net: Network, built: list[tuple[Step, Diagram]], svgs: list[str]) -> str:
    """One self-contained HTML page: the frames, previous/next/play, a slider, arrow keys, each step's text."""
    if len(svgs) != len(built) or not svgs:
        raise StepError(f"player: {len(svgs)} SVGs for {len(built)} steps")
    first = built[0][0]
    count = len(built)
    known = first.values
    pairs = [f"{name} = {fmt(known[name])}" for name in net.inputs]
    if len(pairs) > 3 * KEEP:  # as the diagram summarises a wide column
        pairs = pairs[:KEEP] + [f"({len(pairs) - 2 * KEEP} more)"] + pairs[-KEEP:]
    inputs = ", ".join(pairs)
    last_forward = [step for step, _ in built if step.pass_ == "forward"][-1]
    values = last_forward.values
    output = [values[f"{net.layers[-1].name}.{n.name}"] for n in net.layers[-1].neurons]
    kind = first.kind if first.kind in ("neuron", "layer") else "op"
    backward = sum(step.pass_ == "backward" for step, _ in built)
    counted = f"{count} {kind} steps" if not backward else \
        f"{count - backward} forward + {backward} backward {kind} steps"
    summary = f"inputs {inputs} · {counted} · output {values_text(output, first.digits)}"
    gradients = built[-1][0].gradients if backward else None
    if gradients is not None:
        summary += f" · {gradients.loss_text(first.digits)}"
    pieces: dict[str, int] = {}  # each distinct piece of SVG, numbered in order of appearance
    lists = [[pieces.setdefault(piece, len(pieces)) for piece in _pieces(svg, n)]
             for n, svg in enumerate(svgs, start=1)]
    data = json.dumps({"pieces": list(pieces), "frames": lists}, ensure_ascii=False,
                      separators=(",", ":"))
    parts = []
    for step, _ in built:
        sofar = step.arithmetic if step.arithmetic != step.text else ""
        parts.append(f'<div class="frame" data-text="{_html(step.text)}" data-sofar="{_html(sofar)}"'
                     f'{"" if step.index == 0 else " hidden"}></div>')
    return _PAGE.format(
        title=_html(f"{net.name}: {counted}"),
        name=_html(net.name),
        summary=_html(summary),
        count=count,
        text=_html(first.text),
        sofar=_html(first.arithmetic if first.arithmetic != first.text else ""),
        frames="\n".join(parts),
        data=_script_text(data),
        css=_CSS,
        js=_JS,
    )


_NOT_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"


def _html(text: str) -> str:
    """`text` for the page, as content or in an attribute; what XML 1.0 forbids as U+FFFD.

    A lone surrogate has no UTF-8; C0 controls, U+FFFE and U+FFFF are not XML.
    """
    text = re.sub(_NOT_XML, "\ufffd", text)
    return html.escape(text, quote=True).replace("\n", "&#10;")


def _script_text(data: str) -> str:
    """JSON as the text of a `<script type="application/json">`: no `<` in it (JSON.parse reads
    `\\u003c`), so no `</script>` or `<!--` in a name can end or change the script."""
    return re.sub(_NOT_XML, "\ufffd", data).replace("<", "\\u003c")


def _pieces(svg: str, n: int) -> list[str]:
    """An SVG document as the pieces the page stores once each: no XML prolog, then split before
    each of Graphviz's `<!-- node -->` comments (a node, an edge), which repeat from frame to frame.

    Only one frame is in the page at a time, so ids need not differ between frames.
    """
    start = svg.find("<svg")
    if start < 0:
        raise StepError(f"player: frame {n} is not SVG")
    return re.split(r"(?=\n<!-- )", svg[start:].strip())


_CSS = """\
body { font-family: system-ui, sans-serif; margin: 1rem 2rem; color: #222; }
h1 { font-size: 1.3rem; margin: 0 0 .2rem; }
.summary { color: #555; margin: 0 0 .8rem; }
.controls { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
button { font: inherit; padding: .25rem .8rem; cursor: pointer; }
#slider { flex: 1; min-width: 12rem; }
#where { font-variant-numeric: tabular-nums; min-width: 8em; }
#text { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 1.15rem; margin: .8rem 0 .2rem; }
#text { white-space: pre-wrap; }
#sofar { font-family: ui-monospace, Menlo, Consolas, monospace; color: #555; margin: 0 0 .6rem;
         min-height: 1.2em; white-space: pre-wrap; max-height: 14em; overflow-y: auto; }
.frame svg { max-width: 100%; height: auto; }
.keys { color: #777; font-size: .85rem; }
"""

_JS = """\
(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll(".frame"));
  var byId = function (id) { return document.getElementById(id); };
  var prev = byId("prev"), next = byId("next"), play = byId("play"), slider = byId("slider");
  var where = byId("where"), text = byId("text"), sofar = byId("sofar");
  var current = 0, timer = null;
  var data = JSON.parse(byId("frames-data").textContent);
  function show(i) {
    current = Math.max(0, Math.min(frames.length - 1, i));
    frames.forEach(function (f, k) {
      f.hidden = k !== current;
      // only the shown frame holds its SVG, put together from the pieces the page stores once
      f.innerHTML = k !== current ? "" : data.frames[k].map(function (p) { return data.pieces[p]; }).join("");
    });
    text.textContent = frames[current].getAttribute("data-text");
    sofar.textContent = frames[current].getAttribute("data-sofar");
    where.textContent = "step " + (current + 1) + "/" + frames.length;
    slider.value = String(current + 1);
    prev.disabled = current === 0;
    next.disabled = current === frames.length - 1;
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = "\\u25B6 play";
  }
  function start() {
    if (current === frames.length - 1) { show(0); }
    play.textContent = "\\u275A\\u275A pause";
    timer = setInterval(function () {
      if (current >= frames.length - 1) { stop(); } else { show(current + 1); }
    }, 1000);
  }
  prev.addEventListener("click", function () { stop(); show(current - 1); });
  next.addEventListener("click", function () { stop(); show(current + 1); });
  play.addEventListener("click", function () { if (timer === null) { start(); } else { stop(); } });
  slider.addEventListener("input", function () { stop(); show(Number(slider.value) - 1); });
  document.addEventListener("keydown", function (e) {
    if (e.target === slider) { return; }  // the slider moves itself with the arrow keys
    if (e.key === "ArrowRight") { stop(); show(current + 1); }
    else if (e.key === "ArrowLeft") { stop(); show(current - 1); }
    else if (e.key === "Home") { stop(); show(0); }
    else if (e.key === "End") { stop(); show(frames.length - 1); }
    else if (e.key === " " && e.target.tagName !== "BUTTON") { if (timer === null) { start(); } else { stop(); } }
    else { return; }
    e.preventDefault();
  });
  show(0);
})();
"""

_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}</style>
</head>
<body>
<h1>{name}</h1>
<p class="summary">{summary}</p>
<div class="controls">
<button id="prev" type="button" title="previous step (left arrow)">&#9664; previous</button>
<button id="play" type="button" title="play or pause (space)">&#9654; play</button>
<button id="next" type="button" title="next step (right arrow)">next &#9654;</button>
<input id="slider" type="range" min="1" max="{count}" value="1" aria-label="step">
<span id="where">step 1/{count}</span>
</div>
<p id="text">{text}</p>
<p id="sofar">{sofar}</p>
<div id="frames">
{frames}
</div>
<script id="frames-data" type="application/json">{data}</script>
<p class="keys">Keys: &larr; &rarr; previous and next, space play or pause, Home and End the first and last step.</p>
<script>
{js}</script>
</body>
</html>
"""

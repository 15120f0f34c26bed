"""Frames of a stepped pass (one diagram per step) and the self-contained HTML player of them.

A frame is the network diagram (`scalarnet.diagram`) at one step: the current
neuron and its incoming edges highlighted (at op granularity the edge of the
current multiply-add the most), finished neurons with their arithmetic, later
ones blank (name and bias only), the step's text as the title. With a target,
the backward pass's frames follow: the whole forward pass shown, the current
neuron highlighted and the edge whose gradient is being computed thickest, each
neuron's dL/da and dL/dz (each input's dL/dx) appearing as they are finished,
from the output back to the inputs. Texts summarise sums of more than 12 terms
as the diagram does (`(776 more terms: 12.5)`). Building frames builds DOT text
only; `render_frames` runs Graphviz and keeps every node in place from one
frame to the next; `player_html` puts the SVGs into one HTML page with inline
CSS and JavaScript, which loads nothing from anywhere (its
Content-Security-Policy forbids it). The page holds each distinct piece of SVG
once (a node, an edge) and each frame as the list of its pieces, so a page of
hundreds of frames of a big network stays a few MiB.

>>> from scalarnet import load
>>> net = load("tutorial-deep")
>>> built = frames(net, [3, 5])
>>> len(built), built[4][0].text
(14, 'node0_1: 12 + 5*(-5) = -13')
>>> print([line for line in built[4][1].body if line.startswith("\\tL1N1 [")][-1].strip())
L1N1 [label="node0_1\\nbias 0\\n3*4 + 5*(-5) = -13" color="#d94801" fillcolor="#fdd0a2" penwidth=3]
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from .diagram import KEEP, Diagram, _label, _wrap, diagram, dot_text
from .numbers import Number, fmt
from .page import player_html
from .steps import Step, StepError, count_steps
from .trace import NeuronRecord, Trace

if TYPE_CHECKING:
    from .network import Network

__all__ = ["DIGITS", "MAX_FRAMES", "frame", "frame_names", "frames", "player_html", "render_frames",
           "stale_frames"]

#: More steps than this make too many frames: step by neuron or layer instead.
MAX_FRAMES = 1000
#: A neuron with more inputs than this shows how far its sum got, not every term.
WIDE = 12
#: Significant digits for floats in frames and the player, unless given.
DIGITS = 4
#: A frame's title, the step's text, is cut to this many characters: a neuron step of a
#: 784-input neuron lists every term, which made each frame tens of metres wide.
TITLE = 100

CURRENT, CURRENT_FILL = "#d94801", "#fdd0a2"  # the neuron being computed
LATER = "#9a9a9a"  # neurons not computed yet
FADED = "#d4d4d4"  # edges that are not the current neuron's

_EDGE = re.compile(r"^(\s*)(\w+) -> (\w+) \[(.*)\]$")
_NODE = re.compile(r"^\s*(\w+) \[")
_NEURON = re.compile(r"L\d+N\d+")
_SVG = "{http://www.w3.org/2000/svg}"


def frames(net: Network, x: Sequence[Number] | Mapping[str, Number], granularity: str = "op",
           digits: int | None = DIGITS, *, target: Sequence[Number] | None = None,
           loss: str = "mse") -> list[tuple[Step, Diagram]]:
    """Every step of the pass (with a target, the backward pass's too) with its frame, a
    graphviz Digraph (DOT only, nothing rendered).

    Raises StepError when the pass has more than MAX_FRAMES steps.
    """
    stepped = net.steps(x, granularity, digits, target=target, loss=loss, keep=KEEP)
    if sum(count_steps(net, granularity, target is not None)) > MAX_FRAMES:
        raise StepError(f"network {net.name!r} has more than {MAX_FRAMES} steps at "
                        f"{granularity} granularity: too many frames (step by neuron or layer)")
    steps = list(stepped)
    trace = net.trace(x)
    base = diagram(net, trace, digits=digits)
    labels = _labels(base)
    titles = [_cut(f"{net.name}, step {step.index + 1}/{len(steps)}: {_one_line(step.text)}")
              for step in steps]
    width = max(map(len, titles))  # every title as wide, so no frame's canvas is wider
    return [(step, frame(base, trace, step, title.ljust(width), labels))
            for step, title in zip(steps, titles)]


def _one_line(text: str) -> str:
    """A backward neuron step's four lines as one: `node0_0: dL/da = 14; dL/dz = ...`."""
    return "; ".join(line.strip() for line in text.split("\n"))


_LABEL = re.compile(r'^\s*(\w+) \[label=("(?:[^"\\]|\\.)*")')


def _labels(base: Diagram) -> dict[str, str]:
    """Each node's label in `base` as DOT text (quoted), from its first statement."""
    found = {}
    for line in base.body:
        m = _LABEL.match(line)
        if m and m[1] not in found:
            found[m[1]] = m[2]
    return found


def _with_lines(label: str, lines: list[str]) -> str:
    """A quoted DOT label from `_labels` with `lines` added below (left-justified if it is)."""
    inner = label[1:-1]
    if inner.endswith("\\l"):
        added = "".join(f"{dot_text(line)}\\l" for line in lines)
    else:
        added = "".join(f"\\n{dot_text(line)}" for line in lines)
    from graphviz import nohtml

    return nohtml(inner + added)


def frame(base: Diagram, trace: Trace, step: Step, title: str,
          labels: dict[str, str] | None = None) -> Diagram:
    """The diagram `base` (of the whole pass, `trace`) as it stands at `step`, with this title."""
    if step.pass_ == "backward":
        return _backward_frame(base, trace, step, title, labels or _labels(base))
    graph = base.copy()
    drawn = {m[1] for line in graph.body if (m := _NODE.match(line))}
    position = {layer.name: k for k, layer in enumerate(trace.layers, start=1)}
    done = {(position[r.layer.name], r.index) for r in step.neurons_done()}
    k = step.layer_index + 1
    layer = trace.layers[step.layer_index]
    current = [step.neuron_index] if step.neuron is not None else range(len(layer.neurons))
    current_ids = {_node_id(k, j, drawn) for j in current}
    # A softmax layer sums all its neurons before it activates any: the sums already
    # stepped through stay shown (op steps only; a neuron step shows a whole neuron).
    summed = set()
    if step.kind in ("multiply-add", "bias", "activation") and not layer.activation.elementwise:
        stepped = len(layer.neurons) if step.kind == "activation" else step.neuron_index
        summed = {(k, j) for j in range(stepped)}
    for kk, each in enumerate(trace.layers, start=1):
        for j, neuron in enumerate(each.neurons):
            node = f"L{kk}N{j}"
            if node not in drawn:
                continue
            top = [neuron.name, f"bias {fmt(neuron.bias, step.digits)}"]
            if (kk, j) in done:  # its arithmetic as the whole pass's diagram has it
                if node in current_ids:
                    graph.node(node, color=CURRENT, fillcolor=CURRENT_FILL, penwidth="3")
            elif node in current_ids:  # its sum so far
                sums = _sum_so_far(step, neuron)
                graph.node(node, _label([*top, *sums], left=len(sums) > 1),
                           color=CURRENT, fillcolor=CURRENT_FILL, penwidth="3")
            elif (kk, j) in summed:  # its whole sum, its activation to come
                sums = _whole_sum(neuron, step.digits)
                graph.node(node, _label([*top, *sums], left=len(sums) > 1))
            else:  # not computed yet: blank
                graph.node(node, _label(top), color=LATER, fontcolor=LATER)
    for node in sorted(n for n in current_ids if n.endswith("M")):  # a left-out neuron's "... more"
        graph.node(node, color=CURRENT, penwidth="3")
    term_edge = (f"L{k - 1}N{step.term}", _node_id(k, step.neuron_index, drawn)) \
        if step.term is not None else None
    for i, line in enumerate(graph.body):
        m = _EDGE.match(line.rstrip("\n"))
        if m is None or "invis" in m[4]:
            continue
        indent, tail, head, attrs = m.groups()
        if (tail, head) == term_edge:
            extra = "penwidth=5"
        elif head in current_ids:
            continue  # the current neuron's inputs keep their colours
        else:
            extra = f'color="{FADED}" fontcolor="{LATER}"'
        graph.body[i] = f"{indent}{tail} -> {head} [{attrs} {extra}]\n"
    graph.attr(label=_label([title], left=True))  # anchored left: its padding may be trimmed
    return graph


def _backward_frame(base: Diagram, trace: Trace, step: Step, title: str, labels: dict) -> Diagram:
    """A backward step's frame: every forward value, the gradients finished so far, the current
    neuron (or layer, or input) and the edge of the current gradient term highlighted."""
    graph = base.copy()
    drawn = {m[1] for line in graph.body if (m := _NODE.match(line))}
    position = {layer.name: k for k, layer in enumerate(trace.layers, start=1)}
    digits = step.digits
    known = {}  # node id -> the gradient lines it shows
    for path, g in step.gradients_done():
        if isinstance(g, (int, float)) or not hasattr(g, "dz"):  # an input's dL/dx
            i = trace.input_names.index(path)
            known[f"L0N{i}"] = [f"dL/d{path} = {fmt(g, digits)}"]
        else:
            known[f"L{position[g.layer.name]}N{g.index}"] = [f"dL/da = {fmt(g.da, digits)}",
                                                            f"dL/dz = {fmt(g.dz, digits)}"]
    k = step.layer_index + 1  # 0: the inputs
    if step.neuron_index is not None:
        current = {_node_id(k, step.neuron_index, drawn)}
    else:  # a layer step: the layer (or every input)
        count = len(trace.input_names) if k == 0 else len(trace.layers[k - 1].neurons)
        current = {_node_id(k, j, drawn) for j in range(count)}
    for node in sorted(drawn):
        if node in known and node in labels:
            graph.node(node, _with_lines(labels[node], known[node]))
    for node in sorted(current):
        graph.node(node, color=CURRENT, fillcolor=CURRENT_FILL, penwidth="3")
    edge = None
    if step.term is not None and step.neuron_index is not None:
        j, t = step.neuron_index, step.term
        if step.gradient == "dL/dw":  # the weight into this neuron from input t
            edge = (f"L{k - 1}N{t}", f"L{k}N{j}")
        else:  # a dL/da (dL/dx) term: the weight from this neuron (input) to neuron t after it
            edge = (f"L{k}N{j}", f"L{k + 1}N{t}")
    for i, line in enumerate(graph.body):
        m = _EDGE.match(line.rstrip("\n"))
        if m is None or "invis" in m[4]:
            continue
        indent, tail, head, attrs = m.groups()
        if (tail, head) == edge:
            extra = f'penwidth=5 color="{CURRENT}"'
        elif head in current or tail in current:
            continue  # the current neuron's edges keep their colours
        else:
            extra = f'color="{FADED}" fontcolor="{LATER}"'
        graph.body[i] = f"{indent}{tail} -> {head} [{attrs} {extra}]\n"
    graph.attr(label=_label([title], left=True))
    return graph


def _cut(title: str) -> str:
    """`title` cut at a space to at most TITLE characters, with ` ...` (the player shows it whole).

    Three dots, not `…`: Graphviz sizes a label by its characters, and the embedded one
    counts `…` wider than a Courier character, so a cut title widened its frame's canvas.
    """
    if len(title) <= TITLE:
        return title
    return title[:TITLE - 4].rsplit(" ", 1)[0] + " ..."


def _sum_so_far(step: Step, neuron) -> list[str]:
    """The current neuron's sum so far, in lines; for a wide neuron, only how far it got."""
    n = len(neuron.weights)
    if n <= WIDE:
        return _wrapped(step.arithmetic.removeprefix(f"{neuron.name}: "))  # the name may hold ": "
    done = n if step.kind == "bias" else step.term + 1
    return [f"{done} of {n} terms: {fmt(step.result, step.digits)}"]


def _whole_sum(neuron: NeuronRecord, digits: int | None) -> list[str]:
    """A summed neuron's sum, in lines, as its last sum step showed it."""
    n = len(neuron.weights)
    if n <= WIDE:
        return _wrapped(neuron.sum_text(digits))
    return [f"{n} of {n} terms: {fmt(neuron.z, digits)}"]


def _wrapped(sum_text: str) -> list[str]:
    """`3*2 + 5*4 = 26` in lines as the diagram wraps a sum, so the node is no wider than when done.

    The terms are numbers, so no ` + ` or ` = ` is inside one.
    """
    terms, _, result = sum_text.rpartition(" = ")
    return _wrap(terms.split(" + "), result)


def _node_id(k: int, j: int | None, drawn: set) -> str:
    """Neuron j of layer k's node, or the layer's '... more' node when it is left out."""
    node = f"L{k}N{j}"
    return node if node in drawn or f"L{k}M" not in drawn else f"L{k}M"


def render_frames(built: list[tuple[Step, Diagram]], engine: str = "auto") -> list[str]:
    """Each frame as SVG text (see scalarnet.rendering for the engines), all laid out alike.

    Graphviz sizes a node by its label, which grows as the pass fills it in: so
    that nothing moves from one frame to the next, every neuron is drawn at (at
    least) the size it has in the last frame, where all are done.
    """
    if not built:
        return []
    sizes = _neuron_sizes(built[-1][1].to_svg(engine))
    svgs = []
    for _, graph in built:
        sized = graph.copy()
        for node, (width, height) in sizes.items():
            sized.node(node, width=width, height=height)  # at least this size
        svgs.append(sized.to_svg(engine))
    return svgs


def _neuron_sizes(svg: str) -> dict[str, tuple[str, str]]:
    """Each neuron node's width and height in inches, from its outline in `svg` (Graphviz's)."""
    sizes = {}
    for group in ET.fromstring(svg).iter(f"{_SVG}g"):
        node = group.findtext(f"{_SVG}title", "")
        if group.get("class") == "node" and _NEURON.fullmatch(node):
            outline = next(e for e in group if e.tag in (f"{_SVG}path", f"{_SVG}polygon"))
            numbers = [float(v) for v in re.findall(r"-?[\d.]+", outline.get("d") or outline.get("points"))]
            xs, ys = numbers[0::2], numbers[1::2]
            sizes[node] = (f"{(max(xs) - min(xs)) / 72:.4f}", f"{(max(ys) - min(ys)) / 72:.4f}")
    return sizes


def frame_names(count: int) -> list[str]:
    """`step-01.svg`, ..., numbered from 1 and zero-padded so that they sort in step order."""
    width = len(str(count))
    return [f"step-{i:0{width}d}.svg" for i in range(1, count + 1)]


def stale_frames(names: Iterable[str], count: int) -> list[str]:
    """The frames among file `names` that a pass of `count` steps does not write: an earlier run's."""
    mine = set(frame_names(count))
    return sorted(n for n in names if re.fullmatch(r"step-\d+\.svg", n) and n not in mine)

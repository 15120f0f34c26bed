"""Diagrams of what changed: two versions of one network, or one gradient-descent step, drawn as a network.

`diff_diagram(old, new)` (also `diagram(new, diff=old)`) draws the network with
every weight and bias written `old → new`; an edge is blue where its weight
grew, red where it shrank, grey where it stayed, and as wide as its change is
large next to the largest change; the largest changes (`EMPHASISED`) are in
bold. With `gradients=` and `lr=` (one `scalarnet.sgd_step` from `old` to
`new`), each label is the step's arithmetic instead: `w - lr*dL/dw = new`,
before, gradient and after, as computed (`0.52 - 0.5*(-0.06) = 0.55`).

Node ids follow diagram.py (`L0N1` is input 1, `L2N0` neuron 0 of layer 2), and
a layer wider than `threshold` shows its first and last few neurons.

>>> from scalarnet import Network
>>> old = Network.from_matrices([[[1, 2]]], [[0]])
>>> new = Network.from_matrices([[[1, 1.5]]], [[0.25]])
>>> dot = diff_diagram(old, new).source
>>> 'label="2 → 1.5"' in dot, 'bias 0 → 0.25' in dot
(True, True)
"""

from __future__ import annotations

import graphviz

from .backprop import Gradients
from .changes import parameters
from .diagram import Diagram
from .diagram_parts import NEGATIVE, NEUTRAL, POSITIVE, DiagramError, dot_text
from .network import Network
from .numbers import Number, fmt, operand

__all__ = ["EMPHASISED", "diff_diagram"]

#: How many of the largest changes are drawn in bold.
EMPHASISED = 3
THRESHOLD, KEEP = 12, 4

_GRAPH = {"rankdir": "LR", "ranksep": "1.6", "nodesep": "0.3", "fontname": "Courier",
          "fontsize": "12", "labelloc": "t", "labeljust": "l"}
_NODES = {"shape": "box", "style": "rounded,filled", "fillcolor": "white", "fontname": "Courier",
          "fontsize": "11", "margin": "0.12,0.06"}
_EDGES = {"fontname": "Courier", "fontsize": "10", "arrowsize": "0.6"}
_TITLE = {"shape": "plain", "style": "", "fontname": "Courier-Bold", "fontsize": "12"}
_MORE = {"style": "dashed,rounded", "color": NEUTRAL, "fontcolor": "#555555"}
INPUT_FILL, OUTPUT_FILL = "#e8f0fa", "#fff2b3"
ARROW = "→"


def diff_diagram(old: Network, new: Network, *, gradients: Gradients | None = None,
                 lr: Number | None = None, digits: int | None = 4,
                 threshold: int = THRESHOLD) -> Diagram:
    """`new` drawn with each weight and bias as `old → new` (or the SGD step's arithmetic)."""
    if (gradients is None) != (lr is None):
        raise DiagramError("gradients= and lr= draw one gradient-descent step: give both or neither")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise DiagramError(f"threshold: expected a whole number of at least 2, got {threshold!r}")
    every = parameters(old, new)  # checks that the two are one network
    grads = {}
    if gradients is not None:
        for k, layer in enumerate(gradients.layers):
            for j, n in enumerate(layer.neurons):
                for i, d in enumerate(n.dw):
                    grads[k, j, i] = d
                grads[k, j, None] = n.dbias
    changed = sorted((c for c in every if c.changed), key=lambda c: -c.size)
    bold = {(c.k, c.j, c.i) for c in changed[:EMPHASISED]}
    largest = changed[0].size if changed and changed[0].size != float("inf") else 0.0
    by_place = {(c.k, c.j, c.i): c for c in every}

    def text(c) -> str:
        if gradients is None:
            if not c.changed:
                return fmt(c.new, digits)
            return f"{fmt(c.old, digits)} {ARROW} {fmt(c.new, digits)}"
        d = grads[c.k, c.j, c.i]
        return f"{fmt(c.old, digits)} - {operand(lr, digits)}*{operand(d, digits)} = {fmt(c.new, digits)}"

    def look(c) -> dict:
        colour = NEUTRAL if not c.changed else POSITIVE if c.new > c.old else NEGATIVE
        ratio = 1.0 if largest == 0 or c.size == float("inf") else c.size / largest
        style = {"color": colour, "fontcolor": colour,
                 "penwidth": f"{0.6 + 3.4 * ratio:.2f}" if c.changed else "0.6"}
        if (c.k, c.j, c.i) in bold:
            style["fontname"] = "Courier-Bold"
        return style

    graph = Diagram(graph_attr=_GRAPH, node_attr=_NODES, edge_attr=_EDGES)
    widths = "-".join(str(w) for w in new.widths)  # the inputs, then each layer
    if gradients is None:
        head = [f"{new.name} ({widths}): what changed, old {ARROW} new",
                f"{len(changed)} of {len(every)} weights and biases changed; blue grew, red "
                f"shrank, the {min(EMPHASISED, len(changed))} largest changes in bold"]
    else:
        def values(vs: list) -> str:  # a long input would make the title wider than the picture
            if len(vs) > threshold:
                return f"({len(vs)} values)"
            return "[" + ", ".join(fmt(v, digits) for v in vs) + "]"

        head = [f"{new.name} ({widths}): one gradient-descent step, lr {fmt(lr, digits)}, "
                f"input {values(gradients.trace.input_values)}, target {values(gradients.target)}",
                f"{gradients.loss_text(digits)}",
                "each weight: before - lr*dL/dw = after; blue grew, red shrank"]
    graph.attr(label=graphviz.nohtml("".join(dot_text(h) + "\\l" for h in head)))

    columns = [list(new.inputs)] + [[n.name for n in layer.neurons] for layer in new.layers]
    shown = [_shown(len(names), threshold) for names in columns]
    for k, names in enumerate(columns):
        title = "inputs" if k == 0 else f"{new.layers[k - 1].name} ({new.layers[k - 1].activation.name})"
        with graph.subgraph() as column:
            column.attr(rank="same")
            ids = [f"L{k}T"]
            column.node(f"L{k}T", dot_text(title), **_TITLE)
            for j in shown[k]:
                if j is None:
                    hidden = len(names) - len(shown[k]) + 1
                    column.node(f"L{k}M", dot_text(f"... {hidden} more"), **_MORE)
                    ids.append(f"L{k}M")
                    continue
                if k == 0:
                    column.node(f"L0N{j}", dot_text(names[j]), fillcolor=INPUT_FILL)
                else:
                    c = by_place[k - 1, j, None]
                    style = look(c)
                    attrs = {"color": style["color"], "penwidth": style["penwidth"]}
                    if "fontname" in style:
                        attrs["fontname"] = "Courier-Bold"
                    if k == len(columns) - 1:
                        attrs["fillcolor"] = OUTPUT_FILL
                    column.node(f"L{k}N{j}", dot_text(f"{names[j]}\nbias {text(c)}"), **attrs)
                ids.append(f"L{k}N{j}")
            for a, b in zip(ids, ids[1:]):
                column.edge(a, b, style="invis")
    for k in range(1, len(columns)):
        sources = [i for i in shown[k - 1] if i is not None]
        targets = [j for j in shown[k] if j is not None]
        few = len(sources) * len(targets) <= 32
        if not few:  # xlabels (Graphviz spends no layout on them), small, with room around
            graph.graph_attr["ranksep"] = "3.0"
        for j in targets:
            for i in sources:
                c = by_place[k - 1, j, i]
                label = {"label": dot_text(text(c))} if few else {"xlabel": dot_text(text(c)),
                                                                   "fontsize": "8"}
                graph.edge(f"L{k - 1}N{i}", f"L{k}N{j}", **label, **look(c))
    return graph


def _shown(n: int, threshold: int) -> list:
    """The indices drawn out of n, None where the left-out ones go."""
    if n <= threshold:
        return list(range(n))
    keep = min(KEEP, threshold // 2)
    return list(range(keep)) + [None] + list(range(n - keep, n))

"""Pinned layout: boxes sized from their text and placed by scalarnet, drawn by Graphviz as given.

Graphviz's `dot` orders the nodes of a rank to cross fewer edges, and the two
engines (system and embedded) do not break ties alike: the ops view came out
with a layer's neurons upside down on one and not the other. So the views whose
order matters lay themselves out here: every node gets its size (``fixedsize``,
measured from its text) and its centre (``pos``, in points), and the graph asks
for Graphviz's no-op layout (``layout=nop2``, which is ``neato -n2``): both
engines draw each node exactly where it is put and join the nodes with straight
edges. Coordinates here run top to bottom (y grows downwards); `emit` turns them
into Graphviz's, where y grows upwards.

Text is measured as Courier, whose every character is 0.6 em wide in every style
(bold too); a wide East Asian character counts as two. So a box fits its text in
whatever monospace font the viewer has, and neither engine needs font metrics.
"""

from __future__ import annotations

import unicodedata

from .diagram_parts import dot_text, label

__all__ = ["Box", "Sheet", "text_width", "GRAPH"]

CHAR = 0.6  # a Courier character's advance, in ems
LINE = 1.2  # Graphviz's distance between lines, in ems
PAD_X, PAD_Y = 9.0, 5.0  # space between a box's border and its text, in points

# nodesfirst: the background boxes (a layer, a neuron) are nodes drawn before the
# nodes on them; the edges come last, so no background hides one.
GRAPH = {"layout": "nop2", "splines": "false", "outputorder": "nodesfirst",
         "fontname": "Courier", "fontsize": "12", "pad": "0.1"}


def text_width(line: str, fontsize: float) -> float:
    """The width of `line` in points, in Courier of this size."""
    chars = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
    return chars * CHAR * fontsize


class Box:
    """A node: its text, its size (from the text, or given), and where its top-left corner goes."""

    __slots__ = ("id", "lines", "left", "fontsize", "attrs", "width", "height", "x", "y")

    def __init__(self, node_id: str, lines: list[str], *, left: bool = False,
                 fontsize: float = 11, width: float = 0.0, height: float = 0.0, **attrs):
        self.id = node_id
        self.lines = lines
        self.left = left
        self.fontsize = fontsize
        self.attrs = attrs
        widest = max((text_width(line, fontsize) for line in lines), default=0.0)
        self.width = max(width, widest + 2 * PAD_X)
        self.height = max(height, len(lines) * LINE * fontsize + 2 * PAD_Y)
        self.x = self.y = 0.0

    def place(self, x: float, y: float) -> "Box":
        """Put the top-left corner at (x, y)."""
        self.x, self.y = x, y
        return self

    def centre(self, cx: float, cy: float) -> "Box":
        """Put the centre at (cx, cy)."""
        return self.place(cx - self.width / 2, cy - self.height / 2)

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


class Sheet:
    """Boxes in drawing order (backgrounds first) and edges, emitted as one pinned graph."""

    def __init__(self):
        self.boxes: list[Box] = []
        self.edges: list[tuple[str, str, dict]] = []

    def add(self, box: Box) -> Box:
        self.boxes.append(box)
        return box

    def edge(self, tail: str, head: str, **attrs) -> None:
        self.edges.append((tail, head, attrs))

    def shift(self, boxes: list[Box], dx: float, dy: float) -> None:
        for box in boxes:
            box.x += dx
            box.y += dy

    def emit(self, graph) -> None:
        """Every box as a pinned, fixed-size node of `graph`, then every edge."""
        for box in self.boxes:
            cx, cy = box.x + box.width / 2, box.y + box.height / 2
            text = label(box.lines, left=box.left) if box.lines else dot_text("")
            graph.node(box.id, text, pos=f"{cx:.2f},{-cy:.2f}", width=f"{box.width / 72:.4f}",
                       height=f"{box.height / 72:.4f}", fixedsize="true",
                       **({"fontsize": f"{box.fontsize:g}"} if box.fontsize != 11 else {}),
                       **box.attrs)
        for tail, head, attrs in self.edges:
            graph.edge(tail, head, **attrs)

"""The ops view: every multiply, add, bias and activation of a pass as its own box, laid out by scalarnet.

Columns left to right: the values going in (the inputs, or the outputs of the
layer before), then one box per layer. In a layer, its neurons top to bottom in
the layer's order (a ``... N more neurons`` box where a wide layer's middle is
left out); in a neuron, its terms top to bottom in input order, each running sum
one column further right (a staircase: the add of term i sits on term i's row),
then the sum plus the bias, then the activation. Positions are pinned
(`scalarnet.diagram_layout`), so both Graphviz engines draw this same order.
"""

from __future__ import annotations

from .diagram_layout import Box, Sheet
from .diagram_parts import (CLUSTER, HIDDEN_EDGE, INPUT_FILL, MORE, NEUTRAL, OUTPUT_FILL,
                            activation_line, activation_name, colour, penwidth, plain_sum, widest)
from .numbers import fmt, operand

__all__ = ["draw_ops", "count_ops"]

H_GAP, V_GAP = 22.0, 8.0  # between the columns and rows of a neuron's boxes
INSET = 10.0  # a background box's margin around what is on it
HEADER = 11 * 1.2 + 8.0  # a neuron box's name line
LAYER_HEADER = 12 * 1.2 + 10.0  # a layer box's title line
BETWEEN_NEURONS = 10.0
BETWEEN_LAYERS = 70.0
BACKGROUND = {"shape": "box", "style": "rounded,filled", "labelloc": "t"}
NEURON_BOX = {**BACKGROUND, "fillcolor": "white", "color": "#bbbbbb"}
LAYER_BOX = {**BACKGROUND, "fillcolor": CLUSTER["fillcolor"], "color": CLUSTER["color"],
             "fontname": "Courier-Bold"}
DEAD_EDGE = {"color": NEUTRAL, "style": "dashed", "penwidth": "0.80"}
# A value goes from the right side of its box to the left side of a term's: a straight
# edge aimed at a term's centre would come in through the top and cross the terms above.
PORTS = {"tailport": "e", "headport": "w"}


def count_ops(widths: list[int], options, first: int, last: int, only: bool) -> int:
    """How many boxes the ops view of layers first..last would draw (for the size limit)."""
    count = len(options.column_ids(0, widths[first - 1])) + 1
    for k in range(first, last + 1):
        neurons = 1 if only else len(options.column_ids(0, widths[k]))
        terms = len(options.column_ids(0, widths[k - 1]))
        count += 1 + neurons * (2 * terms + 5)
    return count


def draw_ops(graph, drawn, options, first: int, last: int, only: int | None, title: list[str],
             gradients=None, predicted=frozenset()) -> None:
    """Lay out and add to `graph` the ops view of layers first..last (1-based) of `drawn`.

    `only` draws that one neuron of the (single) layer; `predicted` holds the
    (layer, neuron) pairs to highlight as the prediction.
    """
    sheet = Sheet()
    heading = sheet.add(Box("title", title, left=True, fontsize=12, shape="plaintext",
                            style="").place(0, 0))
    names, values = drawn.column(first - 1)
    what = "inputs" if first == 1 else f"{drawn.layers[first - 2].name} outputs"
    columns = [_values_column(sheet, first - 1, what, names, values, options)]
    sources: dict = {i: f"L{first - 1}N{i}" for i in range(len(names))}
    if options.shown(len(names))[1]:
        sources["more"] = f"L{first - 1}M"
    for k in range(first, last + 1):
        layer = drawn.layers[k - 1]
        grads = None if gradients is None else gradients.layers[k - 1]
        column, outputs = _layer(sheet, k, layer, names, sources, drawn.traced, options,
                                 only, grads, predicted)
        columns.append(column)
        names, sources = [neuron.name for neuron in layer.neurons], outputs
    # the columns side by side below the title, each centred on the tallest
    top = heading.bottom + 14.0
    tallest = max(_height(column) for column in columns)
    gap = max(BETWEEN_LAYERS, min(4 * BETWEEN_LAYERS, tallest / 4))  # tall: flatter edges
    x = 0.0
    for column in columns:
        left, upper = min(b.x for b in column), min(b.y for b in column)
        sheet.shift(column, x - left, top + (tallest - _height(column)) / 2 - upper)
        x = max(b.right for b in column) + gap
    sheet.emit(graph)


def _height(column: list[Box]) -> float:
    return max(b.bottom for b in column) - min(b.y for b in column)


def _values_column(sheet: Sheet, k: int, what: str, names: list[str], values: list | None,
                   options) -> list[Box]:
    """The values going in, top to bottom, under a bold title: `L{k}T`, `L{k}N0`, ..., `L{k}M`."""
    hidden = options.shown(len(names))[1]
    boxes = [Box(f"L{k}T", [what + (f", {len(names)}" if hidden else "")], fontsize=12,
                 shape="plaintext", style="", fontname="Courier-Bold")]
    for node_id in options.column_ids(k, len(names)):
        if node_id.endswith("M"):
            boxes.append(Box(node_id, [f"... {hidden} more"], **MORE))
            continue
        i = int(node_id.partition("N")[2])
        text = names[i] if values is None else f"{names[i]} = {fmt(values[i], options.digits)}"
        boxes.append(Box(node_id, [text], fillcolor=INPUT_FILL))
    width = max(b.width for b in boxes)
    y = 0.0
    for box in boxes:
        sheet.add(box.place((width - box.width) / 2, y))
        y = box.bottom + V_GAP
    return boxes


def _layer(sheet: Sheet, k: int, layer, names, sources: dict, traced: bool, options,
           only: int | None, grads, predicted) -> tuple[list[Box], dict]:
    """Layer k's box with its neurons (or just `only`); returns its boxes and the output node ids."""
    n = len(layer.neurons)
    shown, hidden = ([only], 0) if only is not None else options.shown(n)
    title = f"{layer.name} ({activation_name(layer.activation)})" + \
        (f", {n} neurons" if hidden else "")
    background = sheet.add(Box(f"L{k}", [title], fontsize=12, **LAYER_BOX))
    blocks, outputs = [], {}
    for j in shown:
        if options.is_gap(n, hidden, j):
            more = Box(f"L{k}M", [f"... {hidden} more neuron{'s' if hidden != 1 else ''}"], **MORE)
            sheet.add(more)
            blocks.append([more])
            outputs["more"] = more.id
        grad = None if grads is None else grads.neurons[j]
        block, outputs[j] = _neuron(sheet, k, j, layer, names, sources, traced, options, grad,
                                    emphasise=(k, j) in predicted)
        blocks.append(block)
    inner = max(max(b.right for b in block) - min(b.x for b in block) for block in blocks)
    inner = max(inner, background.width - 2 * INSET)
    y = LAYER_HEADER
    for block in blocks:
        left, upper = min(b.x for b in block), min(b.y for b in block)
        if len(block) == 1:  # the '... more' box: centred
            sheet.shift(block, INSET + (inner - block[0].width) / 2 - left, y - upper)
        else:  # a neuron: its own box as wide as the layer's
            block[0].width = inner
            sheet.shift(block, INSET - left, y - upper)
        y = max(b.bottom for b in block) + BETWEEN_NEURONS
    background.place(0, 0)
    background.width = inner + 2 * INSET
    background.height = y - BETWEEN_NEURONS + INSET
    return [background] + [b for block in blocks for b in block], outputs


def _neuron(sheet: Sheet, k: int, j: int, layer, names, sources: dict, traced: bool, options,
            grad, emphasise: bool) -> tuple[list[Box], str]:
    """One neuron's boxes, laid out from (0, 0); returns them (its own box first) and its output's id.

    The running sums are the neuron's own loop (`total += x * w`, then `+ bias`),
    so every box's value is the one the engine computed at that step. With
    `grad`, each box also shows its gradient: dL/dz for every product, sum and
    the bias (they are added into z as they are), dL/da for the activation.
    """
    neuron, p, digits = layer.neurons[j], f"L{k}N{j}", options.digits
    dz = [] if grad is None else [f"grad {fmt(grad.dz, digits)}"]
    weights = neuron.weights
    n = len(weights)
    shown, hidden = options.shown(n)
    totals = []
    if traced:
        total = 0
        for product in neuron.products:
            total += product
            totals.append(total)
    largest = widest(layer)
    emphasis = {"fillcolor": OUTPUT_FILL, "penwidth": "2"} if emphasise else {}
    own = Box(p, [neuron.name], **NEURON_BOX)
    rows = []  # (term box, add box or None), top to bottom
    chain = None  # (node id, running total): the sum so far
    for i in shown:
        if options.is_gap(n, hidden, i):
            middle = plain_sum(neuron.products[options.keep:n - options.keep]) if traced else None
            text = f"({hidden} more terms" + (f": {fmt(middle, digits)})" if traced else ")")
            term = Box(f"{p}M", [text], **MORE)
            # a sum is summarised exactly when the column it reads is
            sheet.edge(sources["more"], term.id, **HIDDEN_EDGE, **PORTS)
            total = totals[n - options.keep - 1] if traced else None
            add, chain = _add(sheet, f"{p}SM", chain, (term.id, middle), total, digits, dz)
            rows.append((term, add))
        w = weights[i]
        if traced:
            product = neuron.products[i]
            text = f"{operand(neuron.inputs[i], digits)}*{operand(w, digits)} = {fmt(product, digits)}"
        else:
            product, text = None, f"{names[i]}*{operand(w, digits)}"
        lines = [text]
        if grad is not None:
            lines += [*dz, f"dL/dw = {operand(neuron.inputs[i], digits)}*{operand(grad.dz, digits)}"
                           f" = {fmt(grad.dw[i], digits)}"]
        term = Box(f"{p}X{i}", lines)
        carries_nothing = traced and neuron.inputs[i] == 0
        sheet.edge(sources[i], term.id, **PORTS, **(DEAD_EDGE if carries_nothing else
                                                    {"color": colour(w), "penwidth": penwidth(w, largest)}))
        add, chain = _add(sheet, f"{p}S{i}", chain, (term.id, product),
                          totals[i] if traced else None, digits, dz)
        rows.append((term, add))
    if traced:
        text = f"{fmt(chain[1], digits)} + {operand(neuron.bias, digits)} = {fmt(neuron.z, digits)}"
    else:
        text = f"+ {operand(neuron.bias, digits)}"
    identity = layer.activation.name == "identity"
    z = Box(f"{p}Z", [text, *dz], **(emphasis if identity else {}))
    bias = Box(f"{p}B", [f"bias = {fmt(neuron.bias, digits)}", *dz], shape="plaintext", style="")
    sheet.edge(chain[0], z.id)
    sheet.edge(bias.id, z.id)
    last = [z]
    if not identity:
        text = activation_line(neuron, layer, options) if traced else layer.activation.name
        da = [] if grad is None else [f"grad {fmt(grad.da, digits)}"]
        last.append(Box(f"{p}A", [text, *da], **emphasis))
        sheet.edge(z.id, last[1].id)
    boxes = _staircase(own, rows, last, bias)
    for box in boxes:
        sheet.add(box)
    return boxes, last[-1].id


def _staircase(own: Box, rows: list[tuple[Box, Box | None]], last: list[Box], bias: Box) -> list[Box]:
    """Place a neuron's boxes: terms in column 0, the add of row r in column r, then z (bias below) and a."""
    count = len(rows)
    widths = [max(term.width for term, _ in rows)]
    widths += [add.width for _, add in rows[1:]]
    widths += [max(last[0].width, bias.width)] + [box.width for box in last[1:]]
    heights = [max(term.height, add.height if add else 0) for term, add in rows]
    heights[-1] = max([heights[-1]] + [box.height for box in last])
    xs, x = [], INSET
    for w in widths:
        xs.append(x)
        x += w + H_GAP
    ys, y = [], HEADER
    for h in heights:
        ys.append(y)
        y += h + V_GAP
    for r, (term, add) in enumerate(rows):
        term.centre(xs[0] + term.width / 2, ys[r] + heights[r] / 2)  # left edges in line
        if add is not None:
            add.centre(xs[r] + widths[r] / 2, ys[r] + heights[r] / 2)
    for c, box in enumerate(last, start=count):
        box.centre(xs[c] + widths[c] / 2, ys[-1] + heights[-1] / 2)
    bias.centre(last[0].x + last[0].width / 2, last[0].bottom + V_GAP + bias.height / 2)
    own.place(0, 0)
    own.width = max(x - H_GAP + INSET, own.width)
    own.height = max(bias.bottom, ys[-1] + heights[-1]) + INSET
    return [own] + [box for row in rows for box in row if box is not None] + last + [bias]


def _add(sheet: Sheet, node_id: str, chain: tuple | None, item: tuple, total, digits,
         grad: list[str]) -> tuple[Box | None, tuple]:
    """Add `item` (node id, value) to the running sum `chain`; the first item starts it (no box)."""
    if chain is None:
        return None, (item[0], total)
    if total is None:
        text = "+"
    else:
        text = f"{fmt(chain[1], digits)} + {operand(item[1], digits)} = {fmt(total, digits)}"
    sheet.edge(chain[0], node_id)
    sheet.edge(item[0], node_id)
    return Box(node_id, [text, *grad]), (node_id, total)

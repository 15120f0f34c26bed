"""An exercise sheet's pages: its lines with blanks, the diagram with `?` in them, Markdown and HTML.

The sheet's lines are the pass's arithmetic, as `str(trace)` (and, with a target,
the backward pass) writes it, with every hidden value replaced: where a blank is
asked for it reads `____ (a)` (an input field on the HTML page), and wherever else
that value appears it reads `(a)`, so no line gives an answer away by copying it.
Nothing here touches a file: the command line writes what these functions return. The
HTML page is `scalarnet.exercise_html`.
"""

from __future__ import annotations

from .exercise import Blank, Sheet
from .numbers import fmt, operand
from .trace import LayerRecord, NeuronRecord, Trace

__all__ = ["KIND_NAMES", "answers_markdown", "backward_note", "diagram", "lines", "markdown", "title"]


# -- the lines, as tokens -------------------------------------------------------------------------
# A line is a list of tokens: text, ("blank", blank) where the blank is asked for, or
# ("ref", blank, index) where its value is used again (index: which value of a layer).


class _Lines:
    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.out: list[list] = []

    def num(self, slot: tuple, value, home: str | None = None, operand_form: bool = False) -> list:
        """The tokens for one value: itself, its blank (at the blank's home: the one place on the
        lines that names its kind, such as the sum of its neuron's line) or a reference."""
        b = self.sheet.hidden.get(slot)
        if b is None:
            return [operand(value, self.sheet.digits) if operand_form else fmt(value, self.sheet.digits)]
        if b.kind == home:
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


def title(sheet: Sheet) -> str:
    return f"Exercise: {sheet.net.name}"


def markdown(sheet: Sheet, svg_name: str) -> str:
    """The printable sheet: the diagram (`svg_name`, beside it), the lines, a table to answer in."""
    body = "\n".join("".join(_md_token(t) for t in line) for line in lines(sheet))
    rows = "\n".join(f"| ({b.id}) | {b.where()} | {KIND_NAMES[b.kind]} | |" for b in sheet.blanks)
    return f"""# {title(sheet)}

Work out each blank `____ (a)` from the numbers given: weights, biases and inputs are all
shown. Where a blank's value is used again it reads `(a)`. Layers run from left to right;
relu(z) = max(0, z).{backward_note(sheet)}

![{sheet.net.name} with ? in the blanks]({svg_name})

```text
{body}
```

| blank | where | what | your answer |
| --- | --- | --- | --- |
{rows}

Seed {sheet.seed}; {len(sheet.blanks)} blanks.
"""


def backward_note(sheet: Sheet) -> str:
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

"""Diagrams: a network and, optionally, one traced pass, built as a graphviz.Digraph (DOT text).

Building a diagram only builds text: no file is touched and no program runs
(`scalarnet.rendering.render` turns the DOT into SVG). Two views:

- ``view="network"``: inputs on the left, one column per layer, every edge
  labelled with its weight (blue positive, red negative, width by magnitude),
  every neuron with its bias and, with a trace, its arithmetic and value
  (``3*2 + 5*4 = 26``, ``relu(-13) = 0``); the output layer emphasised.
- ``view="ops"``: every multiply, add, bias and activation as its own node,
  for the whole network, one layer (``layer="hidden1"``) or one neuron
  (``neuron="hidden1.node0_1"``). With ``gradients=`` (`scalarnet.backprop`),
  every op node also shows its gradient (``grad 0``, dL/d its value) and each
  multiply its weight's (``dL/dw = 3*0 = 0``); the title shows the loss.

Node ids come from positions (``L0N1`` is input 1, ``L2N0`` neuron 0 of layer 2),
so the same network and input give byte-identical DOT. A layer wider than
``threshold`` (12) is drawn as its first and last ``keep`` (4) neurons and a
``... 776 more`` node; a neuron with more inputs than that shows those terms and
``(776 more terms: 12.5)``, so what is shown still adds up to the true total.

>>> from scalarnet import Network
>>> net = Network.from_tutorial_weights({'node0_0': [2, 4], 'node0_1': [4, -5],
...     'node1_0': [-1, 2], 'node1_1': [1, 2], 'output': [2, 7]}, activation="relu")
>>> dot = diagram(net, net.trace([3, 5])).source
>>> '3*4 + 5*(-5) = -13' in dot, 'relu(-13) = 0' in dot, '0*2 + 26*7 = 182' in dot
(True, True, True)
"""

from __future__ import annotations

from fractions import Fraction

import graphviz

from .activations import Activation
from .backprop import Gradients, NeuronGradients
from .errors import ScalarnetError
from .network import Network
from .numbers import fmt, is_finite, operand
from .trace import Trace, activation_text, values_text

__all__ = ["Diagram", "DiagramError", "VIEWS", "diagram", "dot_text"]

VIEWS = ("network", "ops")
THRESHOLD = 12  # a layer (or a sum) with more than this many items is summarised
KEEP = 4  # items shown at each end of a summarised layer or sum
WIDTH = 44  # characters of arithmetic per line before it wraps
# Up to this many weighted edges between two columns get `label`s, which Graphviz keeps
# apart; more get `xlabel`s, which cost nothing in layout (labels on a 784-wide layer
# take Graphviz minutes) but may overlap where edges cross.
EDGE_LABELS = 32

POSITIVE, NEGATIVE, NEUTRAL = "#2166ac", "#b2182b", "#8c8c8c"
OUTPUT_FILL, INPUT_FILL = "#fff2b3", "#e8f0fa"

# Node text is Courier: every monospace font has its width, so the SVG the embedded
# Graphviz lays out (it cannot measure fonts) fits whatever font the viewer has.
_GRAPH = {"rankdir": "LR", "ranksep": "0.9", "nodesep": "0.25",
          "fontname": "Courier", "fontsize": "12", "labelloc": "t", "labeljust": "l"}
_NODES = {"shape": "box", "style": "rounded,filled", "fillcolor": "white",
          "fontname": "Courier", "fontsize": "11", "margin": "0.12,0.06"}
_EDGES = {"fontname": "Courier", "fontsize": "10", "arrowsize": "0.6"}
_CLUSTER = {"style": "rounded,filled", "color": "#c8c8c8", "fillcolor": "#f6f6f6",
            "fontname": "Courier-Bold", "fontsize": "12", "labeljust": "c"}
_TITLE = {"shape": "plain", "style": "", "fontname": "Courier-Bold", "fontsize": "12"}
_MORE = {"style": "dashed,rounded", "color": NEUTRAL, "fontcolor": "#555555"}
_HIDDEN_EDGE = {"style": "dashed", "color": "#bbbbbb", "arrowhead": "none"}


class DiagramError(ScalarnetError, ValueError):
    """Diagram options that cannot be drawn: an unknown view, a bad threshold, a trace of another network."""


class Diagram(graphviz.Digraph):
    """A graphviz.Digraph that Jupyter shows through scalarnet's rendering, so no system Graphviz is needed."""

    def to_svg(self, engine: str = "auto") -> str:
        """The diagram as SVG text (engine "auto", "system" or "wasm"; see scalarnet.rendering)."""
        from .rendering import render  # only when drawing: building DOT runs nothing

        return render(self, "svg", engine).decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None, **_) -> dict:
        return {"image/svg+xml": self.to_svg()}


# -- text --------------------------------------------------------------------------------------

# C0 control characters are not allowed in the SVG (XML) Graphviz writes: show their
# Unicode "control pictures" (U+2401 for \x01) instead. Tab and newline stay. A lone
# surrogate (a JSON file can hold "\ud800") has no UTF-8 at all: show U+FFFD for it, as
# for U+FFFE and U+FFFF, the other characters XML 1.0 forbids.
_CONTROL = {c: chr(0x2400 + c) for c in range(32) if c not in (9, 10)}
_CONTROL.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))
_CONTROL.update(dict.fromkeys((0xFFFE, 0xFFFF), "\ufffd"))  # legal in JSON, not in XML 1.0


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
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)
    text = text.replace("&", "&amp;").replace("\\", "\\\\").replace("\n", "\\n")
    return graphviz.nohtml(text)


def _label(lines: list[str], left: bool = False) -> str:
    """A multi-line label: centred lines, or every line left-justified (for wrapped sums)."""
    escaped = [dot_text(line) for line in lines]
    if left:
        return graphviz.nohtml("".join(line + "\\l" for line in escaped))
    return graphviz.nohtml("\\n".join(escaped))


def _wrap(terms: list[str], result: str) -> list[str]:
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


def _activation_name(activation: Activation) -> str:
    params = ", ".join(f"{k}={fmt(v)}" for k, v in activation.params().items())
    return f"{activation.name}({params})" if params else activation.name


def _colour(weight) -> str:
    if not is_finite(weight):  # NaN and infinities (a Decimal NaN cannot even be compared)
        return NEUTRAL
    if weight > 0:
        return POSITIVE
    if weight < 0:
        return NEGATIVE
    return NEUTRAL


def _plain_sum(values: list):
    """Left to right from 0, the way the neuron adds (so ints and Fractions stay exact)."""
    total = 0
    for v in values:
        total += v
    return total


# -- what is shown -----------------------------------------------------------------------------


class _Options:
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


class _Pass:
    """The network's layers as drawn: from a trace (with values) or a network (weights only)."""

    __slots__ = ("name", "input_names", "input_values", "layers", "traced", "output")

    def __init__(self, subject: Network | Trace, trace: Trace | None):
        if isinstance(subject, Trace):
            if trace is not None:
                raise DiagramError("diagram(trace, trace=...): give a trace once")
            trace = subject
            name = subject.network_name
        elif isinstance(subject, Network):
            name = subject.name
            if trace is not None:
                _check_match(subject, trace)
        else:
            raise DiagramError(f"diagram: expected a Network or a Trace, got {subject!r}")
        self.name = name
        self.traced = trace is not None
        if trace is not None:
            self.input_names = trace.input_names
            self.input_values = trace.input_values
            self.layers = trace.layers  # LayerRecords: name, activation, neurons (with z, a)
            self.output = trace.output
        else:
            self.input_names = subject.inputs
            self.input_values = None
            self.layers = subject.layers  # Layers: name, activation, neurons
            self.output = None

    def column(self, k: int) -> tuple[list[str], list | None]:
        """Names and values (or None) of column k: 0 is the inputs, k the outputs of layer k."""
        if k == 0:
            return self.input_names, self.input_values
        layer = self.layers[k - 1]
        return [n.name for n in layer.neurons], (layer.a if self.traced else None)


def _check_match(net: Network, trace: Trace) -> None:
    mine = [(layer.name, len(layer)) for layer in net.layers]
    theirs = [(layer.name, len(layer.neurons)) for layer in trace.layers]
    if mine != theirs or net.inputs != trace.input_names:
        raise DiagramError(f"the trace of network {trace.network_name!r} does not fit network "
                           f"{net.name!r} (layers {theirs} and inputs {trace.input_names}; "
                           f"expected layers {mine} and inputs {net.inputs})")


# -- the public function -------------------------------------------------------------------------


def diagram(subject: Network | Trace, trace: Trace | None = None, *, view: str = "network",
            neuron: str | None = None, layer: str | None = None, threshold: int = THRESHOLD,
            keep: int | None = None, digits: int | None = 4,
            gradients: Gradients | None = None) -> Diagram:
    """The network (with the values of `trace`, if given) as a graphviz Digraph; see the module doc.

    `subject` is a Network, or a Trace alone (it records every weight). With
    ``view="ops"``, `neuron` ("layer.neuron", or a unique neuron name) or `layer`
    (a layer name) narrows the drawing to that neuron or layer. Layers and sums
    wider than `threshold` show their first and last `keep` items (default
    ``min(4, threshold // 2)``). Floats are written with `digits` significant
    digits (None: in full); ints and fractions always in full.

    >>> from scalarnet import Network
    >>> net = Network.from_tutorial_weights({'node0': [1, 1], 'node1': [1, -1], 'output': [1, -1]})
    >>> d = diagram(net, net.trace([40, 0]), view="ops", neuron="node1")
    >>> [line.strip() for line in d.source.splitlines() if line.strip().startswith("L1N1S")]
    ['L1N1S1 [label="40 + 0 = 40"]', 'L1N1S1 -> L1N1Z']
    """
    if view not in VIEWS:
        raise DiagramError(f"unknown view {view!r} (known: {', '.join(VIEWS)})")
    if gradients is not None:
        trace = _gradients_trace(gradients, subject, trace, view)
    if view == "network" and (neuron is not None or layer is not None):
        raise DiagramError("neuron= and layer= choose what the ops view shows: use view='ops'")
    if neuron is not None and layer is not None:
        raise DiagramError(f"give neuron= or layer=, not both (got {neuron!r} and {layer!r})")
    options = _Options(threshold, keep, digits)
    drawn = _Pass(subject, trace)
    graph = Diagram(graph_attr=_GRAPH, node_attr=_NODES, edge_attr=_EDGES)
    if view == "network":
        graph.attr(label=_title(drawn, options))
        _draw_network(graph, drawn, options)
    else:
        first, last, only = _focus(subject, trace, drawn, neuron, layer)
        title = [_ops_title(drawn, first, last, only, options)]
        if gradients is not None:
            title.append(gradients.loss_text(options.digits))
        graph.attr(label=_label(title, left=len(title) > 1))
        _draw_ops(graph, drawn, options, first, last, only, gradients)
    return graph


def _gradients_trace(gradients: Gradients, subject, trace: Trace | None, view: str) -> Trace:
    """The trace the gradients were computed on: given once, as gradients= (or also as the trace)."""
    if not isinstance(gradients, Gradients):
        raise DiagramError("gradients=: expected the Gradients of scalarnet.gradients(), "
                           f"got {gradients!r}")
    if view != "ops":
        raise DiagramError("gradients= are drawn in the ops view: use view='ops'")
    given = trace if trace is not None else subject if isinstance(subject, Trace) else None
    if given is not None and given is not gradients.trace:
        raise DiagramError("gradients= brings its own trace (gradients.trace): give no other")
    return None if isinstance(subject, Trace) else gradients.trace


def _title(drawn: _Pass, options: _Options) -> str:
    widths = "-".join(str(w) for w in [len(drawn.input_names)] + [len(l.neurons) for l in drawn.layers])
    if not drawn.traced:
        return _label([f"{drawn.name} ({widths}): weights and biases"])
    return _label([f"{drawn.name} ({widths}): input {_values(drawn.input_values, options)}"
                   f" -> output {_values(drawn.output, options)}"])


def _values(values: list, options: _Options) -> str:
    if len(values) <= options.threshold:
        return values_text(values, options.digits)
    return f"({len(values)} values)"


# -- network view -------------------------------------------------------------------------------


def _draw_network(graph: Diagram, drawn: _Pass, options: _Options) -> None:
    names, values = drawn.column(0)
    _draw_values(graph, 0, "inputs", names, values, options)
    for k, layer in enumerate(drawn.layers, start=1):
        neurons = layer.neurons
        style = {"fillcolor": OUTPUT_FILL, "penwidth": "2"} if k == len(drawn.layers) else {}

        def neuron_node(j: int, layer=layer, style=style) -> tuple[str, dict]:
            lines, left = _neuron_lines(layer.neurons[j], layer, drawn.traced, options)
            flagged = {"color": NEGATIVE} if getattr(layer.neurons[j], "flag", "") else {}
            return _label(lines, left), {**style, **flagged}

        title = f"{layer.name} ({_activation_name(layer.activation)})"
        _column(graph, k, title, len(neurons), neuron_node, options)
        if not _draw_weights(graph, k, layer, options):
            graph.graph_attr["ranksep"] = "1.4"  # room for the crowd of xlabels


def _draw_values(graph: Diagram, k: int, title: str, names: list[str], values: list | None,
                 options: _Options) -> None:
    """A column of named values (or names alone): the inputs, or a layer's outputs."""

    def value_node(i: int) -> tuple[str, dict]:
        text = names[i] if values is None else f"{names[i]} = {fmt(values[i], options.digits)}"
        return _label([text]), {"fillcolor": INPUT_FILL}

    _column(graph, k, title, len(names), value_node, options)


def _column(graph: Diagram, k: int, title: str, n: int, node, options: _Options) -> None:
    """Column k: a title, then nodes `L{k}N{i}` from `node(i) -> (label, attributes)`, top to bottom.

    A column is a rank (not a cluster) chained by invisible edges: Graphviz keeps
    the order of such a chain (tail above head with rankdir=LR) but not inside a
    cluster, where it rotates it.
    """
    ids = [f"L{k}T"] + options.column_ids(k, n)
    hidden = options.shown(n)[1]
    with graph.subgraph() as column:
        column.attr(rank="same")
        column.node(f"L{k}T", _label([title + (f", {n}" if hidden else "")]), **_TITLE)
        for node_id in ids[1:]:
            if node_id.endswith("M"):
                column.node(node_id, _label([f"... {hidden} more"]), **_MORE)
            else:
                label, attributes = node(int(node_id.partition("N")[2]))
                column.node(node_id, label, **attributes)
        for a, b in zip(ids, ids[1:]):
            column.edge(a, b, style="invis")


def _neuron_lines(neuron, layer, traced: bool, options: _Options) -> tuple[list[str], bool]:
    """A neuron's label lines: name, bias, and with a trace its arithmetic and activation."""
    lines = [neuron.name, f"bias {fmt(neuron.bias, options.digits)}"]
    if not traced:
        return lines, False
    sum_lines = _sum_lines(neuron, options)
    lines += sum_lines
    act = _activation_line(neuron, layer, options)
    if act:
        lines.append(act)
    if neuron.flag:
        lines.append(f"<- {neuron.flag}")
    return lines, len(sum_lines) > 1


def _sum_lines(record, options: _Options) -> list[str]:
    """`3*2 + 5*4 = 26`, with the middle terms of a long sum as `(776 more terms: 12.5)`."""
    inputs, weights, digits = record.inputs, record.weights, options.digits
    n = len(weights)
    shown, hidden = options.shown(n)
    terms = []
    for i in shown:
        if options.is_gap(n, hidden, i):
            middle = _plain_sum(record.products[options.keep:n - options.keep])
            terms.append(f"({hidden} more terms: {fmt(middle, digits)})")
        terms.append(f"{operand(inputs[i], digits)}*{operand(weights[i], digits)}")
    if record.bias != 0 or record.bias != record.bias:
        terms.append(operand(record.bias, digits))
    return _wrap(terms, fmt(record.z, digits))


def _activation_line(record, layer, options: _Options) -> str:
    act = layer.activation
    if act.elementwise or len(layer.z) <= 4:
        return activation_text(act, record.z, record.a, record.index, layer.z, options.digits)
    return f"{act.name}(z)[{record.index}] = {fmt(record.a, options.digits)}"


def _draw_weights(graph: Diagram, k: int, layer, options: _Options) -> bool:
    """The edges into layer k, one per drawn pair, labelled with its weight; False if xlabels."""
    shown, hidden = options.shown(len(layer.neurons))
    n_in = len(layer.neurons[0].weights)
    sources, hidden_in = options.shown(n_in)
    widest = _widest(layer)
    few = len(shown) * len(sources) <= EDGE_LABELS
    label = {} if few else {"fontsize": "8"}
    for j in shown:
        neuron = layer.neurons[j]
        for i in sources:
            w = neuron.weights[i]
            colour = _colour(w)
            label["label" if few else "xlabel"] = dot_text(fmt(w, options.digits))
            graph.edge(f"L{k - 1}N{i}", f"L{k}N{j}", color=colour, fontcolor=colour,
                       penwidth=_penwidth(w, widest), **label)
        if hidden_in:
            graph.edge(f"L{k - 1}M", f"L{k}N{j}", **_HIDDEN_EDGE)
    if hidden:  # keep the left-out neurons' node in its column
        graph.edge(f"L{k - 1}T", f"L{k}M", style="invis")
    return few


def _widest(layer):
    """The largest |weight| among the layer's finite weights, in its own type (0 if none)."""
    return max((abs(w) for n in layer.neurons for w in n.weights if is_finite(w)), default=0)


def _penwidth(weight, widest) -> str:
    if not is_finite(weight):
        return "3.00"
    if widest == 0:
        return "0.80"
    try:
        ratio = float(abs(weight) / widest)
    except (OverflowError, TypeError):  # a float and an int too large for one; a float and a Decimal
        ratio = float(Fraction(abs(weight)) / Fraction(widest))
    return f"{0.8 + 2.2 * ratio:.2f}"


# -- ops view -----------------------------------------------------------------------------------


def _focus(subject, trace, drawn: _Pass, neuron: str | None, layer: str | None):
    """(first layer, last layer, the one neuron or None) to draw, 1-based."""
    source = trace if trace is not None else subject
    if neuron is not None:
        found = source.neuron(neuron)  # the engine's own look-up and error messages
        for k, drawn_layer in enumerate(drawn.layers, start=1):
            for j, n in enumerate(drawn_layer.neurons):
                if n is found:
                    return k, k, j
    if layer is not None:
        found = source.layer(layer)
        k = next(k for k, l in enumerate(drawn.layers, start=1) if l is found)
        return k, k, None
    return 1, len(drawn.layers), None


def _ops_title(drawn: _Pass, first: int, last: int, only: int | None, options: _Options) -> str:
    if only is not None:
        layer = drawn.layers[first - 1]
        what = f"neuron {layer.name}.{layer.neurons[only].name}"
    elif first == last:
        what = f"layer {drawn.layers[first - 1].name}"
    else:
        return (f"{drawn.name}: every operation"
                + (f", input {_values(drawn.input_values, options)}" if drawn.traced else ""))
    return f"{drawn.name}: every operation of {what}"


def _draw_ops(graph: Diagram, drawn: _Pass, options: _Options, first: int, last: int,
              only: int | None, gradients: Gradients | None = None) -> None:
    names, values = drawn.column(first - 1)
    title = "inputs" if first == 1 else f"{drawn.layers[first - 2].name} outputs"
    _draw_values(graph, first - 1, title, names, values, options)
    # input index (or "more": the left-out ones) -> the id of the node holding its value
    sources: dict = {i: f"L{first - 1}N{i}" for i in range(len(names))}
    if options.shown(len(names))[1]:
        sources["more"] = f"L{first - 1}M"
    for k in range(first, last + 1):
        layer = drawn.layers[k - 1]
        n = len(layer.neurons)
        shown, hidden = ([only], 0) if only is not None else options.shown(n)
        outputs: dict = {}
        with graph.subgraph(name=f"cluster_L{k}") as column:
            title = f"{layer.name} ({_activation_name(layer.activation)})"
            column.attr(label=_label([title + (f", {n} neurons" if hidden else "")]), **_CLUSTER)
            for j in shown:
                if options.is_gap(n, hidden, j):
                    outputs["more"] = f"L{k}M"
                    more = f"... {hidden} more neuron{'s' if hidden != 1 else ''}"
                    column.node(f"L{k}M", _label([more]), **_MORE)
                    graph.edge(sources.get("more", sources[0]), f"L{k}M", style="invis")
                grad = None if gradients is None else gradients.layers[k - 1].neurons[j]
                outputs[j] = _neuron_ops(column, graph, k, j, layer, names, sources, drawn.traced,
                                         options, emphasise=k == len(drawn.layers), grad=grad)
        names, sources = [neuron.name for neuron in layer.neurons], outputs


def _neuron_ops(column: Diagram, graph: Diagram, k: int, j: int, layer, names: list[str],
                sources: dict, traced: bool, options: _Options, emphasise: bool,
                grad: NeuronGradients | None = None) -> str:
    """One neuron's multiplies, adds, bias and activation as nodes; returns its output node's id.

    The running sums are the neuron's own loop (`total += x * w`, then `+ bias`),
    so every node's value is the one the engine computed at that step. With
    `grad`, each node also shows its gradient: dL/dz for every product, sum and
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
    widest = _widest(layer)
    emphasis = {"fillcolor": OUTPUT_FILL, "penwidth": "2"} if emphasise else {}
    with column.subgraph(name=f"cluster_{p}") as box:
        box.attr(label=_label([neuron.name]), style="rounded,filled", fillcolor="white",
                 color="#bbbbbb", fontname="Courier", fontsize="11")
        chain = None  # (node id, running total): the sum so far
        for i in shown:
            if options.is_gap(n, hidden, i):
                middle = None
                if traced:
                    middle = _plain_sum(neuron.products[options.keep:n - options.keep])
                text = f"({hidden} more terms" + (f": {fmt(middle, digits)})" if traced else ")")
                box.node(f"{p}M", _label([text]), **_MORE)
                # a sum is summarised exactly when the column it reads is
                graph.edge(sources["more"], f"{p}M", **_HIDDEN_EDGE)
                total = totals[n - options.keep - 1] if traced else None
                chain = _add(box, f"{p}SM", chain, (f"{p}M", middle), total, digits, dz)
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
            box.node(f"{p}X{i}", _label(lines))
            graph.edge(sources[i], f"{p}X{i}", color=_colour(w), penwidth=_penwidth(w, widest))
            chain = _add(box, f"{p}S{i}", chain, (f"{p}X{i}", product),
                         totals[i] if traced else None, digits, dz)
        bias = fmt(neuron.bias, digits)
        if traced:
            text = f"{fmt(chain[1], digits)} + {operand(neuron.bias, digits)} = {fmt(neuron.z, digits)}"
        else:
            text = f"+ {operand(neuron.bias, digits)}"
        identity = layer.activation.name == "identity"
        box.node(f"{p}Z", _label([text, *dz]), **(emphasis if identity else {}))
        box.edge(chain[0], f"{p}Z")
        with box.subgraph() as same:  # the bias just beside the add that uses it
            same.attr(rank="same")
            same.node(f"{p}B", _label([f"bias = {bias}", *dz]), shape="plain", style="")
            same.edge(f"{p}B", f"{p}Z")
        if identity:
            return f"{p}Z"
        text = _activation_line(neuron, layer, options) if traced else layer.activation.name
        da = [] if grad is None else [f"grad {fmt(grad.da, digits)}"]
        box.node(f"{p}A", _label([text, *da]), **emphasis)
        box.edge(f"{p}Z", f"{p}A")
    return f"{p}A"


def _add(box: Diagram, node_id: str, chain: tuple | None, item: tuple, total, digits,
         grad: list[str] = ()) -> tuple:
    """Add `item` (node id, value) to the running sum `chain`; the first item starts it.

    `grad` is the add's gradient line, if any.
    """
    if chain is None:
        return item[0], total
    if total is None:
        text = "+"
    else:
        text = f"{fmt(chain[1], digits)} + {operand(item[1], digits)} = {fmt(total, digits)}"
    box.node(node_id, _label([text, *grad]))
    box.edge(chain[0], node_id)
    box.edge(item[0], node_id)
    return node_id, total

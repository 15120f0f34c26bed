"""Diagrams: a network and, optionally, one traced pass, built as a graphviz.Digraph (DOT text).

Building a diagram only builds text: no file is touched and no program runs
(`scalarnet.rendering.render` turns the DOT into SVG). Two views:

- ``view="network"``: inputs on the left, one column per layer, every edge
  labelled with its weight (blue positive, red negative, width by magnitude;
  with a trace, an edge whose input is 0 carries nothing: dashed and grey),
  every neuron with its bias and, with a trace, its arithmetic and value
  (``3*2 + 5*4 = 26``, ``relu(-13) = 0``). Highlighted: with a trace, the
  prediction (the largest softmax probability; each sigmoid output at 0.5 or
  more; every output of any other activation, each being a predicted value),
  without one, the output layer. Graphviz's `dot` lays it out: each column is a
  chain it keeps in order.
- ``view="layers"``: one box per layer with its width, activation, parameter
  count and, with a trace, its values' min, mean and max (`scalarnet.diagram_layers`).
- ``view="ops"``: every multiply, add, bias and activation as its own node,
  for the whole network, one layer (``layer="hidden1"``) or one neuron
  (``neuron="hidden1.node0_1"``), laid out by scalarnet (`scalarnet.diagram_ops`)
  so that both Graphviz engines keep the network's order. With ``gradients=``
  (`scalarnet.backprop`), every op node also shows its gradient (``grad 0``,
  dL/d its value) and each multiply its weight's (``dL/dw = 3*0 = 0``); the
  title shows the loss and says what grad means.

A diagram of more than `MAX_NODES` boxes (or `MAX_EDGES` edges) is refused with
a DiagramError saying how to draw less (a smaller threshold, one layer or one
neuron): Graphviz took 40 s and more on such graphs, and no one can read them.

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

import os
from pathlib import Path

import graphviz

from .backprop import Gradients
from .diagram_parts import (EDGES, GRAPH, HIDDEN_EDGE, INPUT_FILL, KEEP, MORE, NEGATIVE, NEUTRAL,
                            NODES, OUTPUT_FILL, THRESHOLD, TITLE, DiagramError, Options,
                            activation_name, colour, dot_text, label, neuron_lines, penwidth,
                            widest, wrap)
from .diagram_layout import GRAPH as PINNED, text_width
from .diagram_ops import count_ops, draw_ops
from .network import Network
from .numbers import fmt, is_finite
from .trace import Trace, values_text

__all__ = ["Diagram", "DiagramError", "VIEWS", "diagram", "dot_text"]

VIEWS = ("network", "ops", "layers")
# Up to this many weighted edges between two columns get `label`s, which Graphviz keeps
# apart; more get `xlabel`s, which cost nothing in layout (labels on a 784-wide layer
# take Graphviz minutes) but may overlap where edges cross.
EDGE_LABELS = 32
# More drawn edges than this between two columns (a --threshold above 16): only each
# neuron's STRONGEST edges (largest |weight|) are labelled, else the labels smear into
# a band; the title says so.
MAX_LABELLED = 64
STRONGEST = 3
# The most boxes and edges a diagram draws: a 25x12 network's ops view (7,800 boxes)
# took Graphviz 39 s for a 10 MB SVG, 300 layers of 12 (3,600 neurons, 43,000 labelled
# edges) 47 s. Within these limits any view renders in a few seconds on either engine.
MAX_NODES = 2000
MAX_EDGES = 1500

# Names that other modules imported from here before diagram_parts held them (the stepper's
# frames use _label and _wrap; THRESHOLD and KEEP are imported above for the same reason).
_label, _wrap = label, wrap


class Diagram(graphviz.Digraph):
    """A graphviz.Digraph that draws through scalarnet's rendering: no system Graphviz needed for SVG.

    Jupyter shows it as SVG; `pipe()`, `render()` and `_repr_image_svg_xml()`
    use the system ``dot`` when it is on PATH and otherwise the embedded
    Graphviz (SVG only), as `scalarnet.rendering.render` with engine "auto" does.
    A render that cannot happen raises RenderError and writes nothing.
    """

    def to_svg(self, engine: str = "auto") -> str:
        """The diagram as SVG text (engine "auto", "system" or "wasm"; see scalarnet.rendering)."""
        from .rendering import render  # only when drawing: building DOT runs nothing

        return render(self, "svg", engine).decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None, **_) -> dict:
        return {"image/svg+xml": self.to_svg()}

    def _repr_image_svg_xml(self) -> str:
        return self.to_svg()

    def pipe(self, format: str | None = None, renderer: str | None = None,
             formatter: str | None = None, neato_no_op=None, quiet: bool = False, *,
             engine: str | None = None, encoding: str | None = None):
        """The image as bytes (or text, given an `encoding`), as graphviz's `pipe` but through scalarnet."""
        from .rendering import render

        _plain_render("pipe", renderer, formatter, neato_no_op, engine)
        data = render(self, format or self.format, "auto")
        return data.decode(encoding) if encoding is not None else data

    def render(self, filename=None, directory=None, view: bool = False, cleanup: bool = False,
               format: str | None = None, renderer: str | None = None,
               formatter: str | None = None, neato_no_op=None, quiet: bool = False,
               quiet_view: bool = False, *, outfile=None, engine: str | None = None,
               raise_if_result_exists: bool = False, overwrite_source: bool = False) -> str:
        """Save the DOT source and its image beside it (`filename` + ``.svg``); returns the image's path.

        As graphviz's `render`, but the image is made first, through scalarnet
        (so a failure leaves no file behind), and both files are written atomically.
        `view` is not supported here (open the file yourself).
        """
        from .rendering import render

        _plain_render("render", renderer, formatter, neato_no_op, engine)
        if view:
            raise DiagramError("render(view=True): scalarnet does not open viewers; open the file")
        if outfile is not None:
            outfile = Path(outfile)
            format = format or outfile.suffix.lstrip(".") or self.format
            if filename is None and directory is None:
                filename = outfile.with_suffix(".gv")
        image = render(self, format or self.format, "auto")
        source = Path(directory or self.directory or "") / (filename or self.filename)
        if outfile is None:
            outfile = source.with_name(f"{source.name}.{format or self.format}")
        if raise_if_result_exists and outfile.exists():
            raise DiagramError(f"render: {str(outfile)!r} exists (raise_if_result_exists=True)")
        if not cleanup:
            _write_atomic(source, self.source.encode(self.encoding))
        _write_atomic(outfile, image)
        return str(outfile)


def _plain_render(method: str, renderer, formatter, neato_no_op, engine) -> None:
    """Refuse graphviz options that scalarnet's rendering does not have."""
    given = {name: value for name, value in [("renderer", renderer), ("formatter", formatter),
                                             ("neato_no_op", neato_no_op), ("engine", engine)]
             if value is not None}
    if given:
        raise DiagramError(f"{method}({', '.join(f'{k}={v!r}' for k, v in given.items())}): "
                           "scalarnet renders with the Graphviz layout the diagram names; give "
                           "only format= (svg, or png/pdf with the system Graphviz)")


def _write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it (scalarnet.outputs), so a failure
    leaves the old file; a DiagramError names the place."""
    from .outputs import write_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        raise DiagramError(f"render: cannot write {str(path)!r}: {error.strerror or error}{where}") \
            from None


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
            gradients: Gradients | None = None, diff: Network | None = None) -> Diagram:
    """The network (with the values of `trace`, if given) as a graphviz Digraph; see the module doc.

    `subject` is a Network, or a Trace alone (it records every weight). With
    ``view="ops"``, `neuron` ("layer.neuron", or a unique neuron name) or `layer`
    (a layer name) narrows the drawing to that neuron or layer. Layers and sums
    wider than `threshold` show their first and last `keep` items (default
    ``min(4, threshold // 2)``). Floats are written with `digits` significant
    digits (None: in full); ints and fractions always in full. `gradients`
    (ops view) are those of `trace`, or of a trace of the same pass. `diff=old` draws
    what changed from the network `old` to `subject` (scalarnet.diagram_diff).

    >>> from scalarnet import Network
    >>> net = Network.from_tutorial_weights({'node0': [1, 1], 'node1': [1, -1], 'output': [1, -1]})
    >>> d = diagram(net, net.trace([40, 0]), view="ops", neuron="node1")
    >>> [line.strip() for line in d.source.splitlines() if line.strip().startswith("L1N1S1 ->")]
    ['L1N1S1 -> L1N1Z']
    """
    if view not in VIEWS:
        raise DiagramError(f"unknown view {view!r} (known: {', '.join(VIEWS)})")
    if diff is not None:  # what changed from the network `diff` to `subject`: diagram_diff
        if not isinstance(subject, Network) or not isinstance(diff, Network) or trace or gradients \
                or view != "network" or neuron or layer:
            raise DiagramError("diff= draws two networks' weights (diagram(new, diff=old)): give "
                               "two Networks and no trace, gradients, view, neuron or layer")
        from .diagram_diff import diff_diagram

        return diff_diagram(diff, subject, digits=digits, threshold=threshold)
    if gradients is not None:
        trace = _gradients_trace(gradients, subject, trace, view)
    if view != "ops" and (neuron is not None or layer is not None):
        raise DiagramError("neuron= and layer= choose what the ops view shows: use view='ops'")
    if neuron is not None and layer is not None:
        raise DiagramError(f"give neuron= or layer=, not both (got {neuron!r} and {layer!r})")
    options = Options(threshold, keep, digits)
    if view == "layers":  # one box per layer: its own module
        from .diagram_layers import draw_layers

        return draw_layers(subject, trace, digits=digits)
    drawn = _Pass(subject, trace)
    predicted = _predicted(drawn)
    if view == "network":
        _check_size(drawn, options, *_network_size(drawn, options))
        graph = Diagram(graph_attr=GRAPH, node_attr=NODES, edge_attr=EDGES)
        graph.attr(label=_title(drawn, options, predicted))
        _draw_network(graph, drawn, options, predicted)
        return graph
    first, last, only = _focus(subject, trace, drawn, neuron, layer)
    widths = [len(drawn.input_names)] + [len(l.neurons) for l in drawn.layers]
    _check_size(drawn, options, count_ops(widths, options, first, last, only is not None), 0)
    title = [_ops_title(drawn, first, last, only, options)
             + (_prediction(drawn, predicted) if last == len(drawn.layers) else "")]
    if gradients is not None:
        title += [gradients.loss_text(options.digits),
                  "grad: dL/d(the box's value), L the loss; dL/dw: the weight's gradient"]
    graph = Diagram(graph_attr=PINNED, node_attr=NODES, edge_attr=EDGES)
    draw_ops(graph, drawn, options, first, last, only, title, gradients, predicted)
    return graph


def _gradients_trace(gradients: Gradients, subject, trace: Trace | None, view: str) -> Trace | None:
    """The trace to draw with `gradients`: theirs, after checking that a trace given too is the same pass."""
    if not isinstance(gradients, Gradients):
        raise DiagramError("gradients=: expected the Gradients of scalarnet.gradients(), "
                           f"got {gradients!r}")
    if view != "ops":
        raise DiagramError("gradients= are drawn in the ops view: use view='ops'")
    given = trace if trace is not None else subject if isinstance(subject, Trace) else None
    if given is not None and given is not gradients.trace and \
            _pass_key(given) != _pass_key(gradients.trace):
        raise DiagramError(
            f"gradients= are of another pass than the trace given (inputs "
            f"{values_text(gradients.trace.input_values)} of network "
            f"{gradients.trace.network_name!r}; the trace: inputs {values_text(given.input_values)} "
            f"of network {given.network_name!r}): give the trace the gradients were computed on, "
            "or no trace")
    return None if isinstance(subject, Trace) else gradients.trace


def _pass_key(trace: Trace) -> tuple:
    """What makes two traces the same pass: network, inputs, every weight, bias and value (NaN too)."""
    layers = tuple((layer.name, layer.activation.name,
                    tuple((n.name, repr(n.weights), repr(n.bias), repr(n.z), repr(n.a))
                          for n in layer.neurons))
                   for layer in trace.layers)
    return trace.network_name, tuple(trace.input_names), repr(trace.input_values), layers


def _predicted(drawn: _Pass) -> dict:
    """(layer, neuron) -> what it predicts, for the output neurons to highlight (see the module doc)."""
    k, out = len(drawn.layers), drawn.layers[-1]
    names = [n.name for n in out.neurons]
    if not drawn.traced:
        return {(k, j): "" for j in range(len(names))}
    values = drawn.output
    if out.activation.name == "softmax":
        finite = [(v, j) for j, v in enumerate(values) if is_finite(v)]
        if not finite:
            return {}
        best = max(finite, key=lambda pair: (pair[0], -pair[1]))[1]  # the first of equals
        return {(k, best): f"predicted {names[best]} (the largest probability)"}
    if out.activation.name == "sigmoid":
        return {(k, j): f"predicted {names[j]}: 1 (>= 0.5)" for j, v in enumerate(values)
                if is_finite(v) and v >= 0.5}
    return {(k, j): "" for j in range(len(names))}


def _network_size(drawn: _Pass, options: Options) -> tuple[int, int]:
    """Boxes and edges the network view draws."""
    widths = [len(drawn.input_names)] + [len(l.neurons) for l in drawn.layers]
    nodes = sum(len(options.column_ids(0, n)) + 1 for n in widths)
    edges = sum(len(options.shown(a)[0]) * len(options.shown(b)[0])
                for a, b in zip(widths, widths[1:]))
    return nodes, edges


def _check_size(drawn: _Pass, options: Options, nodes: int, edges: int) -> None:
    if nodes <= MAX_NODES and edges <= MAX_EDGES:
        return
    raise DiagramError(
        f"diagram of network {drawn.name!r} ({len(drawn.layers)} layers) would draw {nodes} boxes "
        f"and {edges} edges, more than the {MAX_NODES} boxes and {MAX_EDGES} edges a diagram "
        f"draws: draw less with a smaller threshold= (--threshold, now {options.threshold}), or "
        "one layer or neuron of the ops view (layer=/--layer, neuron=/--neuron)")


def _title(drawn: _Pass, options: Options, predicted: dict | None = None) -> str:
    widths = "-".join(str(w) for w in [len(drawn.input_names)] + [len(l.neurons) for l in drawn.layers])
    if not drawn.traced:
        lines = [f"{drawn.name} ({widths}): weights and biases"]
    else:
        lines = [f"{drawn.name} ({widths}): input {_values(drawn.input_values, options)}"
                 f" -> output {_values(drawn.output, options)}{_prediction(drawn, predicted)}"]
    if any(_crowded(layer, options) for layer in drawn.layers):
        lines.append(f"(over {MAX_LABELLED} edges between two columns: only the {STRONGEST} "
                     "largest |weights| into each neuron are labelled)")
    return label(lines, left=len(lines) > 1)


def _crowded(layer, options: Options) -> bool:
    """Whether the edges drawn into this layer are too many to label every one."""
    return (len(options.shown(len(layer.neurons))[0])
            * len(options.shown(len(layer.neurons[0].weights))[0]) > MAX_LABELLED)


def _prediction(drawn: _Pass, predicted: dict | None) -> str:
    """`, predicted setosa (the largest probability)`, or for sigmoids what is 1 and what 0."""
    activation = drawn.layers[-1].activation.name
    if predicted is None or not drawn.traced or activation not in ("softmax", "sigmoid"):
        return ""
    notes = [note for note in predicted.values() if note]
    if activation == "sigmoid" and len(drawn.output) == 1:
        return ", " + (notes[0] if notes else "predicted 0 (< 0.5)")
    if activation == "sigmoid":
        return ", " + (", ".join(notes) + ", 0 elsewhere" if notes else "predicted all 0 (< 0.5)")
    return ", " + (notes[0] if notes else "no prediction (no finite probability)")


def _values(values: list, options: Options) -> str:
    if len(values) <= options.threshold:
        return values_text(values, options.digits)
    return f"({len(values)} values)"


# -- network view -------------------------------------------------------------------------------


def _draw_network(graph: Diagram, drawn: _Pass, options: Options, predicted: dict) -> None:
    names, values = drawn.column(0)
    _draw_values(graph, 0, "inputs", names, values, options)
    for k, layer in enumerate(drawn.layers, start=1):

        def neuron_node(j: int, k=k, layer=layer) -> tuple[str, dict]:
            lines, left = neuron_lines(layer.neurons[j], layer, drawn.traced, options)
            style = {"fillcolor": OUTPUT_FILL, "penwidth": "2"} if (k, j) in predicted else {}
            if getattr(layer.neurons[j], "flag", ""):
                style["color"] = NEGATIVE
            return label(lines, left), style

        title = f"{layer.name} ({activation_name(layer.activation)})"
        _column(graph, k, title, len(layer.neurons), neuron_node, options)
        if not _draw_weights(graph, k, layer, drawn.traced, options):
            graph.graph_attr["ranksep"] = "1.4"  # room for the crowd of xlabels


def _draw_values(graph: Diagram, k: int, title: str, names: list[str], values: list | None,
                 options: Options) -> None:
    """A column of named values (or names alone): the inputs, or a layer's outputs."""

    def value_node(i: int) -> tuple[str, dict]:
        text = names[i] if values is None else f"{names[i]} = {fmt(values[i], options.digits)}"
        return label([text]), {"fillcolor": INPUT_FILL}

    _column(graph, k, title, len(names), value_node, options)


def _column(graph: Diagram, k: int, title: str, n: int, node, options: Options) -> None:
    """Column k: a title, then nodes `L{k}N{i}` from `node(i) -> (label, attributes)`, top to bottom.

    A column is a rank (not a cluster) chained by invisible edges: Graphviz keeps
    the order of such a chain (tail above head with rankdir=LR) but not inside a
    cluster, where it rotates it. The title is given its width: the embedded
    Graphviz cannot measure bold Courier and made it too narrow for its text.
    """
    ids = [f"L{k}T"] + options.column_ids(k, n)
    hidden = options.shown(n)[1]
    title += f", {n}" if hidden else ""
    size = {"width": f"{(text_width(title, 12) + 8) / 72:.4f}"}
    with graph.subgraph() as column:
        column.attr(rank="same")
        column.node(f"L{k}T", label([title]), **TITLE, **size)
        for node_id in ids[1:]:
            if node_id.endswith("M"):
                column.node(node_id, label([f"... {hidden} more"]), **MORE)
            else:
                text, attributes = node(int(node_id.partition("N")[2]))
                column.node(node_id, text, **attributes)
        for a, b in zip(ids, ids[1:]):
            column.edge(a, b, style="invis")


def _draw_weights(graph: Diagram, k: int, layer, traced: bool, options: Options) -> bool:
    """The edges into layer k, one per drawn pair, labelled with its weight; False if xlabels.

    With a trace, an edge whose input is 0 (a dead ReLU's, say) carries nothing:
    it is drawn thin, dashed and grey, its weight still written on it.
    """
    shown, hidden = options.shown(len(layer.neurons))
    n_in = len(layer.neurons[0].weights)
    sources, hidden_in = options.shown(n_in)
    largest = widest(layer)
    few = len(shown) * len(sources) <= EDGE_LABELS
    crowded = _crowded(layer, options)
    for j in shown:
        neuron = layer.neurons[j]
        labelled = sources
        if crowded:
            by_size = sorted(sources, key=lambda i: -_magnitude(neuron.weights[i]))
            labelled = set(by_size[:STRONGEST])
        for i in sources:
            w = neuron.weights[i]
            text = {} if few else {"fontsize": "8"}
            if i in labelled:
                text["label" if few else "xlabel"] = dot_text(fmt(w, options.digits))
            if traced and neuron.inputs[i] == 0:
                style = {"color": NEUTRAL, "fontcolor": NEUTRAL, "style": "dashed",
                         "penwidth": "0.80"}
            else:
                style = {"color": colour(w), "fontcolor": colour(w),
                         "penwidth": penwidth(w, largest)}
            graph.edge(f"L{k - 1}N{i}", f"L{k}N{j}", **style, **text)
        if hidden_in:
            graph.edge(f"L{k - 1}M", f"L{k}N{j}", **HIDDEN_EDGE)
    if hidden:  # keep the left-out neurons' node in its column
        graph.edge(f"L{k - 1}T", f"L{k}M", style="invis")
    return few


def _magnitude(weight) -> float:
    """|weight| as a float for ranking; NaN and infinities rank first (they are what to see)."""
    if not is_finite(weight):
        return float("inf")
    try:
        return float(abs(weight))
    except OverflowError:
        return float("inf")


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


def _ops_title(drawn: _Pass, first: int, last: int, only: int | None, options: Options) -> str:
    if only is not None:
        layer = drawn.layers[first - 1]
        what = f"neuron {layer.name}.{layer.neurons[only].name}"
    elif first == last:
        what = f"layer {drawn.layers[first - 1].name}"
    else:
        return (f"{drawn.name}: every operation"
                + (f", input {_values(drawn.input_values, options)}" if drawn.traced else ""))
    return f"{drawn.name}: every operation of {what}"

"""The layer view of a diagram: one box per layer (name, width, activation, parameters; with a trace, its values' summary).

For a network too big to draw neuron by neuron (784-128-64-10), like Keras's
`plot_model` but with the numbers of one pass:

- an inputs box: how many values, and with a trace their min, mean and max;
- a box per layer: its name, width and activation, its parameter count
  (neurons x inputs weights + one bias per neuron), and with a trace the min, mean and max of its outputs
  and, for relu and leaky_relu, how many of its neurons are at or below 0;
- edges labelled with the weight matrix's shape, neurons x inputs
  (`W 128x784`, the layout of `torch.nn.Linear.weight`).

>>> from scalarnet import Network
>>> net = Network.from_matrices([[[2, 4], [4, -5]], [[2, 7]]], activations="relu")
>>> dot = draw_layers(net, net.trace([3, 5]), digits=4).source
>>> 'relu: 1 of 2 at 0' in dot, 'W 1x2' in dot, 'min 0, mean 13.0, max 26' in dot
(True, True, True)
"""

from __future__ import annotations

from .diagram import Diagram, _Pass
from .diagram_parts import (EDGES, GRAPH, INPUT_FILL, NEUTRAL, NODES, OUTPUT_FILL, activation_name,
                            label, plain_sum)
from .numbers import fmt, is_finite

__all__ = ["draw_layers"]


def draw_layers(subject, trace=None, *, digits: int | None = 4) -> Diagram:
    """The layer view of `subject` (a Network, or a Trace alone), with `trace`'s values when given."""
    drawn = _Pass(subject, trace)
    # top to bottom, as Keras's plot_model: a chain of wide boxes reads down a page
    graph = Diagram(graph_attr={**GRAPH, "rankdir": "TB", "ranksep": "0.45"}, node_attr=NODES,
                    edge_attr=EDGES)
    widths = [len(drawn.input_names)] + [len(layer.neurons) for layer in drawn.layers]
    shape = "-".join(map(str, widths))
    total = sum(_parameters(layer) for layer in drawn.layers)
    title = [f"{drawn.name} ({shape}): {total:,} parameters"]
    if drawn.traced:
        title.append(f"one pass: output {_summary(drawn.output, digits)}")
    graph.attr(label=label(title, left=True))
    lines = ["inputs", f"{widths[0]} values"]
    if drawn.traced:
        lines.append("values: " + _summary(drawn.input_values, digits))
    graph.node("L0", label(lines), fillcolor=INPUT_FILL)
    for k, layer in enumerate(drawn.layers, start=1):
        n, n_in = len(layer.neurons), widths[k - 1]
        params = _parameters(layer)
        lines = [layer.name, f"{n} neuron{'' if n == 1 else 's'}, {activation_name(layer.activation)}",
                 f"{params:,} parameters"]
        if drawn.traced:
            lines.append("values: " + _summary(layer.a, digits))
            if layer.activation.name in ("relu", "leaky_relu"):
                # z <= 0: a relu gives 0 there (a leaky_relu its small slope*z)
                off = sum(1 for z in layer.z if not z > 0 and z == z)
                what = "at 0" if layer.activation.name == "relu" else "at z <= 0"
                lines.append(f"{layer.activation.name}: {off} of {n} {what}")
        style = {"fillcolor": OUTPUT_FILL, "penwidth": "2"} if k == len(drawn.layers) else {}
        graph.node(f"L{k}", label(lines), **style)
        graph.edge(f"L{k - 1}", f"L{k}", label=label([f" W {n}x{n_in}"]), color=NEUTRAL)
    return graph


def _parameters(layer) -> int:
    return sum(len(n.weights) + 1 for n in layer.neurons)


def _summary(values: list, digits: int | None) -> str:
    """`min 0, mean 13.0, max 26` over the finite values (NaN and infinities are counted apart)."""
    finite = [v for v in values if is_finite(v)]
    text = "no finite values"
    if finite:
        mean = plain_sum(finite) / len(finite)
        text = f"min {fmt(min(finite), digits)}, mean {fmt(mean, digits)}, max {fmt(max(finite), digits)}"
    odd = len(values) - len(finite)
    return text + (f" ({odd} not finite)" if odd else "")

"""Every text of every view lies inside the SVG's canvas, on both engines (nothing cut at an edge).

A text's extent is measured as the viewer draws it: Courier, 0.6 em per
character in every style, from its anchor (start, middle or end).
"""

import re
import xml.etree.ElementTree as ET

import pytest

from scalarnet import files
from scalarnet.diagram import diagram
from scalarnet.rendering import render

from test_diagram import ENGINES

SVG = "{http://www.w3.org/2000/svg}"


def texts_outside(svg: bytes) -> list[str]:
    """The texts (with their extent) that reach outside the viewBox."""
    root = ET.fromstring(svg)
    left, top, width, height = (float(v) for v in root.get("viewBox").split())
    graph = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "graph")
    dx, dy = (float(v) for v in re.search(r"translate\(([-\d.]+)[ ,]([-\d.]+)\)",
                                          graph.get("transform")).groups())
    outside = []
    for text in root.iter(f"{SVG}text"):
        size = float(text.get("font-size"))
        length = len(text.text or "") * 0.6 * size
        x = float(text.get("x")) + dx
        y = float(text.get("y")) + dy
        start = {"start": x, "middle": x - length / 2, "end": x - length}[text.get("text-anchor", "start")]
        if start < left - 0.5 or start + length > left + width + 0.5 or y - size < top - 0.5 \
                or y > top + height + 0.5:
            outside.append(f"{text.text!r} at x {start:.1f}..{start + length:.1f}, "
                           f"y {y - size:.1f}..{y:.1f} (canvas {width:.1f} x {height:.1f})")
    return outside


def views(name: str):
    net = files.load(name)
    trace = net.trace(net.example_input)
    last = net.layers[-1]
    g = net.gradients(net.example_input, [0.5] * len(last))
    yield "weights", diagram(net)
    yield "network", diagram(net, trace)
    yield "ops", diagram(net, trace, view="ops")
    yield "ops-weights", diagram(net, view="ops")
    yield "layer", diagram(net, trace, view="ops", layer=net.layers[0].name)
    yield "neuron", diagram(net, trace, view="ops", neuron=f"{last.name}.{last.neurons[0].name}")
    yield "gradients", diagram(net, trace, view="ops", gradients=g)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", files.examples())
def test_every_text_inside_the_canvas(name, engine):
    cut = {view: outside for view, picture in views(name)
           if (outside := texts_outside(render(picture, "svg", engine)))}
    assert not cut, cut

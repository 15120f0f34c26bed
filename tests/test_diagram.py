"""Tests of scalarnet.diagram: exact DOT, the SVG each engine draws, escaping, summaries, the CLI."""

import builtins
import os
import random
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction

import graphviz
import pytest

from scalarnet import Layer, Network, Neuron, files
from scalarnet.cli import main
from scalarnet.diagram import Diagram, DiagramError, diagram, dot_text
from scalarnet.errors import InputError, NetworkError
from scalarnet import rendering
from scalarnet.rendering import render

SVG = "{http://www.w3.org/2000/svg}"

needs_system = [
    pytest.mark.system_graphviz,
    pytest.mark.skipif(shutil.which("dot") is None,
                       reason="needs the system Graphviz 'dot' on PATH (apt-get install graphviz)"),
]
needs_wasm = pytest.mark.skipif(rendering._wasm_problem() is not None,
                                reason=f"needs the embedded Graphviz: {rendering._wasm_problem()}")
ENGINES = [pytest.param("system", marks=needs_system, id="system"),
           pytest.param("wasm", marks=needs_wasm, id="wasm")]


def svg_texts(svg: bytes) -> list[str]:
    return [element.text for element in ET.fromstring(svg).iter(f"{SVG}text")]


def traced(name: str, x=None):
    net = files.load(name)
    return net, net.trace(net.example_input if x is None else x)


# -- exact DOT for the tutorial networks ------------------------------------------------------

HEAD = """digraph {
	graph [fontname=Courier fontsize=12 labeljust=l labelloc=t nodesep=0.25 rankdir=LR ranksep=0.9]
	node [fillcolor=white fontname=Courier fontsize=11 margin="0.12,0.06" shape=box style="rounded,filled"]
	edge [arrowsize=0.6 fontname=Courier fontsize=10]
"""
TITLE = 'fontname="Courier-Bold" fontsize=12 margin=0 shape=plaintext style=""'
BLUE = 'color="#2166ac" fontcolor="#2166ac"'
RED = 'color="#b2182b" fontcolor="#b2182b"'
DEAD = 'color="#8c8c8c" fontcolor="#8c8c8c" penwidth=0.80 style=dashed'  # its input is 0

FORWARD_DOT = HEAD + f"""	label="tutorial-forward (2-2-1): input [40, 0] -> output [0]"
	{{
		rank=same
		L0T [label=inputs {TITLE} width=0.7111]
		L0N0 [label="age = 40" fillcolor="#e8f0fa"]
		L0N1 [label="retired = 0" fillcolor="#e8f0fa"]
		L0T -> L0N0 [style=invis]
		L0N0 -> L0N1 [style=invis]
	}}
	{{
		rank=same
		L1T [label="hidden1 (identity)" {TITLE} width=1.9111]
		L1N0 [label="node0\\nbias 0\\n40*1 + 0*1 = 40"]
		L1N1 [label="node1\\nbias 0\\n40*1 + 0*(-1) = 40"]
		L1T -> L1N0 [style=invis]
		L1N0 -> L1N1 [style=invis]
	}}
	L0N0 -> L1N0 [label=1 {BLUE} penwidth=3.00]
	L0N1 -> L1N0 [label=1 {DEAD}]
	L0N0 -> L1N1 [label=1 {BLUE} penwidth=3.00]
	L0N1 -> L1N1 [label=-1 {DEAD}]
	{{
		rank=same
		L2T [label="output (identity)" {TITLE} width=1.8111]
		L2N0 [label="output\\nbias 0\\n40*1 + 40*(-1) = 0" fillcolor="#fff2b3" penwidth=2]
		L2T -> L2N0 [style=invis]
	}}
	L1N0 -> L2N0 [label=1 {BLUE} penwidth=3.00]
	L1N1 -> L2N0 [label=-1 {RED} penwidth=3.00]
}}
"""

# Weights only: penwidth is 0.8 + 2.2 * |w| / (the layer's largest |w|), e.g. 2 of 5 -> 1.68.
DEEP_WEIGHTS_DOT = HEAD + f"""	label="tutorial-deep (2-2-2-1): weights and biases"
	{{
		rank=same
		L0T [label=inputs {TITLE} width=0.7111]
		L0N0 [label=x0 fillcolor="#e8f0fa"]
		L0N1 [label=x1 fillcolor="#e8f0fa"]
		L0T -> L0N0 [style=invis]
		L0N0 -> L0N1 [style=invis]
	}}
	{{
		rank=same
		L1T [label="hidden1 (relu)" {TITLE} width=1.5111]
		L1N0 [label="node0_0\\nbias 0"]
		L1N1 [label="node0_1\\nbias 0"]
		L1T -> L1N0 [style=invis]
		L1N0 -> L1N1 [style=invis]
	}}
	L0N0 -> L1N0 [label=2 {BLUE} penwidth=1.68]
	L0N1 -> L1N0 [label=4 {BLUE} penwidth=2.56]
	L0N0 -> L1N1 [label=4 {BLUE} penwidth=2.56]
	L0N1 -> L1N1 [label=-5 {RED} penwidth=3.00]
	{{
		rank=same
		L2T [label="hidden2 (relu)" {TITLE} width=1.5111]
		L2N0 [label="node1_0\\nbias 0"]
		L2N1 [label="node1_1\\nbias 0"]
		L2T -> L2N0 [style=invis]
		L2N0 -> L2N1 [style=invis]
	}}
	L1N0 -> L2N0 [label=-1 {RED} penwidth=1.90]
	L1N1 -> L2N0 [label=2 {BLUE} penwidth=3.00]
	L1N0 -> L2N1 [label=1 {BLUE} penwidth=1.90]
	L1N1 -> L2N1 [label=2 {BLUE} penwidth=3.00]
	{{
		rank=same
		L3T [label="output (identity)" {TITLE} width=1.8111]
		L3N0 [label="output\\nbias 0" fillcolor="#fff2b3" penwidth=2]
		L3T -> L3N0 [style=invis]
	}}
	L2N0 -> L3N0 [label=2 {BLUE} penwidth=1.43]
	L2N1 -> L3N0 [label=7 {BLUE} penwidth=3.00]
}}
"""

# The ops view is laid out by scalarnet: its boxes' places and sizes (pos, width, height,
# fixedsize) are left out here and checked by tests/test_diagram_order.py and the canvas test.
LAYOUT = re.compile(r' (pos="[^"]*"|width=[\d.]+|height=[\d.]+|fixedsize=true)')
NODE0_1_OPS_DOT = """digraph {
	graph [fontname=Courier fontsize=12 layout=nop2 outputorder=nodesfirst pad=0.1 splines=false]
	node [fillcolor=white fontname=Courier fontsize=11 margin="0.12,0.06" shape=box style="rounded,filled"]
	edge [arrowsize=0.6 fontname=Courier fontsize=10]
	title [label="tutorial-deep: every operation of neuron hidden1.node0_1\\l" fontsize=12 shape=plaintext style=""]
	L0T [label=inputs fontname="Courier-Bold" fontsize=12 shape=plaintext style=""]
	L0N0 [label="x0 = 3" fillcolor="#e8f0fa"]
	L0N1 [label="x1 = 5" fillcolor="#e8f0fa"]
	L1 [label="hidden1 (relu)" color="#c8c8c8" fillcolor="#f6f6f6" fontname="Courier-Bold" fontsize=12 labelloc=t shape=box style="rounded,filled"]
	L1N1 [label=node0_1 color="#bbbbbb" fillcolor=white labelloc=t shape=box style="rounded,filled"]
	L1N1X0 [label="3*4 = 12"]
	L1N1X1 [label="5*(-5) = -25"]
	L1N1S1 [label="12 + (-25) = -13"]
	L1N1Z [label="-13 + 0 = -13"]
	L1N1A [label="relu(-13) = 0"]
	L1N1B [label="bias = 0" shape=plaintext style=""]
	L0N0 -> L1N1X0 [color="#2166ac" headport=w penwidth=2.56 tailport=e]
	L0N1 -> L1N1X1 [color="#b2182b" headport=w penwidth=3.00 tailport=e]
	L1N1X0 -> L1N1S1
	L1N1X1 -> L1N1S1
	L1N1S1 -> L1N1Z
	L1N1B -> L1N1Z
	L1N1Z -> L1N1A
}
"""


@pytest.mark.parametrize("build, expected", [
    (lambda: diagram(*traced("tutorial-forward")), FORWARD_DOT),
    (lambda: diagram(files.load("tutorial-deep")), DEEP_WEIGHTS_DOT),
    (lambda: diagram(*traced("tutorial-deep"), view="ops", neuron="hidden1.node0_1"),
     NODE0_1_OPS_DOT),
], ids=["forward-trace", "deep-weights", "deep-node0_1-ops"])
def test_diagram_exact_dot(build, expected):
    source = build().source
    if "layout=nop2" in expected:  # the ops view: places and sizes checked elsewhere
        source = LAYOUT.sub("", source)
    assert source == expected


def test_diagram_of_a_trace_alone_is_the_same_as_with_its_network():
    net, trace = traced("tutorial-deep")
    assert diagram(trace).source == diagram(net, trace).source


def test_diagram_deterministic_and_ids_from_positions():
    net, trace = traced("tutorial-deep")
    sources = {diagram(net, trace, view=view).source for view in ("network", "ops")}
    assert {diagram(net, files.load("tutorial-deep").trace([3, 5]), view=view).source
            for view in ("network", "ops")} == sources
    ids = set()
    for source in sources:
        for line in source.splitlines():
            m = re.match(r"\t+(\w+)(?: -> (\w+))?(?: \[|$)", line)
            if m and m[1] not in ("graph", "node", "edge", "subgraph"):
                ids.update(i for i in m.groups() if i)
    pattern = re.compile(r"title|L\d+(T|M|N\d+(X\d+|S\d+|SM|M|Z|B|A)?)?")
    assert ids and all(pattern.fullmatch(i) for i in ids), sorted(ids)


def test_diagram_is_a_digraph_that_jupyter_can_show():
    d = diagram(files.load("tutorial-forward"))
    assert isinstance(d, graphviz.Digraph) and isinstance(d, Diagram)


def test_building_dot_touches_no_file_and_runs_no_program(monkeypatch):
    net, trace = traced("tutorial-deep")

    def forbidden(*args, **kwargs):
        raise AssertionError(f"building a diagram opened or ran something: {args!r}")

    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(os, "open", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    assert "3*2 + 5*4 = 26" in diagram(net, trace).source
    assert "6 + 20 = 26" in diagram(net, trace, view="ops").source


def test_importing_scalarnet_does_not_import_graphviz():
    code = ("import sys, scalarnet; net = scalarnet.load('tutorial-deep'); net.trace([3, 5]); "
            "print(sorted(m for m in ('graphviz', 'scalarnet.diagram', 'wasmtime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the SVG the engines draw ---------------------------------------------------------------------

EXPECTED_TEXTS = {
    "tutorial-forward": ["age = 40", "retired = 0", "hidden1 (identity)", "output (identity)",
                         "40*1 + 0*1 = 40", "40*1 + 0*(-1) = 40", "40*1 + 40*(-1) = 0", "-1",
                         "bias 0", "tutorial-forward (2-2-1): input [40, 0] -> output [0]"],
    "tutorial-tanh": ["hidden1 (tanh)", "tanh(40) = 1.0", "1.0*1 + 1.0*(-1) = 0.0"],
    "tutorial-relu": ["hidden1 (relu)", "relu(40) = 40", "40*1 + 40*(-1) = 0"],
    "tutorial-deep": ["x0 = 3", "x1 = 5", "hidden1 (relu)", "hidden2 (relu)", "output (identity)",
                      "3*2 + 5*4 = 26", "relu(26) = 26", "3*4 + 5*(-5) = -13", "relu(-13) = 0",
                      "26*(-1) + 0*2 = -26", "relu(-26) = 0", "26*1 + 0*2 = 26",
                      "0*2 + 26*7 = 182", "node0_1", "-5", "7", "-1"],
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", sorted(EXPECTED_TEXTS))
def test_svg_shows_the_tutorial_arithmetic(name, engine):
    texts = svg_texts(render(diagram(*traced(name)), "svg", engine))
    missing = [t for t in EXPECTED_TEXTS[name] if t not in texts]
    assert not missing, texts


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kwargs, expected", [
    ({"view": "ops"}, ["3*2 = 6", "5*4 = 20", "6 + 20 = 26", "26 + 0 = 26", "relu(26) = 26",
                       "26*7 = 182", "0 + 182 = 182", "182 + 0 = 182", "bias = 0", "node1_1"]),
    ({"view": "ops", "layer": "hidden2"}, ["hidden1 outputs", "node0_0 = 26", "node0_1 = 0",
                                           "26*(-1) = -26", "relu(-26) = 0"]),
    ({"view": "ops", "neuron": "node0_1"}, ["3*4 = 12", "5*(-5) = -25", "12 + (-25) = -13",
                                            "-13 + 0 = -13", "relu(-13) = 0"]),
], ids=["network", "layer", "neuron"])
def test_svg_ops_view_every_operation(kwargs, expected, engine):
    texts = svg_texts(render(diagram(*traced("tutorial-deep"), **kwargs), "svg", engine))
    assert [t for t in expected if t not in texts] == []


def test_ops_view_without_a_trace_names_the_inputs():
    source = diagram(files.load("tutorial-deep"), view="ops", layer="output").source
    for label in ('"node1_0*2"', '"node1_1*7"', "label=\"+\"", '"+ 0"', '"bias = 0"'):
        assert label in source


@pytest.mark.parametrize("engine", ENGINES)
def test_svg_identical_on_the_same_engine(engine):
    d = diagram(*traced("tutorial-deep"))
    assert render(d, "svg", engine) == render(diagram(*traced("tutorial-deep")), "svg", engine)


# -- escaping: names come from files -----------------------------------------------------------

NASTY = [
    ("<script>alert(1)</script>", None),
    ('say "hi"', None),
    ('"', None),
    ("back\\slash", None),
    ("trailing\\", None),
    ("\\", None),
    ('\\"', None),
    ("a:b:c", None),
    ("{braces}", None),
    ("a|b", None),
    ("two\nlines", None),
    ("<x> + <y>", None),
    ("\\N \\G \\E \\l \\n", None),
    ("&lt;b&gt; &amp; AT&T &#65;", None),
    ("bell\x07\rreturn", "bell\u2407\nreturn"),
    ("日本 🙂", None),
    ("lone\ud800surrogate", "lone\ufffdsurrogate"),  # JSON can hold one ("\\ud800"); UTF-8 cannot
]
ALLOWED_TAGS = {"svg", "g", "title", "text", "polygon", "path", "ellipse", "polyline"}


def nasty_network(name: str) -> Network:
    hidden = Layer(name, [Neuron(name, [1, -2])], "relu")
    return Network([hidden, Layer("out", [Neuron("o", [3])])], inputs=[name, "x1"], name=name)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("view", ["network", "ops"])
@pytest.mark.parametrize("name, shown", NASTY, ids=[repr(n) for n, _ in NASTY])
def test_nasty_names_render_as_literal_text(name, shown, view, engine):
    net = nasty_network(name)
    svg = render(diagram(net, net.trace([3, 1]), view=view), "svg", engine)
    root = ET.fromstring(svg)  # well-formed, whatever the name
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= ALLOWED_TAGS
    assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
    texts = [element.text for element in root.iter(f"{SVG}text")]
    shown = name if shown is None else shown
    lines = shown.split("\n")
    # the neuron's name (a line of its own), the input, the layer: each as written
    for expected in (lines, (shown + " = 3").split("\n"), (shown + " (relu)").split("\n")):
        assert [line for line in expected if line not in texts] == [], texts


@pytest.mark.parametrize("text, dot", [
    ("plain", "plain"),
    ("trailing\\", "trailing\\\\"),
    ("\\N", "\\\\N"),
    ("two\nlines", "two\\nlines"),
    ("cr\r\nlf", "cr\\nlf"),
    ("&lt;", "&amp;lt;"),
    ("AT&T", "AT&amp;T"),
    ("\x01", "\u2401"),
    ("tab\there", "tab\there"),
    ("<x> + <y>", "<x> + <y>"),
    ("\udfff", "\ufffd"),
], ids=["plain", "trailing-backslash", "escape-N", "newline", "crlf", "entity", "ampersand",
        "control", "tab", "html-like", "lone-surrogate"])
def test_dot_text(text, dot):
    escaped = dot_text(text)
    assert escaped == dot
    assert isinstance(escaped, graphviz.quoting.NoHtml)  # never read as an HTML label


def test_html_like_label_is_quoted_in_the_dot():
    net = nasty_network("<x> + <y>")
    assert 'label="<x> + <y>\\nbias 0' in diagram(net).source


# -- large layers: summarised, and what is shown adds up -------------------------------------------


def sum_of_label(source: str, node: str) -> tuple[list[str], str]:
    """The (terms, total) of a neuron's arithmetic in the network view's DOT."""
    label = re.search(rf'\t{node} \[label="((?:[^"\\]|\\.)*)"', source)[1]
    lines = re.split(r"\\[nl]", label)[2:]  # after the name and the bias
    sum_lines = []
    for line in lines:
        sum_lines.append(line)
        if " = " in line or line.startswith("= "):
            break
    lhs, _, total = " ".join(sum_lines).rpartition("= ")
    return lhs.strip().split(" + "), total


def parse(text: str, kind):
    return kind(text.strip("()"))


def add_up(terms: list[str], kind) -> tuple:
    total, products, hidden = 0, 0, 0
    for term in terms:
        more = re.fullmatch(r"\((\d+) more terms: (.*)\)", term)
        if more:
            hidden += int(more[1])
            total += parse(more[2], kind)
        elif "*" in term:
            x, w = term.split("*")
            total += parse(x, kind) * parse(w, kind)
            products += 1
        else:  # the bias
            total += parse(term, kind)
    return total, products, hidden


def int_network(widths, seed):
    rng = random.Random(seed)
    weights = [[[rng.randint(-9, 9) for _ in range(a)] for _ in range(b)]
               for a, b in zip(widths, widths[1:])]
    biases = [[rng.randint(-5, 5) for _ in range(b)] for b in widths[1:]]
    x = [rng.randint(0, 9) for _ in range(widths[0])]
    return Network.from_matrices(weights, biases, "identity"), x


# `shown`: the terms of a summarised sum (and the drawn neurons of a summarised layer)
@pytest.mark.parametrize("widths, threshold, keep, shown", [
    ((40, 20, 3), 12, None, 8),
    ((40, 20, 3), 12, 2, 4),
    ((40, 20, 3), 39, None, 8),
    ((40, 20, 3), 40, None, 40),
    ((13, 13, 1), 12, None, 8),
    ((12, 12, 1), 12, None, 12),
    ((5, 5, 2), 2, None, 2),
], ids=["default", "keep-2", "just-under", "threshold-40", "13-wide", "12-wide", "threshold-2"])
def test_summary_adds_up_exactly(widths, threshold, keep, shown):
    net, x = int_network(widths, seed=sum(widths) + threshold)
    trace = net.trace(x)
    source = diagram(net, trace, threshold=threshold, keep=keep).source
    for k, layer in enumerate(trace.layers, start=1):
        for record in layer.neurons:
            node = f"L{k}N{record.index}"
            if f"\t{node} [" not in source:
                continue
            terms, total = sum_of_label(source, node)
            value, products, hidden = add_up(terms, int)
            assert (value, int(total)) == (record.z, record.z), (node, terms)
            n = len(record.weights)
            assert (products + hidden, products) == (n, n if n <= threshold else shown)
    n_inputs_drawn = len(re.findall(r"\tL0N\d+ \[", source))
    assert n_inputs_drawn == (widths[0] if widths[0] <= threshold else shown)
    hidden_inputs = widths[0] - n_inputs_drawn
    assert (f'L0M [label="... {hidden_inputs} more"' in source) == (hidden_inputs > 0)


def test_large_network_summarised_and_adds_up():
    from scalarnet.gallery import large_network

    net, x = large_network()
    trace = net.trace(x)
    source = diagram(net, trace, digits=None).source
    for more in ("... 776 more", "... 120 more", "... 56 more", "(776 more terms: ",
                 "(120 more terms: ", "(56 more terms: "):
        assert more in source
    assert len(re.findall(r"\tL\d+N\d+ \[", source)) == 8 + 8 + 8 + 10
    assert len(source) < 100_000
    for k, layer in enumerate(trace.layers, start=1):
        for record in layer.neurons:
            node = f"L{k}N{record.index}"
            if f"\t{node} [" in source:
                terms, total = sum_of_label(source, node)
                value, products, hidden = add_up(terms, float)
                assert value == pytest.approx(record.z, rel=1e-9, abs=1e-12), node
                assert float(total) == record.z
                assert (products, hidden) == (8, len(record.weights) - 8)


def test_summarised_ops_view_adds_up():
    net, x = int_network((30, 20, 1), seed=3)
    trace = net.trace(x)
    source = diagram(net, trace, view="ops", neuron="output").source
    record = trace.neuron("output")
    hidden = _plain_sum(record.products[4:-4])
    running = _plain_sum(record.products[:-4])
    assert f'L2N0M [label="(12 more terms: {hidden})"' in source
    assert f'L2N0SM [label="{_plain_sum(record.products[:4])} + ' in source
    assert f'= {running}"' in source
    assert re.search(rf'L2N0Z \[label="[^"]* = {record.z}"', source)


def _plain_sum(values):
    total = 0
    for v in values:
        total += v
    return total


@pytest.mark.parametrize("digits, expected", [
    (4, "0.3333*0.1429 = 0.04762"),
    (None, "0.3333333333333333*0.14285714285714285 = 0.047619047619047616"),
], ids=["digits-4", "full"])
def test_float_digits(digits, expected):
    net = Network.from_matrices([[[1 / 7]]])
    assert expected in diagram(net, net.trace([1 / 3]), view="ops", digits=digits).source


def test_exact_numbers_stay_exact():
    net = Network.from_matrices([[[Fraction(1, 3), 2]]])
    assert "(1/2)*(1/3) + 1*2 = 13/6" in diagram(net, net.trace([Fraction(1, 2), 1])).source


BIG = 10 ** 400  # an int (as JSON reads it) too large for a float


@pytest.mark.parametrize("weights, widths", [
    ([2, 5], ["1.68", "3.00"]),
    ([BIG, 1], ["3.00", "0.80"]),
    ([Fraction(BIG, 3), -BIG], ["1.53", "3.00"]),
    ([Decimal("1e400"), Decimal("-1e400")], ["3.00", "3.00"]),
    ([float("inf"), 2], ["3.00", "3.00"]),
    ([0, 0], ["0.80", "0.80"]),
    ([0.5, BIG], ["0.80", "3.00"]),
    ([Decimal("0.5"), 1], ["1.90", "3.00"]),  # a Decimal and a float in one network are refused now
], ids=["small", "huge-int", "huge-fraction", "huge-decimal", "inf", "zeros", "float-and-huge-int",
        "decimal-and-int"])
def test_edge_width_by_magnitude_whatever_the_number(weights, widths):
    net = Network.from_matrices([[weights]])
    for view in ("network", "ops"):
        source = diagram(net, view=view).source
        assert re.findall(r" -> L1N0X?\d? \[.*penwidth=([\d.]+)", source) == widths


def test_first_nonfinite_neuron_is_marked():
    net = Network.from_matrices([[[1, 1], [1, 2]], [[1, 1]]], activations="relu")
    source = diagram(net, net.trace([1, float("nan")])).source
    assert 'relu(nan) = nan\\n<- first non-finite value" color="#b2182b"' in source


def test_softmax_layer_written_per_neuron():
    net = Network.from_matrices([[[1], [2]]], activations=["softmax"])
    source = diagram(net, net.trace([0])).source
    assert "softmax([0, 0])[1] = 0.5" in source


# -- bad options -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, error, message", [
    ({"view": "opz"}, DiagramError, r"unknown view 'opz' \(known: network, ops, layers\)"),
    ({"neuron": "node0_1"}, DiagramError, r"neuron= and layer= choose what the ops view shows: use view='ops'"),
    ({"view": "ops", "neuron": "node0_1", "layer": "hidden1"}, DiagramError,
     r"give neuron= or layer=, not both \(got 'node0_1' and 'hidden1'\)"),
    ({"threshold": 1}, DiagramError, r"threshold: expected a whole number of at least 2, got 1"),
    ({"threshold": True}, DiagramError, r"threshold: expected a whole number of at least 2, got True"),
    ({"keep": 7}, DiagramError, r"keep: expected a whole number from 1 to threshold // 2 \(6\), got 7"),
    ({"keep": 0}, DiagramError, r"keep: expected a whole number from 1 to threshold // 2 \(6\), got 0"),
    ({"digits": 0}, DiagramError, r"digits: expected None or a whole number of at least 1, got 0"),
    ({"view": "ops", "neuron": "nope"}, InputError, r"no neuron 'nope' in the trace \(neurons: hidden1\.node0_0, .*\)"),
    ({"view": "ops", "layer": "nope"}, InputError, r"no layer 'nope' in the trace \(layers: hidden1, hidden2, output\)"),
], ids=["view", "neuron-network-view", "neuron-and-layer", "threshold-1", "threshold-bool",
        "keep-7", "keep-0", "digits-0", "no-neuron", "no-layer"])
def test_diagram_bad_options(kwargs, error, message):
    with pytest.raises(error, match=f"^{message}$"):
        diagram(*traced("tutorial-deep"), **kwargs)


def test_diagram_bad_subjects():
    net, trace = traced("tutorial-deep")
    with pytest.raises(DiagramError, match=r"^diagram: expected a Network or a Trace, got 'deep'$"):
        diagram("deep")
    with pytest.raises(DiagramError, match=r"^diagram\(trace, trace=\.\.\.\): give a trace once$"):
        diagram(trace, trace)
    with pytest.raises(DiagramError, match=r"^the trace of network 'tutorial-forward' does not fit "
                       r"network 'tutorial-deep' \(layers \[\('hidden1', 2\), \('output', 1\)\]"):
        diagram(net, files.load("tutorial-forward").trace([40, 0]))
    with pytest.raises(NetworkError, match=r"no single neuron 'nope'"):
        diagram(net, view="ops", neuron="nope")


# -- Jupyter -----------------------------------------------------------------------------------------


@pytest.fixture
def no_system_dot(monkeypatch, tmp_path):
    """A PATH with no `dot` on it, as on a machine without the system Graphviz."""
    monkeypatch.setenv("PATH", str(tmp_path))


@needs_wasm
def test_jupyter_shows_network_and_trace_without_system_graphviz(no_system_dot):
    net, trace = traced("tutorial-deep")
    assert "node0_1" in svg_texts(net._repr_svg_().encode())
    assert "relu(-13) = 0" in svg_texts(trace._repr_svg_().encode())
    bundle = diagram(net, trace, view="ops")._repr_mimebundle_()
    assert "12 + (-25) = -13" in svg_texts(bundle["image/svg+xml"].encode())


# -- the command line ------------------------------------------------------------------------------


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@needs_wasm
def test_cli_render_without_system_graphviz(no_system_dot, tmp_path, capsys):
    path = tmp_path / "deep.svg"
    code, out, err = run(capsys, "render", "tutorial-deep", "--input", "3", "5", "-o", str(path))
    assert (code, err) == (0, "")
    assert re.fullmatch(rf"{re.escape(str(path))} \(\d+\.\d KiB, Graphviz engine 'wasm'\)\n", out)
    texts = svg_texts(path.read_bytes())
    assert {"3*2 + 5*4 = 26", "relu(-13) = 0", "0*2 + 26*7 = 182"} <= set(texts)


@pytest.mark.parametrize("argv, expected", [
    (["tutorial-deep", "--format", "dot"], lambda: diagram(*traced("tutorial-deep")).source),
    (["tutorial-deep", "--weights-only", "--format", "dot"],
     lambda: diagram(files.load("tutorial-deep")).source),
    (["tutorial-deep", "--input", "x0=1", "x1=2", "--format", "dot"],
     lambda: diagram(*traced("tutorial-deep", [1, 2])).source),
    (["tutorial-deep", "--neuron", "hidden1.node0_1", "--format", "dot"],
     lambda: diagram(*traced("tutorial-deep"), view="ops", neuron="hidden1.node0_1").source),
    (["tutorial-deep", "--view", "ops", "--layer", "output", "--format", "dot", "--digits", "2"],
     lambda: diagram(*traced("tutorial-deep"), view="ops", layer="output", digits=2).source),
    (["tutorial-forward", "--threshold", "4", "--format", "dot"],
     lambda: diagram(*traced("tutorial-forward"), threshold=4).source),
], ids=["trace", "weights-only", "input", "neuron", "layer", "threshold"])
def test_cli_render_dot_to_stdout(argv, expected, capsys):
    code, out, err = run(capsys, "render", *argv)
    assert (code, out, err) == (0, expected(), "")


@pytest.mark.parametrize("argv, message", [
    (["tutorial-deep", "--format", "png"], "--format png: give the file to write with -o FILE"),
    (["tutorial-deep", "--weights-only", "--input", "1", "2"],
     "give either --input or --weights-only, not both"),
    (["tutorial-deep", "--view", "network", "--layer", "output"],
     "neuron= and layer= choose what the ops view shows: use view='ops'"),
    (["tutorial-deep", "--neuron", "hidden9.x"], "no layer 'hidden9' in the trace (layers: hidden1, hidden2, output)"),
    (["tutorial-deep", "--threshold", "1"], "threshold: expected a whole number of at least 2, got 1"),
    (["tutorial-deep", "--engine", "gpu"], None),  # argparse's own words vary by Python version
    (["tutorial-deep", "-o", "/dev/null/deep.svg"], None),
], ids=["png-to-stdout", "weights-only-and-input", "layer-network-view", "no-layer", "threshold",
        "engine", "unwritable"])
def test_cli_render_bad_input_one_line_exit_2(argv, message, capsys):
    code, out, err = run(capsys, "render", *argv)
    assert (code, out) == (2, "")
    assert err.startswith("scalarnet: error: ") and err.count("\n") == 1
    if message is not None:
        assert err == f"scalarnet: error: {message}\n"


@needs_wasm
def test_cli_render_png_without_system_graphviz_rasterises(no_system_dot, tmp_path, capsys):
    pytest.importorskip("resvg_py", reason="needs resvg_py (pip install resvg_py)")
    code, out, err = run(capsys, "render", "tutorial-deep", "-o", str(tmp_path / "deep.png"))
    assert (code, err) == (0, "") and out.endswith("Graphviz engine 'wasm')\n")
    assert (tmp_path / "deep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_wasm
def test_cli_render_pdf_needs_system_graphviz(no_system_dot, tmp_path, capsys):
    code, out, err = run(capsys, "render", "tutorial-deep", "-o", str(tmp_path / "deep.pdf"))
    assert (code, out) == (2, "")
    assert err.startswith("scalarnet: error: format 'pdf' needs the system Graphviz ('dot' on PATH)")
    assert not (tmp_path / "deep.pdf").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_demo_writes_the_four_diagrams(engine, tmp_path, capsys):
    out_dir = tmp_path / "demo"
    code, out, err = run(capsys, "demo", "--out", str(out_dir), "--engine", engine)
    assert (code, err) == (0, "")
    names = ["tutorial-forward", "tutorial-tanh", "tutorial-relu", "tutorial-deep"]
    paths = [str(out_dir / f"{name}.svg") for name in names]
    assert out.endswith("Diagrams:\n" + "".join(p + "\n" for p in paths))
    for name, path in zip(names, paths):
        texts = svg_texts(open(path, "rb").read())
        assert [t for t in EXPECTED_TEXTS[name] if t not in texts] == []


@pytest.mark.system_graphviz
@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_cli_render_png_pdf_with_system_graphviz(fmt, magic, tmp_path, capsys):
    if shutil.which("dot") is None:
        pytest.skip("needs the system Graphviz 'dot' on PATH (apt-get install graphviz)")
    path = tmp_path / f"deep.{fmt}"
    code, out, _ = run(capsys, "render", "tutorial-deep", "-o", str(path))
    assert code == 0 and "Graphviz engine 'system'" in out
    assert path.read_bytes().startswith(magic)

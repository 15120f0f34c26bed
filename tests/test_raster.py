"""PNG with pip alone: the embedded Graphviz's SVG rasterised by resvg with the bundled font, no system dot or fonts."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zlib

import pytest

from scalarnet import files, rendering
from scalarnet.diagram import diagram

pytest.importorskip("resvg_py", reason="needs resvg_py (pip install resvg_py)")
pytestmark = pytest.mark.skipif(rendering._wasm_problem() is not None,
                                reason=f"needs the embedded Graphviz: {rendering._wasm_problem()}")

from scalarnet import raster  # noqa: E402


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def png_pixels(data: bytes) -> bytes:
    """The decompressed scanlines (filter bytes included): enough to compare two PNGs' content."""
    chunks, i = [], 8
    while i < len(data):
        (length,) = struct.unpack(">I", data[i:i + 4])
        kind = data[i + 4:i + 8]
        if kind == b"IDAT":
            chunks.append(data[i + 8:i + 8 + length])
        i += 12 + length
    return zlib.decompress(b"".join(chunks))


def deep_svg() -> bytes:
    deep = files.load("tutorial-deep")
    return rendering.render(diagram(deep, deep.trace([3, 5])), "svg", "wasm")


def test_png_without_system_dot_or_fonts_from_the_command_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    # no dot on PATH; fontconfig and the XDG folders pointed at an empty folder
    env = {"PATH": str(empty), "HOME": str(empty), "FONTCONFIG_PATH": str(empty),
           "FONTCONFIG_FILE": str(empty / "fonts.conf"), "XDG_DATA_HOME": str(empty),
           "XDG_DATA_DIRS": str(empty), "PYTHONPATH": os.pathsep.join(sys.path)}
    out = tmp_path / "deep.png"
    done = subprocess.run([sys.executable, "-m", "scalarnet", "render", "tutorial-deep", "-o", str(out)],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Graphviz engine 'wasm'" in done.stdout
    data = out.read_bytes()
    assert data == raster.svg_to_png(deep_svg())  # the same bytes as with every font installed
    width, height = png_size(data)
    points = re.search(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"', deep_svg()).groups()
    want = [float(p) * raster.SCALE for p in points]
    assert abs(width - want[0]) <= 1 and abs(height - want[1]) <= 1, ((width, height), want)


def test_png_has_its_text_drawn():
    svg = deep_svg()
    without_text = re.sub(rb"<text\b[^>]*>.*?</text>", b"", svg, flags=re.S)
    assert without_text.count(b"<text") == 0 and svg.count(b"<text") > 10
    assert png_pixels(raster.svg_to_png(svg)) != png_pixels(raster.svg_to_png(without_text))


def test_png_is_byte_deterministic():
    svg = deep_svg()
    assert raster.svg_to_png(svg) == raster.svg_to_png(svg)


def test_the_bundled_fonts_are_there_with_their_license():
    paths = raster.font_files()
    assert [os.path.basename(p) for p in paths] == ["DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"]
    assert all(os.path.getsize(p) > 100_000 for p in paths)
    license_text = open(os.path.join(os.path.dirname(paths[0]), "LICENSE-DejaVu.txt"), encoding="utf-8").read()
    assert "Bitstream" in license_text and "Permission is hereby granted" in license_text


def test_render_png_with_engine_wasm_rasterises(tmp_path):
    data = rendering.render("digraph { a -> b }", "png", "wasm")
    assert png_size(data)[0] > 0

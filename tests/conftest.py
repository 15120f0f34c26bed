"""Fixtures shared by the test files; the compiled-Graphviz cache lives in a folder of the test session's own."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium driven by Playwright (the Debian one: Playwright's own is not needed)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        pytest.skip(f"Playwright for Python is not installed ({e}; pip install playwright, "
                    "its own browsers are not needed)")
    chromium = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if chromium is None:
        pytest.skip(f"no Chromium at {CHROMIUM} or on PATH (Debian: apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory):
    # Never the user's ~/.cache: tests (and the CLI processes they start) share one
    # session folder, so the embedded Graphviz compiles at most once per test run.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCALARNET_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        # Child processes (`python -m scalarnet` run in a temporary folder) import this
        # checkout, the code under test, whether or not scalarnet is installed.
        patch.setenv("PYTHONPATH", os.pathsep.join(
            p for p in [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH")] if p))
        yield

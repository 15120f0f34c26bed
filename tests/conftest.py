"""Shared test set-up: the compiled-Graphviz cache lives in a folder of the test session's own."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory):
    # Never the user's ~/.cache: tests (and the CLI processes they start) share one
    # session folder, so the embedded Graphviz compiles at most once per test run.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCALARNET_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield

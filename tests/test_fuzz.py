"""Fuzzing the contract: mutated network files and random command lines.

The API raises only ScalarnetError; the command line exits 0, 1 or 2, prints at most
one line on stderr and never a traceback, and changes no file when it fails. Runs
in-process (`cli.main` with capsys) with a fixed seed so that CI sees the same cases;
a failure prints the example to reproduce it. `demo` and `gallery` are left out (each
draws many pictures: seconds per call); their writes are tested in test_cli_outputs.py.
"""

import copy
import io
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scalarnet
from scalarnet import files
from scalarnet.cli import main
from scalarnet.errors import ScalarnetError
from test_outputs import snapshot

EXAMPLES = {name: json.loads(files.dumps(files.load(name))) for name in files.examples()}

HOSTILE_JSON = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**400, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e308, -1e308, 5e-324, 10**20]),
    st.text(max_size=8), st.sampled_from(["\x1b]0;t\x07", "a\u2028b", "\ufffe", "\ud800", "", "relu",
                                          "softmax", "leaky_relu", "scalarnet.network/1"]),
    st.lists(st.integers(-3, 3), max_size=4), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def paths(data, prefix=()):
    """Every place in parsed JSON, as a tuple of keys and indexes."""
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from paths(v, prefix + (i,))


@st.composite
def mutated_networks(draw):
    data = copy.deepcopy(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in paths(data) if p]
        place = draw(st.sampled_from(places))
        parent = data
        for key in place[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            parent[place[-1]] = draw(HOSTILE_JSON)
        elif action == "delete":
            del parent[place[-1]]
        elif isinstance(parent, list):
            parent.insert(place[-1], copy.deepcopy(parent[place[-1]]))
        else:
            parent[draw(st.text(max_size=4))] = draw(HOSTILE_JSON)
    text = json.dumps(data)
    cut = draw(st.one_of(st.none(), st.integers(0, len(text))))
    if cut is not None:  # also plain text damage: a truncated or garbled file
        text = text[:cut] + draw(st.sampled_from(["", "]", "}", ",", "\x00", "\\", '"', "1e999", "-"]))
    return text


FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(mutated_networks())
def test_loader_raises_only_scalarnet_errors(text):
    try:
        net = scalarnet.loads(text)
        if net.example_input is not None:
            trace = net.trace(net.example_input)
            trace.text()
            net.forward([0] * len(net.inputs))
    except ScalarnetError:
        pass


# -- the command line -------------------------------------------------------------------------------

VALUES = ["", "-", "--", "0", "-1", "3", "1/3", "1/0", "nan", "-inf", "1e400", "9" * 5000, "3,5",
          "x0=3", "x0=", "=5", "\x1b[31m", "a\u2028b", "\ufffe", "a" * 300, "/dev/null", "net.json",
          "rows.csv", "acts.npz", "folder", "out.svg", "out", "out.png", "folder/out.svg", "..",
          "tutorial-deep", "iris-mlp", "hidden1.node0_0", "node0_9", "relu", "rleu", "op", "neuron"]

COMMANDS = {
    "run": ["--input", "--inputs", "--activation", "--json", "--digits"],
    "explain": ["--input", "--activation", "--digits"],
    "compare": ["--input", "--inputs", "--against", "--rtol", "--atol", "--digits"],
    "gradients": ["--input", "--target", "--loss", "--json", "--digits"],
    "render": ["--input", "--weights-only", "--view", "--neuron", "--layer", "-o", "--format",
               "--engine", "--target", "--loss", "--threshold", "--digits"],
    "step": ["--input", "--granularity", "--break", "--stop-on", "--bound", "--digits", "--frames",
             "--html", "--engine", "--max-steps"],
    "examples": [],
}
FLAGS = {"--json", "--weights-only"}
CHOICES = {"--engine": ["auto", "system", "wasm", "gif"], "--format": ["svg", "dot", "png", "jpg"],
           "--view": ["network", "ops", "x"], "--loss": ["mse", "cross_entropy", "binary_cross_entropy"],
           "--granularity": ["op", "neuron", "layer", "x"],
           "--stop-on": ["nan", "dead-relu", "magnitude", "x"]}


@st.composite
def command_lines(draw):
    command = draw(st.sampled_from(sorted(COMMANDS)))
    argv = [command]
    if command != "examples":
        argv.append(draw(st.sampled_from(["tutorial-deep", "tutorial-forward", "iris-mlp", "net.json",
                                          "broken.json", "nope", "folder", "/dev/zero"])))
    options = draw(st.lists(st.sampled_from(COMMANDS[command]), max_size=4)) if COMMANDS[command] else []
    for option in options:
        argv.append(option)
        if option in FLAGS:
            continue
        pool = CHOICES.get(option, VALUES)
        count = draw(st.integers(1, 3)) if option in ("--input", "--target") else 1
        argv += [draw(st.sampled_from(pool)) for _ in range(count)]
    if draw(st.booleans()):
        argv.insert(draw(st.integers(0, len(argv))), draw(st.sampled_from(VALUES + ["--bogus", "-h"])))
    return argv


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    scalarnet.save(scalarnet.load("tutorial-deep"), folder / "net.json")
    (folder / "broken.json").write_text('{"format": "scalarnet.network/1", "layers": [')
    (folder / "rows.csv").write_text("x0,x1\n3,5\n1,2\n")
    (folder / "folder").mkdir()
    (folder / "out.svg").write_text("<svg>earlier</svg>")
    import numpy as np
    net = scalarnet.load("tutorial-deep")
    t = net.trace([3, 5])
    np.savez(folder / "acts.npz", **{layer.name: np.array([layer.a], dtype=float) for layer in t.layers})
    return folder


@settings(max_examples=250, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_cli_contract(workspace, capsys, monkeypatch, argv):
    monkeypatch.chdir(workspace)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\nc\n"))
    monkeypatch.setenv("SCALARNET_MAX_FILE_MB", "1")  # /dev/zero: refused after 1 MiB, not 64
    before = snapshot(workspace)
    try:
        code = main(argv)
    except SystemExit as e:  # -h prints the help and exits 0, as argparse does
        code = e.code
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (argv, code)
    assert "Traceback" not in err, (argv, err)
    assert err.count("\n") <= 1, (argv, err)
    if code == 2:
        assert err.startswith("scalarnet: error: "), (argv, err)
        assert snapshot(workspace) == before, argv
    else:  # a success may write: put the workspace back for the next example
        for name in set(snapshot(workspace)) - set(before):
            path = workspace / name
            if path.is_file():
                path.unlink()
        for name in sorted(set(snapshot(workspace)) - set(before), reverse=True):
            if (workspace / name).is_dir():
                os.rmdir(workspace / name)
        for name, data in before.items():
            if data is not None and (workspace / name).read_bytes() != data:
                (workspace / name).write_bytes(data)

"""The command line: run, explain, examples; JSON output against an independent computation; bad input."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalarnet.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_examples_one_line_each(capsys):
    code, out, _ = run(capsys, "examples")
    lines = out.splitlines()
    assert code == 0
    assert [line.split()[0] for line in lines if line.startswith("tutorial-")] == [
        "tutorial-deep", "tutorial-forward", "tutorial-relu", "tutorial-tanh"]
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)


def test_run_by_name_equals_by_position(capsys):
    by_name = run(capsys, "run", "tutorial-forward", "--input", "retired=0", "age=40", "--json")
    by_position = run(capsys, "run", "tutorial-forward", "--input", "40", "0", "--json")
    assert by_name == by_position
    assert json.loads(by_name[1]) == {
        "inputs": {"age": 40, "retired": 0},
        "layers": [{"name": "hidden1", "z": [40, 40], "a": [40, 40]},
                   {"name": "output", "z": [0], "a": [0]}],
        "output": [0]}


def test_run_default_is_the_example_input(capsys):
    assert run(capsys, "run", "tutorial-deep")[1].endswith("output: [182]\n")


def test_run_inputs_csv(tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("x1,x0\n5,3\n0,0\n\n1.5,1\n")
    code, out, _ = run(capsys, "run", "tutorial-deep", "--inputs", str(rows))
    assert code == 0
    assert out.splitlines() == ["x0=3 x1=5 -> [182]", "x0=0 x1=0 -> [0]", "x0=1 x1=1.5 -> [56.0]"]
    code, out, _ = run(capsys, "run", "tutorial-deep", "--inputs", str(rows), "--json")
    assert [r["output"] for r in json.loads(out)] == [[182], [0], [56.0]]


@pytest.mark.parametrize("content", [
    b"x1,x0\n5,3\n",
    b"\xef\xbb\xbfx1,x0\n5,3\n",
    b"x1,x0\r\n5,3\r\n\r\n",
    b"x1 , x0\n 5 , 3 \n",
    b'"x1","x0"\n"5","3"\n',
], ids=["plain", "bom", "crlf", "spaces", "quoted"])
def test_run_inputs_csv_dialects(content, tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_bytes(content)
    assert run(capsys, "run", "tutorial-deep", "--inputs", str(rows)) == (0, "x0=3 x1=5 -> [182]\n", "")


def test_explain_digits(capsys):
    code, out, _ = run(capsys, "explain", "tutorial-tanh", "--input", "0.5", "0.25", "--digits", "3")
    assert code == 0
    assert "  node0: 0.5*1 + 0.25*1 = 0.75 -> tanh(0.75) = 0.635\n" in out


def test_python_dash_m_works():
    result = subprocess.run([sys.executable, "-m", "scalarnet", "run", "tutorial-deep", "--input", "3", "5"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.endswith("output: [182]\n")


# -- run --json against an independent computation ------------------------------------------

def independent_forward(data, x):
    """The forward pass straight from the file's JSON, with numpy matrices: no scalarnet code."""
    funcs = {"identity": lambda z: z, "relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
             "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
             "leaky_relu": lambda z, s=0.01: np.where(z > 0, z, s * z)}
    a = np.array(x, dtype=float)
    for layer in data["layers"]:
        w = np.array([n["weights"] for n in layer["neurons"]], dtype=float)  # (out, in)
        b = np.array([n.get("bias", 0) for n in layer["neurons"]], dtype=float)
        a = funcs[layer["activation"]](w @ a + b)  # (out, in) @ (in,) -> (out,)
    return a


@st.composite
def network_files(draw):
    widths = draw(st.lists(st.integers(1, 6), min_size=2, max_size=5))
    numbers = st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3))
    layers = []
    for k, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
        act = draw(st.sampled_from(["identity", "relu", "tanh", "sigmoid", "leaky_relu"]))
        layers.append({"name": f"L{k}", "activation": act, "neurons": [
            {"name": f"n{j}", "weights": draw(st.lists(numbers, min_size=n_in, max_size=n_in)),
             "bias": draw(numbers)} for j in range(n_out)]})
    x = draw(st.lists(numbers, min_size=widths[0], max_size=widths[0]))
    return {"format": "scalarnet.network/1", "name": "random", "layers": layers}, x


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=network_files())
def test_run_json_agrees_with_independent_computation(case, tmp_path_factory, capsys):
    data, x = case
    path = tmp_path_factory.mktemp("net") / "net.json"
    path.write_text(json.dumps(data))
    code, out, err = run(capsys, "run", str(path), "--input", *map(repr, x), "--json")
    assert code == 0, err
    got = json.loads(out)["output"]
    expected = independent_forward(data, x)
    assert got == pytest.approx(list(expected), rel=1e-9, abs=1e-12), f"widths/x: {x}"


# -- bad input: one line on stderr, exit 2 ------------------------------------------------

BAD = [
    ("no-such-net", ["run", "nope"], "no file or bundled example named 'nope'"),
    ("too-few", ["run", "tutorial-deep", "--input", "3"],
     "network 'tutorial-deep': 1 input value but the network has 2 inputs (x0, x1)"),
    ("not-number", ["run", "tutorial-deep", "--input", "3", "five"], "--input: 'five' is not a number"),
    ("missing-name", ["run", "tutorial-forward", "--input", "age=40"],
     "input 'retired' is missing (expected: age, retired)"),
    ("unknown-name", ["run", "tutorial-forward", "--input", "age=40", "retird=0"],
     "unknown input 'retird' (expected: age, retired)"),
    ("mixed", ["run", "tutorial-forward", "--input", "age=40", "0"], "--input: give every value by position"),
    ("twice", ["run", "tutorial-forward", "--input", "age=40", "age=41"], "--input: 'age' is given twice"),
    ("bad-activation", ["run", "tutorial-deep", "--activation", "rleu"], "unknown activation 'rleu'"),
    ("unknown-command", ["bogus"], "argument COMMAND: invalid choice: 'bogus'"),
    ("input-and-inputs", ["run", "tutorial-deep", "--input", "1", "2", "--inputs", "x.csv"],
     "give either --input or --inputs, not both"),
    ("zero-digits", ["explain", "tutorial-deep", "--digits", "0"],
     "argument --digits: expected a whole number from 1 to 17, got '0'"),
    ("huge-digits", ["explain", "tutorial-tanh", "--digits", "99999999999999999999"],
     "argument --digits: expected a whole number from 1 to 17, got '99999999999999999999'"),
    ("superscript-digits", ["explain", "tutorial-tanh", "--digits", "\u00b3"],
     "argument --digits: expected a whole number from 1 to 17, got '\u00b3'"),
    ("missing-csv", ["run", "tutorial-deep", "--inputs", "/nonexistent/rows.csv"],
     "--inputs: cannot read '/nonexistent/rows.csv'"),
]


@pytest.mark.parametrize("argv, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_cli_bad_input_one_line_exit_2(argv, message, capsys):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("scalarnet: error: " + message)
    assert err.count("\n") == 1


@pytest.mark.parametrize("content, message", [
    (b"x0,x1\n3\n", "rows.csv, line 2: 1 value but the header has 2 columns"),
    (b"x0,x1\n3,abc\n", "rows.csv, line 2, column 'x1': 'abc' is not a number"),
    (b"x0,y\n3,4\n", "rows.csv, line 1: unknown input 'y' (expected: x0, x1)"),
    (b"x0\n3\n", "rows.csv, line 1: input 'x1' is missing (expected: x0, x1)"),
    (b"x0,x1,x0\n3,5,4\n", "rows.csv, line 1: column 'x0' is given twice"),
    (b"x0,x1,\n3,5,\n", "rows.csv, line 1: unknown input '' (expected: x0, x1)"),
    (b"x0;x1\n3;5\n", "rows.csv, line 1: unknown input 'x0;x1' (expected: x0, x1)"),
    (b"x0,x1\n3,\xff\n", "rows.csv: not UTF-8 text (invalid start byte)"),
    (b"x0,x1\n3,%s\n" % (b"5" * 200_000), "rows.csv, line 2: field larger than field limit (131072)"),
    (b"", "rows.csv: empty file (expected a header naming the inputs: x0, x1)"),
    (b"x0,x1\n", "rows.csv: no rows after the header"),
], ids=["short-row", "not-number", "wrong-header", "missing-column", "column-twice", "trailing-comma",
        "semicolons", "not-utf8", "huge-field", "empty", "header-only"])
def test_cli_bad_csv(content, message, tmp_path, capsys):
    path = tmp_path / "rows.csv"
    path.write_bytes(content)
    code, out, err = run(capsys, "run", "tutorial-deep", "--inputs", str(path))
    assert (code, out) == (2, "")
    assert err == "scalarnet: error: " + message.replace("rows.csv", str(path)) + "\n"


def test_cli_bad_json_file_no_traceback(tmp_path):
    path = tmp_path / "net.json"
    path.write_text('{"format": "scalarnet.network/1",\n "layers": [}')
    result = subprocess.run([sys.executable, "-m", "scalarnet", "run", str(path), "--input", "1"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == f"scalarnet: error: {path}: line 2, column 13: invalid JSON: Expecting value\n"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("flags, code, last_lines, err", [
    ([], 0, ["output: [1000...0000 (5001 digits)]"], ""),
    (["--json"], 2, [], "scalarnet: error: --json: an int of more than 4300 digits cannot be written "
                        "as JSON (without --json its first and last digits and its length are printed)\n"),
], ids=["text", "json"])
def test_run_ints_longer_than_str_writes(flags, code, last_lines, err, tmp_path, capsys):
    path = tmp_path / "big.json"
    path.write_text('{"output": [1%s]}' % ("0" * 2500))
    got_code, out, got_err = run(capsys, "run", str(path), "--input", "1" + "0" * 2500, *flags)
    assert (got_code, out.splitlines()[-1:], got_err) == (code, last_lines, err)


def test_cli_nan_input_is_computed(capsys):
    code, out, _ = run(capsys, "explain", "tutorial-deep", "--input", "nan", "5")
    assert code == 0
    assert "x0 = nan (non-finite)" in out
    assert "node0_0: nan*2 + 5*4 = nan -> relu(nan) = nan  <- first non-finite value" in out
    assert math.isnan(float(out.splitlines()[-1][len("output: ["):-1]))


# -- render --target: the ops view with gradients --------------------------------------------

def svg_texts(path):
    import xml.etree.ElementTree as ET
    return [t.text for t in ET.parse(path).iter("{http://www.w3.org/2000/svg}text")]


def test_render_target_draws_gradients(tmp_path, capsys):
    from scalarnet.rendering import available_engines

    engines = available_engines()
    if not engines:
        pytest.skip("no Graphviz here: neither a system 'dot' nor the embedded one (Python 3.11+)")
    out = tmp_path / "g.svg"
    code, _, err = run(capsys, "render", "tutorial-deep", "--target", "180",
                       "--neuron", "hidden1.node0_1", "--engine", engines[0], "-o", str(out))
    assert code == 0, err
    texts = svg_texts(out)
    # node0_1 is a dead ReLU (z = -13): dL/da = 2*0 + 2*14 = 28 reaches it, 0 passes on
    assert "loss: mse = 1/2*(182 - 180)^2 = 2" in texts
    assert "relu(-13) = 0" in texts and "grad 28" in texts
    assert "dL/dw = 5*0 = 0" in texts


@pytest.mark.parametrize("argv, message", [
    (["--target", "1", "2"], "network 'tutorial-deep': 2 target values but the output layer"),
    (["--target", "1", "--weights-only"], "--target draws gradients, which need the values"),
    (["--target", "1", "--view", "network"], "--target draws gradients in the ops view"),
    (["--target", "x"], "--target: 'x' is not a number"),
], ids=["target-count", "weights-only", "network-view", "not-number"])
def test_render_target_bad_input(argv, message, tmp_path, capsys):
    code, _, err = run(capsys, "render", "tutorial-deep", *argv, "-o", str(tmp_path / "x.svg"))
    assert code == 2
    assert err.startswith("scalarnet: error: " + message)
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize("argv, message", [
    (["-o", "deep.jpeg"], "-o deep.jpeg: unknown image format 'jpeg' (known: svg, png, pdf, dot)"),
    (["--format", "png"], "--format png: give the file to write with -o FILE"),
], ids=["unknown-suffix", "png-to-stdout"])
def test_render_output_format_errors(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "render", "tutorial-deep", *argv)
    assert (code, out) == (2, "")
    assert err.startswith("scalarnet: error: " + message)
    assert list(tmp_path.iterdir()) == []


def test_lone_surrogate_name_prints_escaped(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text('{"format": "scalarnet.network/1", "layers": [{"name": "out", '
                    '"neurons": [{"name": "n\\ud800", "weights": [2]}]}]}')
    result = subprocess.run([sys.executable, "-m", "scalarnet", "explain", str(path), "--input", "3"],
                            capture_output=True)
    assert result.returncode == 0, result.stderr
    assert b"  n\\ud800: 3*2 = 6\n" in result.stdout

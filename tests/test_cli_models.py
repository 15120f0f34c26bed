"""The command line on model files: .onnx, .keras and .h5 wherever a network file goes, and `scalarnet convert`."""

from __future__ import annotations

import json
import os
import sys

import pytest

from scalarnet import files
from scalarnet.cli import main

onnx = pytest.importorskip("onnx", reason="needs onnx (pip install onnx)")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_convert_json_to_onnx_and_back_keeps_the_network(tmp_path, capsys):
    onnx_path, json_path = tmp_path / "deep.onnx", tmp_path / "deep.json"
    code, out, _ = run(capsys, "convert", "tutorial-deep", str(onnx_path))
    assert code == 0 and out.startswith(f"{onnx_path}: tutorial-deep (2-2-2-1), ")
    assert run(capsys, "convert", str(onnx_path), str(json_path))[0] == 0
    back = files.load(str(json_path))
    deep = files.load("tutorial-deep")
    assert back == deep  # the same weights: 2.0 == 2
    assert json.loads(json_path.read_text())["layers"][0]["neurons"][0]["weights"] == [2.0, 4.0]  # ints became floats


@pytest.mark.parametrize("command", [["run"], ["explain"], ["compare"], ["step", "--frames", "F"],
                                     ["render", "--format", "dot"], ["gradients", "--target", "1"]],
                         ids=lambda c: c[0])
def test_every_network_command_takes_an_onnx_file(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "convert", "tutorial-deep", "deep.onnx")[0] == 0
    code, out, err = run(capsys, command[0], "deep.onnx", "--input", "x0=3", "x1=5", *command[1:])
    assert (code, err) == (0, "")
    if command[0] == "explain":
        assert "node0_1: 3*4.0 + 5*(-5.0) = -13.0 -> relu(-13.0) = 0.0" in out
        assert out.endswith("output: [182.0]\n")


def test_explain_reads_a_keras_file(tmp_path, capsys):
    pytest.importorskip("h5py", reason="needs h5py (pip install h5py)")
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras", reason="needs keras with torch (pip install keras torch)")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,), name="xy"), keras.layers.Dense(2, activation="relu", name="hidden"),
                              keras.layers.Dense(1, name="out")])
    for suffix in (".keras", ".h5"):
        path = tmp_path / f"m{suffix}"
        model.save(str(path))
        code, out, err = run(capsys, "explain", str(path), "--input", "xy_0=1", "xy_1=2")
        assert (code, err) == (0, "")
        want = model.predict(__import__("numpy").array([[1.0, 2.0]], dtype="float32"), verbose=0)[0, 0]
        got = float(out.strip().splitlines()[-1].removeprefix("output: [").removesuffix("]"))
        assert abs(got - want) < 1e-5 and "hidden (relu):" in out


@pytest.mark.parametrize("content, suffix, match", [
    (b'{"format": "scalarnet.network/1"}', ".onnx", r"x.onnx: not an ONNX model"),
    (b"hello", ".keras", r"x.keras: not a Keras model"),
    (b"hello", ".h5", r"x.h5: not a Keras model"),
], ids=["json-named-onnx", "text-named-keras", "text-named-h5"])
def test_a_file_that_is_no_model_is_one_line_and_exit_2(tmp_path, capsys, content, suffix, match):
    path = tmp_path / f"x{suffix}"
    path.write_bytes(content)
    code, out, err = run(capsys, "run", str(path), "--input", "1")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("scalarnet: error: ")
    assert __import__("re").search(match, err)


@pytest.mark.parametrize("package, suffix, message", [
    ("onnx", ".onnx", "reading or writing ONNX needs the onnx package: pip install onnx (or scalarnet[onnx])"),
    ("h5py", ".keras", "reading a Keras file needs h5py: pip install h5py (or scalarnet[keras])"),
], ids=["onnx", "h5py"])
def test_a_missing_extra_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, package, suffix, message):
    path = tmp_path / f"m{suffix}"
    path.write_bytes(b"anything")
    monkeypatch.setitem(sys.modules, package, None)  # import now raises ImportError
    code, out, err = run(capsys, "explain", str(path), "--input", "1")
    assert (code, out, err) == (2, "", f"scalarnet: error: {message}\n")


def test_convert_refuses_an_output_it_cannot_write(tmp_path, capsys):
    code, out, err = run(capsys, "convert", "tutorial-deep", str(tmp_path / "deep.h5"))
    assert code == 2 and not (tmp_path / "deep.h5").exists()
    assert err == f"scalarnet: error: OUT {str(tmp_path / 'deep.h5')!r}: convert writes .json or .onnx files, not '.h5'\n"


def test_convert_leaves_the_old_file_when_the_input_is_bad(tmp_path, capsys):
    out_path = tmp_path / "keep.onnx"
    out_path.write_bytes(b"old")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert run(capsys, "convert", str(bad), str(out_path))[0] == 2
    assert out_path.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["bad.json", "keep.onnx"]

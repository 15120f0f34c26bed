"""The train and diff commands, and render --diff / --sgd-step: what a user sees and what is written."""

import os
import signal
import subprocess
import sys
import time

import pytest

import scalarnet
from scalarnet import Network, save
from scalarnet.cli import main
from scalarnet.cli_train import PLOT_MISSING

XOR = ["train", "xor", "--data", "xor", "--target", "y", "--loss", "binary_cross_entropy",
       "--lr", "0.5", "--epochs", "300"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_xor_by_name_learns_xor(tmp_path, capsys):
    out_file = tmp_path / "xor.json"
    code, out, err = run(capsys, *XOR, "--shuffle", "--seed", "3", "-o", out_file)
    assert code == 0, err
    assert out.startswith(f"{out_file}: loss 0.737") and out.endswith("after 300 epochs\n")
    net = scalarnet.load(out_file)
    for x, y in (([0, 0], 0), ([0, 1], 1), ([1, 0], 1), ([1, 1], 0)):
        assert abs(net.forward(x)[0] - y) < 0.1, (x, net.forward(x))
    # stderr is no terminal here: epoch lines, at most one a second, the first and the last
    lines = err.splitlines()
    assert lines[0] == "epoch 0/300: loss 0.7371" and lines[-1].startswith("epoch 300/300: loss 0.00")


def test_train_quiet_prints_nothing_on_stderr(tmp_path, capsys):
    code, _, err = run(capsys, *XOR, "--epochs", "3", "--quiet", "-o", tmp_path / "x.json")
    assert (code, err) == (0, "")


def test_train_progress_bar_on_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, err = run(capsys, *XOR, "--epochs", "5", "-o", tmp_path / "x.json")
    assert code == 0
    assert "training: 100%" in err and "5/5" in err and "loss 0." in err and "epoch 0/" not in err


def test_train_history_csv(tmp_path, capsys):
    code, _, _ = run(capsys, "train", "loan", "--data", "loan", "--target", "approved", "--loss",
                     "binary_cross_entropy", "--lr", "0.001", "--epochs", "3", "--batch-size", "10",
                     "-o", tmp_path / "loan.json", "--history", tmp_path / "h.csv", "--quiet")
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert code == 0 and len(lines) == 5
    assert lines[0] == "epoch,loss,hidden1_dead_relus,hidden1_grad_norm,output_grad_norm,warnings"
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1", "2", "3"]
    assert lines[1].startswith("0,0.8035") and lines[1].split(",")[2] == "2"


def test_train_plot_is_deterministic_svg(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="needs matplotlib (pip install matplotlib)")
    svgs = []
    for name in ("a", "b"):
        code, _, _ = run(capsys, *XOR, "--epochs", "5", "--quiet", "-o", tmp_path / f"{name}.json",
                         "--plot", tmp_path / f"{name}.svg")
        assert code == 0
        svgs.append((tmp_path / f"{name}.svg").read_bytes())
    assert svgs[0] == svgs[1] and b"<svg" in svgs[0] and b"<dc:date>" not in svgs[0]


def test_train_plot_without_matplotlib_stops_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    code, out, err = run(capsys, *XOR, "-o", tmp_path / "x.json", "--plot", tmp_path / "x.svg")
    assert (code, out, err) == (2, "", f"scalarnet: error: {PLOT_MISSING}\n")
    assert os.listdir(tmp_path) == []


def _data(tmp_path, text):
    path = tmp_path / "rows.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize("csv_text, options, message", [
    ("x0,x1,y,z\n0,0,0,1\n", [], "rows.csv, line 1: unknown column 'z' (expected the inputs (x0, x1) "
                                  "and the targets (y))"),
    ("x0,y\n0,0\n", [], "rows.csv, line 1: no column 'x1'"),
    ("x0,x1,y\n0,abc,0\n", [], "rows.csv, line 2, column 'x1': 'abc' is not a number"),
    ("x0,x1,y\n", [], "rows.csv: no rows after the header"),
    ("x0,x1,y\n0,0,0\n", ["--lr", "0"], "--lr: expected a positive number, got '0'"),
    ("x0,x1,y\n0,0,0\n", ["--lr", "-1"], "--lr: expected a positive number, got '-1'"),
    ("x0,x1,y\n0,0,0\n", ["--lr", "fast"], "--lr: 'fast' is not a number"),
    ("x0,x1,y\n0,0,0\n", ["--lr", "inf"], "--lr: expected a positive number, got 'inf'"),
    ("x0,x1,y\n0,0,0\n", ["--epochs", "0"], "--epochs: expected a whole number of at least 1, got '0'"),
    ("x0,x1,y\n0,0,0\n", ["--batch-size", "2.5"], "--batch-size: expected a whole number of at least 1"),
    ("x0,x1,y\n0,0,0\n", ["--seed", "1"], "--seed is the seed of --shuffle: give --shuffle too"),
    ("x0,x1,y\n0,0,0\n", ["--loss", "cross_entropy"], "error: loss 'cross_entropy' is for a softmax "
                                                      "output layer, but layer 'output' has sigmoid"),
    ("x0,x1,y\n\n0,0,2\n", ["--loss", "binary_cross_entropy"], "rows.csv, line 3: loss 'binary_cross_entropy': "
                                                             "target 'output' must be from 0 to 1, got 2"),
], ids=["unknown-column", "missing-input", "not-a-number", "no-rows", "lr-0", "lr-negative", "lr-word",
        "lr-inf", "epochs-0", "batch-float", "seed-without-shuffle", "loss-activation", "bce-target"])
def test_train_bad_input_one_line_nothing_written(tmp_path, capsys, csv_text, options, message):
    data = _data(tmp_path, csv_text)
    code, out, err = run(capsys, "train", "xor", "--data", data, "--target", "y", *options,
                         "-o", tmp_path / "out.json", "--history", tmp_path / "h.csv")
    assert code == 2 and out == ""
    assert err.startswith("scalarnet: error: ") and message in err and err.count("\n") == 1, err
    assert sorted(os.listdir(tmp_path)) == ["rows.csv"]


def test_train_target_that_is_an_input(tmp_path, capsys):
    code, _, err = run(capsys, "train", "xor", "--data", "xor", "--target", "x0", "-o", tmp_path / "o.json")
    assert code == 2 and err == "scalarnet: error: --target: 'x0' is an input of network 'xor', not a target\n"


def test_train_exploding_keeps_the_last_finite_weights(tmp_path, capsys):
    net_file = tmp_path / "line.json"
    save(Network.from_matrices([[[1.0]]], name="line"), net_file)
    data = _data(tmp_path, "x0,t\n1,2\n3,-4\n")
    code, _, err = run(capsys, "train", net_file, "--data", data, "--target", "t", "--lr", "5",
                       "--epochs", "1000", "-o", tmp_path / "out.json", "--history", tmp_path / "h.csv")
    rows = (tmp_path / "h.csv").read_text().splitlines()
    last = len(rows) - 2  # the epoch whose loss is not finite
    assert code == 1
    assert f"scalarnet: warning: epoch {last}: exploding: the loss is" in err
    assert err.endswith(f"the loss became non-finite in epoch {last}: wrote {tmp_path / 'out.json'} "
                        f"with the weights of epoch {last - 1}\n")
    again = Network.from_matrices([[[1.0]]], name="line")
    scalarnet.train(again, [[1], [3]], [[2], [-4]], lr=5, epochs=last - 1)
    assert scalarnet.load(tmp_path / "out.json") == again


def test_train_output_that_cannot_be_written_is_refused_before_training(tmp_path, capsys):
    target = tmp_path / "taken"
    target.mkdir()
    code, _, err = run(capsys, *XOR, "--epochs", "1", "-o", target)
    assert (code, err) == (2, f"scalarnet: error: -o: cannot write '{target}' (a folder)\n")
    assert os.listdir(tmp_path) == ["taken"] and os.listdir(target) == []


def test_write_atomic_leaves_the_old_file_and_no_temporary_one(tmp_path, monkeypatch):
    from scalarnet.cli import CLIError
    from scalarnet.cli_train import write_atomic

    path = tmp_path / "net.json"
    path.write_text("old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(CLIError, match="^-o: cannot write .* \\(No space left on device\\)$"):
        write_atomic(str(path), b"new", "-o")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["net.json"]


def test_train_makes_missing_folders(tmp_path, capsys):
    code, _, _ = run(capsys, *XOR, "--epochs", "1", "--quiet", "-o", tmp_path / "a" / "b" / "x.json")
    assert code == 0 and scalarnet.load(tmp_path / "a" / "b" / "x.json").name == "xor"


def test_train_ctrl_c_writes_the_last_completed_epoch(tmp_path):
    out_file = tmp_path / "loan.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "scalarnet", "train", "loan", "--data", "loan", "--target", "approved",
         "--loss", "binary_cross_entropy", "--lr", "0.001", "--epochs", "100000", "-o", str(out_file),
         "--history", str(tmp_path / "h.csv")],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    first = proc.stderr.readline()  # "epoch 0/100000: ...": training has begun
    assert first.startswith("epoch 0/100000"), first
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    message = err.splitlines()[-1]
    assert message.startswith(f"scalarnet: interrupted: wrote {out_file}, the network after epoch ")
    epoch = int(message.rsplit(" ", 1)[1])
    rows = (tmp_path / "h.csv").read_text().splitlines()
    assert rows[-1].startswith(f"{epoch},") and len(rows) == epoch + 2
    assert scalarnet.load(out_file).name == "loan" and out == ""


# -- what changed ---------------------------------------------------------------------------------


def test_diff_lists_changes_largest_first(tmp_path, capsys):
    old = Network.from_matrices([[[1, 2]], [[3]]], [[0], [1]], name="n")
    new = Network.from_matrices([[[1, 2.5]], [[0]]], [[0], [1.25]], name="n")
    save(old, tmp_path / "old.json")
    save(new, tmp_path / "new.json")
    code, out, _ = run(capsys, "diff", tmp_path / "old.json", tmp_path / "new.json")
    assert code == 0
    assert out == ("output.output w[node0_0]: 3 -> 0 (-3)\n"
                   "hidden1.node0_0 w[x1]: 2 -> 2.5 (+0.5)\n"
                   "output.output bias: 1 -> 1.25 (+0.25)\n"
                   "3 of 5 parameters changed\n")


def test_diff_of_two_different_networks_is_an_error(capsys):
    code, _, err = run(capsys, "diff", "xor", "loan")
    assert code == 2 and err.startswith("scalarnet: error: network 'loan' is not network 'xor' with other weights")


def test_render_diff_draws_old_and_new(tmp_path, capsys):
    run(capsys, *XOR, "--epochs", "2", "--quiet", "-o", tmp_path / "x.json")
    code, out, _ = run(capsys, "render", tmp_path / "x.json", "--diff", "xor", "--format", "dot")
    assert code == 0
    old, new = scalarnet.load("xor"), scalarnet.load(tmp_path / "x.json")
    w_old, w_new = old.layers[0].neurons[0].weights[0], new.layers[0].neurons[0].weights[0]
    assert f'label="{w_old} → {w_new:.4g}"' in out
    assert "what changed, old → new" in out and "17 of 17 weights and biases changed" in out
    assert "xor (2-4-1): what changed" in out  # the widths once: 2 inputs, 4 hidden, 1 output
    from scalarnet.diagram import diagram
    from scalarnet.diagram_diff import diff_diagram
    assert diagram(new, diff=old).source == diff_diagram(old, new).source


def test_render_sgd_step_shows_before_gradient_after(capsys):
    code, out, _ = run(capsys, "render", "tutorial-deep", "--target", "180", "--sgd-step", "0.01",
                       "--format", "dot")
    assert code == 0
    # hidden2.node1_1's weight from node0_0: 1 - 0.01 * 364 (the gradient `scalarnet gradients` shows)
    assert 'label="1 - 0.01*364 = -2.64"' in out and "loss: mse = 1/2*(182 - 180)^2 = 2" in out
    assert "tutorial-deep (2-2-2-1): one gradient-descent step" in out
    assert 'label="4 - 0.01*0 = 4.0"' in out  # a weight whose gradient is 0 stays


@pytest.mark.parametrize("argv, message", [
    (["--diff", "loan"], "network 'xor' is not network 'loan' with other weights"),
    (["--sgd-step", "0.1"], "--sgd-step needs --target"),
    (["--sgd-step", "0", "--target", "1"], "--sgd-step: expected a positive number, got '0'"),
    (["--diff", "xor", "--sgd-step", "0.1"], "give either --diff or --sgd-step, not both"),
    (["--diff", "xor", "--view", "ops"], "--diff draws the network view of every weight: drop --view"),
], ids=["other-network", "no-target", "lr-0", "both", "view"])
def test_render_change_bad_input(capsys, argv, message):
    code, _, err = run(capsys, "render", "xor", *argv)
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_sgd_step_picture_of_a_wide_input_summarises_it():
    import copy

    from scalarnet import gradients, sgd_step
    from scalarnet.diagram_diff import diff_diagram

    net = Network.from_matrices([[[0.5] * 13]], name="wide")
    x = list(range(13))
    after = copy.deepcopy(net)
    sgd_step(after, x, [1], 0.01)
    dot = diff_diagram(net, after, gradients=gradients(net, x, [1]), lr=0.01).source
    assert "input (13 values), target [1]" in dot and "... 5 more" in dot
    assert 'xlabel=' not in dot  # 9 drawn inputs x 1 neuron: labels, not xlabels
    assert 'label="0.5 - 0.01*0.0 = 0.5"' in dot  # input 0 is 0: its weight's gradient is 0.0

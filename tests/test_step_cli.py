"""`scalarnet step`: scripted sessions (commands piped in) with their exact output; --break, --stop-on; bad input."""

import io
import subprocess
import sys

import pytest

from scalarnet.cli import main

BANNER = [
    "tutorial-deep, inputs x0 = 3, x1 = 5: 14 op steps",
    "commands: n/Enter next, back, c continue, b NAME break, cl NAME clear, p NAME, q quit, h help",
]


def session(monkeypatch, capsys, commands, *argv):
    """Run `scalarnet step ARGV` with `commands` on a non-terminal stdin; (exit code, stdout lines, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(commands))
    code = main(["step", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_step_cli_piped_next_next_back_continue_subprocess():
    # The "done when": printf 'n\nn\nback\nc\n' | scalarnet step tutorial-deep --input 3 5
    # (b was back until b became break, as in pdb)
    done = subprocess.run([sys.executable, "-m", "scalarnet", "step", "tutorial-deep", "--input", "3", "5"],
                          input="n\nn\nback\nc\n", capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == BANNER + [
        "(step) n",
        "step 1/14 [hidden1] node0_0: 3*2 = 6",
        "(step) n",
        "step 2/14 [hidden1] node0_0: 6 + 5*4 = 26",
        "  so far: node0_0: 3*2 + 5*4 = 26",
        "(step) back",
        "step 1/14 [hidden1] node0_0: 3*2 = 6",
        "(step) c",
        "step 14/14 [output] output: 0 + 26*7 = 182",
        "  so far: output: 0*2 + 26*7 = 182",
        "end of the pass: output = [182]",
    ]


# (arguments after `step`, the commands piped in, the exact output)
SESSIONS = [
    ("enter-is-next", ["tutorial-deep"], "\n\n\n", BANNER + [
        "(step) ",
        "step 1/14 [hidden1] node0_0: 3*2 = 6",
        "(step) ",
        "step 2/14 [hidden1] node0_0: 6 + 5*4 = 26",
        "  so far: node0_0: 3*2 + 5*4 = 26",
        "(step) ",
        "step 3/14 [hidden1] node0_0: relu(26) = 26",
        "  so far: node0_0: 3*2 + 5*4 = 26 -> relu(26) = 26",
    ]),
    ("break-print-quit", ["tutorial-deep", "--input", "x1=5", "x0=3"],
     "break node1_1\nc\np hidden1\np node1_1\np x0\nq\nn\n", BANNER + [
        "(step) break node1_1",
        "breakpoint hidden2.node1_1 set",
        "(step) c",
        "stopped: breakpoint hidden2.node1_1",
        "step 10/14 [hidden2] node1_1: 26*1 = 26",
        "(step) p hidden1",
        "hidden1 = [26, 0]",
        "(step) p node1_1",
        "hidden2.node1_1 is not computed yet; so far: node1_1: 26*1 = 26",
        "(step) p x0",
        "x0 = 3",
        "(step) q",
    ]),
    ("stop-on-nan", ["tutorial-deep", "--input", "3", "nan", "--stop-on", "nan"], "back\n", [
        "tutorial-deep, inputs x0 = 3, x1 = nan: 14 op steps",
        BANNER[1],
        "stopped: the first non-finite value (nan) at hidden1.node0_0",
        "step 2/14 [hidden1] node0_0: 6 + nan*4 = nan",
        "  so far: node0_0: 3*2 + nan*4 = nan",
        "(step) back",
        "step 1/14 [hidden1] node0_0: 3*2 = 6",
    ]),
    ("stop-on-dead-relu", ["tutorial-deep", "--stop-on", "dead-relu", "--granularity", "neuron"],
     "c\nc\nc\n", [
        "tutorial-deep, inputs x0 = 3, x1 = 5: 5 neuron steps",
        BANNER[1],
        "stopped: dead ReLU hidden1.node0_1 (z = -13)",
        "step 2/5 [hidden1] node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0",
        "(step) c",
        "stopped: dead ReLU hidden2.node1_0 (z = -26)",
        "step 3/5 [hidden2] node1_0: 26*(-1) + 0*2 = -26 -> relu(-26) = 0",
        "(step) c",
        "step 5/5 [output] output: 0*2 + 26*7 = 182",
        "end of the pass: output = [182]",
        "(step) c",
        "end of the pass: output = [182]",
    ]),
    ("layers-back-to-start", ["tutorial-deep", "--granularity", "layer", "--break", "hidden2"],
     "back\nbk\n", [
        "tutorial-deep, inputs x0 = 3, x1 = 5: 3 layer steps",
        BANNER[1],
        "stopped: breakpoint hidden2",
        "step 2/3 hidden2 (relu): [0, 26]",
        "  node1_0: 26*(-1) + 0*2 = -26 -> relu(-26) = 0",
        "  node1_1: 26*1 + 0*2 = 26 -> relu(26) = 26",
        "(step) back",
        "step 1/3 hidden1 (relu): [26, 0]",
        "  node0_0: 3*2 + 5*4 = 26 -> relu(26) = 26",
        "  node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0",
        "(step) bk",
        "at the start: inputs x0 = 3, x1 = 5",
    ]),
    # tanh(0.5 + 0.25) = 0.63514895..., tanh(0.5 - 0.25) = 0.24491866..., their difference 0.39023029...
    ("digits", ["tutorial-tanh", "--input", "0.5", "0.25", "--granularity", "layer", "--digits", "3",
                "--stop-on", "magnitude", "--bound", "0.5"], "c\n", [
        "tutorial-tanh, inputs age = 0.5, retired = 0.25: 2 layer steps",
        BANNER[1],
        "stopped: the first value beyond the bound 0.5 (0.635) at hidden1",
        "step 1/2 hidden1 (tanh): [0.635, 0.245]",
        "  node0: 0.5*1 + 0.25*1 = 0.75 -> tanh(0.75) = 0.635",
        "  node1: 0.5*1 + 0.25*(-1) = 0.25 -> tanh(0.25) = 0.245",
        "(step) c",
        "step 2/2 output (identity): [0.39]",
        "  output: 0.635*1 + 0.245*(-1) = 0.39",
        "end of the pass: output = [0.39]",
    ]),
    ("stop-never-holds", ["tutorial-relu", "--stop-on", "magnitude", "--bound", "1000"], "", [
        "tutorial-relu, inputs age = 40, retired = 0: 8 op steps",
        BANNER[1],
        "ran to the end: no breakpoint or stop condition held",
        "step 8/8 [output] output: 40 + 40*(-1) = 0",
        "  so far: output: 40*1 + 40*(-1) = 0",
        "end of the pass: output = [0]",
    ]),
]


SESSIONS += [
    ("backward-pass", ["tutorial-deep", "--target", "180", "--granularity", "neuron", "--break", "node0_1"],
     "c\nback\nc\nc\n", [
        "tutorial-deep, inputs x0 = 3, x1 = 5, target [180] (mse): 5 forward + 7 backward neuron steps",
        BANNER[1],
        "stopped: breakpoint hidden1.node0_1",
        "step 2/12 [hidden1] node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0",
        "(step) c",
        "stopped: breakpoint hidden1.node0_1",
        "step 10/12 [hidden1] node0_1: dL/da = 2*0 + 2*14 = 28",
        "                              dL/dz = relu'(-13) * dL/da = 0 * 28 = 0",
        "                              dL/dw = [3*0, 5*0] = [0, 0]",
        "                              dL/dbias = dL/dz = 0",
        "(step) back",
        "step 9/12 [hidden1] node0_0: dL/da = (-1)*0 + 1*14 = 14",
        "                             dL/dz = relu'(26) * dL/da = 1 * 14 = 14",
        "                             dL/dw = [3*14, 5*14] = [42, 70]",
        "                             dL/dbias = dL/dz = 14",
        "(step) c",
        "stopped: breakpoint hidden1.node0_1",
        "step 10/12 [hidden1] node0_1: dL/da = 2*0 + 2*14 = 28",
        "                              dL/dz = relu'(-13) * dL/da = 0 * 28 = 0",
        "                              dL/dw = [3*0, 5*0] = [0, 0]",
        "                              dL/dbias = dL/dz = 0",
        "(step) c",
        "step 12/12 [inputs] dL/dx1 = 4*14 + (-5)*0 = 56",
        "end of the backward pass: loss: mse = 1/2*(182 - 180)^2 = 2; dL/dx0 = 28, dL/dx1 = 56",
    ]),
    ("stop-on-vanishing", ["tutorial-deep", "--target", "180", "--granularity", "layer",
                           "--stop-on", "vanishing", "--bound", "1e-6"], "q\n", [
        "tutorial-deep, inputs x0 = 3, x1 = 5, target [180] (mse): 3 forward + 4 backward layer steps",
        BANNER[1],
        "stopped: vanishing gradient at hidden2.node1_0 (|dL/dz| = 0 < 1e-06)",
        "step 5/7 hidden2 (relu): dL/dz = [0, 14]",
        "  node1_0: dL/da = 2*2 = 4",
        "           dL/dz = relu'(-26) * dL/da = 0 * 4 = 0",
        "           dL/dw = [26*0, 0*0] = [0, 0]",
        "           dL/dbias = dL/dz = 0",
        "  node1_1: dL/da = 7*2 = 14",
        "           dL/dz = relu'(26) * dL/da = 1 * 14 = 14",
        "           dL/dw = [26*14, 0*14] = [364, 0]",
        "           dL/dbias = dL/dz = 14",
        "(step) q",
    ]),
]


@pytest.mark.parametrize("argv, commands, expected", [case[1:] for case in SESSIONS],
                         ids=[case[0] for case in SESSIONS])
def test_step_cli_session(monkeypatch, capsys, argv, commands, expected):
    code, out, err = session(monkeypatch, capsys, commands, *argv)
    assert (code, err) == (0, "")
    assert out == expected


@pytest.mark.parametrize("argv, message", [
    (["--break", "node7"], "no input, layer or neuron 'node7' in network 'tutorial-deep'"),
    (["--stop-on", "magnitude"], "--stop-on magnitude needs --bound N: the magnitude past which to stop"),
    (["--stop-on", "nans"], "argument --stop-on: invalid choice: 'nans'"),
    (["--bound", "x", "--stop-on", "magnitude"], "--bound: 'x' is not a number"),
    (["--granularity", "term"], "argument --granularity: invalid choice: 'term'"),
    (["--input", "3"], "network 'tutorial-deep': 1 input value but the network has 2 inputs"),
    (["--stop-on", "exploding", "--bound", "10"], "stop_on 'exploding' watches the backward pass: give a target"),
    (["--target", "1", "2"], "2 target values but the output layer 'output' has 1 neuron"),
    (["--target", "x"], "--target: 'x' is not a number"),
], ids=["unknown-break", "no-bound", "unknown-stop", "bad-bound", "granularity", "short-input",
        "exploding-no-target", "target-length", "target-not-number"])
def test_step_cli_bad_arguments_exit_2(monkeypatch, capsys, argv, message):
    code, out, err = session(monkeypatch, capsys, "n\n", "tutorial-deep", *argv)
    assert (code, out) == (2, [])
    assert err.startswith("scalarnet: error: ") and message in err
    assert err.count("\n") == 1

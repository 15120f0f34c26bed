"""The tutorial's four worked examples, number for number and line for line (shared/tutorial-examples.md)."""

import pytest

import scalarnet
from scalarnet import Network
from scalarnet.cli import main

LOAN = {'node0': [1, 1], 'node1': [1, -1], 'output': [1, -1]}
DEEP = {'node0_0': [2, 4], 'node0_1': [4, -5], 'node1_0': [-1, 2], 'node1_1': [1, 2],
        'output': [2, 7]}

# (example, weights, activation, input, hidden layers' values, output, hand-worked lines)
CASES = [
    ("tutorial-forward", LOAN, "identity", [40, 0], [[40, 40]], [0], [
        "node0: 40*1 + 0*1 = 40",
        "node1: 40*1 + 0*(-1) = 40",
        "output: 40*1 + 40*(-1) = 0",
    ]),
    ("tutorial-tanh", LOAN, "tanh", [40, 0], [[1.0, 1.0]], [0.0], [
        "node0: 40*1 + 0*1 = 40 -> tanh(40) = 1.0",
        "node1: 40*1 + 0*(-1) = 40 -> tanh(40) = 1.0",
        "output: 1.0*1 + 1.0*(-1) = 0.0",
    ]),
    ("tutorial-relu", LOAN, "relu", [40, 0], [[40, 40]], [0], [
        "node0: 40*1 + 0*1 = 40 -> relu(40) = 40",
        "node1: 40*1 + 0*(-1) = 40 -> relu(40) = 40",
        "output: 40*1 + 40*(-1) = 0",
    ]),
    ("tutorial-deep", DEEP, "relu", [3, 5], [[26, 0], [0, 26]], [182], [
        "node0_0: 3*2 + 5*4 = 26 -> relu(26) = 26",
        "node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0",
        "node1_0: 26*(-1) + 0*2 = -26 -> relu(-26) = 0",
        "node1_1: 26*1 + 0*2 = 26 -> relu(26) = 26",
        "output: 0*2 + 26*7 = 182",
    ]),
]
IDS = [c[0] for c in CASES]


def exact(values):
    """Values with their types, so that 40 and 40.0 differ."""
    return [(type(v), v) for v in values]


def built(case):
    name, weights, activation, *_ = case
    return {
        "bundled": scalarnet.load(name),
        "dict": Network.from_tutorial_weights(weights, activation=activation),
    }


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("how", ["bundled", "dict"])
def test_tutorial_values_exact(case, how):
    _, _, _, x, hidden, output, _ = case
    net = built(case)[how]
    trace = net.trace(x)
    assert [exact(layer.a) for layer in trace.layers[:-1]] == [exact(h) for h in hidden]
    assert exact(trace.output) == exact(output)
    assert exact(net.forward(x)) == exact(output)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tutorial_arithmetic_lines(case):
    name, _, _, x, _, _, lines = case
    trace = scalarnet.load(name).trace(x)
    assert [str(n) for n in trace.neurons()] == lines
    text = str(trace)
    for line in lines:
        assert f"  {line}\n" in text + "\n"


def test_tutorial_forward_inputs_by_name():
    net = scalarnet.load("tutorial-forward")
    assert net.inputs == ["age", "retired"]
    assert net.forward({"retired": 0, "age": 40}) == [0]


def test_tutorial_deep_whole_trace_text():
    assert str(scalarnet.load("tutorial-deep").trace([3, 5])) == """\
inputs: x0 = 3, x1 = 5
hidden1 (relu):
  node0_0: 3*2 + 5*4 = 26 -> relu(26) = 26
  node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0
  values: [26, 0]
hidden2 (relu):
  node1_0: 26*(-1) + 0*2 = -26 -> relu(-26) = 0
  node1_1: 26*1 + 0*2 = 26 -> relu(26) = 26
  values: [0, 26]
output (identity):
  output: 0*2 + 26*7 = 182
  values: [182]
output: [182]"""


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tutorial_cli_explain(case, capsys):
    name, _, _, x, _, _, lines = case
    assert main(["explain", name, "--input", *map(str, x)]) == 0
    out = capsys.readouterr().out
    for line in lines:
        assert f"  {line}\n" in out


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tutorial_cli_run(case, capsys):
    name, _, activation, x, hidden, output, _ = case
    assert main(["run", name, "--input", *map(str, x)]) == 0
    out = capsys.readouterr().out.splitlines()
    hidden_lines = [f"hidden{i + 1} ({activation}): [{', '.join(map(repr, h))}]"
                    for i, h in enumerate(hidden)]
    assert out == hidden_lines + [f"output (identity): {output}", f"output: {output}"]


def test_tutorial_cli_activation_override_on_weight_dict(tmp_path, capsys):
    path = tmp_path / "loan.json"
    path.write_text('{"node0": [1, 1], "node1": [1, -1], "output": [1, -1]}')
    assert main(["run", str(path), "--input", "40", "0", "--activation", "tanh"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "hidden1 (tanh): [1.0, 1.0]", "output (identity): [0.0]", "output: [0.0]"]


def test_tutorial_demo_shows_every_example(capsys, tmp_path):
    assert main(["demo", "--out", str(tmp_path)]) == 0  # it also writes the diagrams there
    out = capsys.readouterr().out
    for case in CASES:
        assert f"Example {IDS.index(case[0]) + 1}: {case[0]}" in out
        for line in case[-1]:
            assert line in out

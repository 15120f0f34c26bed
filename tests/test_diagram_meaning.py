"""What a diagram says: the prediction highlighted, edges that carry 0, what grad means, gradients with a trace."""

import re

import pytest

from scalarnet import Layer, Network, Neuron, files
from scalarnet.diagram import DiagramError, diagram

FILL = 'fillcolor="#fff2b3"'


def highlighted(source: str) -> list[str]:
    """Ids of the nodes drawn in the output fill."""
    return [m[1] for m in re.finditer(r"^\s*(\w+) \[.*$", source, re.M) if FILL in m[0]]


def sigmoid_net() -> Network:
    return Network([Layer("out", [Neuron("yes", [2]), Neuron("no", [-2])], "sigmoid")],
                   inputs=["x"])


@pytest.mark.parametrize("build, network, ops, title", [
    (lambda: diagram(*traced("iris-mlp")), ["L2N2"], None, "predicted virginica (the largest probability)"),
    (lambda: diagram(*traced("iris-mlp"), view="ops"), None, ["L2N2A"],
     "predicted virginica (the largest probability)"),
    (lambda: diagram(sigmoid_net(), sigmoid_net().trace([1])), ["L1N0"], None,
     "predicted yes: 1 (>= 0.5), 0 elsewhere"),
    (lambda: diagram(sigmoid_net(), sigmoid_net().trace([1]), view="ops"), None, ["L1N0A"],
     "predicted yes: 1 (>= 0.5), 0 elsewhere"),
    (lambda: diagram(*traced("tutorial-deep")), ["L3N0"], None, "-> output [182]"),
    (lambda: diagram(files.load("iris-mlp")), ["L2N0", "L2N1", "L2N2"], None, "weights and biases"),
], ids=["softmax", "softmax-ops", "sigmoid", "sigmoid-ops", "identity", "weights-only"])
def test_the_prediction_is_highlighted(build, network, ops, title):
    source = build().source
    assert highlighted(source) == (network or ops)
    assert title in source


def test_one_sigmoid_output_below_a_half_predicts_0():
    net = Network([Layer("out", [Neuron("p", [1])], "sigmoid")], inputs=["x"])
    source = diagram(net, net.trace([-3])).source
    assert highlighted(source) == [] and "predicted 0 (< 0.5)" in source


def traced(name, x=None):
    net = files.load(name)
    return net, net.trace(net.example_input if x is None else x)


DEAD = 'color="#8c8c8c" fontcolor="#8c8c8c" penwidth=0.80 style=dashed'


def test_an_edge_that_carries_0_is_drawn_as_carrying_nothing():
    # tutorial-deep at [3, 5]: node0_1 is a dead ReLU (relu(-13) = 0), node1_0 too (relu(-26) = 0)
    source = diagram(*traced("tutorial-deep")).source
    assert re.findall(r"L1N1 -> L2N\d \[label=\d+ (.*)\]", source) == [DEAD, DEAD]
    assert re.search(r"L1N0 -> L2N0 \[label=-1 color=\"#b2182b\"", source)
    ops = diagram(*traced("tutorial-deep"), view="ops").source
    assert re.findall(r"L1N1A -> L2N\dX1 \[(.*)\]", ops) == [
        'color="#8c8c8c" headport=w penwidth=0.80 style=dashed tailport=e'] * 2
    assert 'L2N0A -> L3N0X0 [color="#8c8c8c" headport=w penwidth=0.80 style=dashed tailport=e]' in ops
    # without a trace no edge carries anything yet: every weight drawn in its colour
    assert "dashed" not in diagram(files.load("tutorial-deep")).source


def test_gradient_view_says_what_grad_means():
    net = files.load("tutorial-deep")
    g = net.gradients([3, 5], [180])
    source = diagram(net, view="ops", gradients=g).source
    assert "grad: dL/d(the box's value), L the loss; dL/dw: the weight's gradient" in source
    assert "loss: mse = 1/2*(182 - 180)^2 = 2" in source


def test_gradients_with_a_trace_of_the_same_pass_as_the_readme_writes_it():
    net = files.load("tutorial-deep")
    trace = net.trace([3, 5])
    g = net.gradients([3, 5], [180])
    assert g.trace is not trace
    drawn = diagram(net, trace, view="ops", gradients=g).source
    assert drawn == diagram(net, view="ops", gradients=g).source
    assert diagram(trace, view="ops", gradients=g).source == drawn


@pytest.mark.parametrize("other", [
    lambda net: net.trace([3, 6]),
    lambda net: files.load("tutorial-relu").trace([3, 5]),
], ids=["other-input", "other-network"])
def test_gradients_with_a_trace_of_another_pass_is_refused(other):
    net = files.load("tutorial-deep")
    g = net.gradients([3, 5], [180])
    with pytest.raises(DiagramError, match=r"gradients= are of another pass than the trace given"):
        diagram(net, other(net), view="ops", gradients=g)

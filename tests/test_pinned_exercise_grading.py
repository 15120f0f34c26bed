"""The hints of a wrong answer, one usual slip at a time, pinned where mutation testing
(benchmarks/mutation.py exercise_grading) showed no test looking: each network below is small
enough to work out by hand (the comments), and each case is an answer a student could give."""

import math

import pytest

from scalarnet import Layer, Network, Neuron
from scalarnet.exercise import make
from scalarnet.exercise_grading import useful_mistakes


def _sheet(net, x, kind, where, target=None):
    """A sheet whose one blank is the `kind` blank at `where` (the first seed that picks it)."""
    for seed in range(200):
        sheet = make(net, x, target=target, kinds=[kind], count=1, seed=seed)
        if sheet.blanks[0].where() == where:
            return sheet
    raise AssertionError(f"no seed picks {kind} {where}")


def _hint(sheet, answer):
    result = sheet.grade({"a": answer}).results[0]
    assert not result.right
    return result.hint


def _n1():
    # x = [3, -5]
    # h (relu): a = 3*2 + (-5)*(-3) + 1 = 22; b = 3*(-1) + (-5)*(-2) = 7
    # o: out = 22*1 + 7*(-1) + 2 = 17; target 1: dL/da = dL/dz = 16
    # back in h: a: dL/dz = 1*16 = 16, dL/dw = [48, -80]; b: dL/dz = -16, dL/dw = [-48, 80]
    return Network([Layer("h", [Neuron("a", [2, -3], bias=1), Neuron("b", [-1, -2])], "relu"),
                    Layer("o", [Neuron("out", [1, -1], bias=2)])])


def _n2():
    # x = [-5, 6]: n = (-5)*2 + 6*(-3) + 4 = -10 - 18 + 4 = -24
    return Network([Layer("o", [Neuron("n", [2, -3], bias=4)])])


def _n3():
    # x = [4]: one term, s = 4*0.5 + 3 = 5.0
    return Network([Layer("o", [Neuron("s", [0.5], bias=3)])])


def _n4():
    # x = [2, -3]
    # h (relu): u = 2*2 + (-3)*1 - 2 = -1 -> 0; v = 2*1 + (-3)*(-1) = 5 -> 5
    # o (relu): w = 0*3 + 5*(-2) + 4 = -6 -> 0
    return Network([Layer("h", [Neuron("u", [2, 1], bias=-2), Neuron("v", [1, -1])], "relu"),
                    Layer("o", [Neuron("w", [3, -2], bias=4)], "relu")])


def _sig(z):
    return 1 / (1 + math.exp(-z))


def _n5():
    # x = [2, 2]
    # h (sigmoid): s = 2*1 + 2*(-1) = 0 -> 0.5; t = 2*(-1) + 2*0 = -2 -> sig(-2)
    # o: y = 0.5*4 + sig(-2)*2 = 2 + 2 sig(-2); target 2: dL/dz = 2 sig(-2)
    # back in h: s: dL/da = 4*2 sig(-2) = 8 sig(-2), sigmoid'(0) = 1/4
    #            t: dL/da = 2*2 sig(-2) = 4 sig(-2)
    return Network([Layer("h", [Neuron("s", [1, -1]), Neuron("t", [-1, 0])], "sigmoid"),
                    Layer("o", [Neuron("y", [4, 2])])])


def _n7():
    # x = [3, 3]: h (relu): r = 3*1 + 3*(-1) = 0 -> 0; o: y = 0*2 + 1 = 1; target 0: dL/dz = 1
    # back in r: dL/da = 2*1 = 2, relu'(0) = 0, so dL/dz = 0
    return Network([Layer("h", [Neuron("r", [1, -1])], "relu"), Layer("o", [Neuron("y", [2], bias=1)])])


def _n8():
    # x = [4, 2], one identity layer: m = 4*2 + 2*(-3) + 1 = 3; n = 4*1 + 2*1 = 6
    return Network([Layer("o", [Neuron("m", [2, -3], bias=1), Neuron("n", [1, 1])])])


SIGN_DROPPED = "the sign: dL/dz has the sign of dL/da times the derivative"
RELU_NEGATIVE = "relu of a negative number: relu(z) = max(0, z)"


@pytest.mark.parametrize("make_sheet, answer, hint", [
    # products
    (lambda: _sheet(_n1(), [3, -5], "product", "h.b[0]"), "3", "the sign of the negative weight -1"),
    (lambda: _sheet(_n1(), [3, -5], "product", "h.a[1]"), "-15", "the sign of the negative weight -3"),
    (lambda: _sheet(_n2(), [-5, 6], "product", "o.n[0]"), "10", "the sign of the negative input -5"),
    (lambda: _sheet(_n2(), [-5, 6], "product", "o.n[1]"), "18", "the sign of the negative weight -3"),
    (lambda: _sheet(_n3(), [4], "product", "o.s[0]"), "-2", None),  # 0.5 is not negative
    # weighted sums
    (lambda: _sheet(_n1(), [3, -5], "sum", "h.b"), "-7", "the signs of the negative weights are dropped"),
    (lambda: _sheet(_n1(), [3, -5], "sum", "h.b"), "13", "the sign of the negative weight -1 (times 3)"),
    (lambda: _sheet(_n1(), [3, -5], "sum", "h.b"), "-13", "the sign of the negative weight -2 (times -5)"),
    (lambda: _sheet(_n1(), [3, -5], "sum", "h.b"), "10", "a term is left out: 3*(-1)"),
    (lambda: _sheet(_n3(), [4], "sum", "o.s"), "3", None),  # one term: leaving it out = the bias missed
    (lambda: _sheet(_n3(), [4], "sum", "o.s"), "2", "the bias 3 is missed"),
    (lambda: _sheet(_n4(), [2, -3], "sum", "o.w"), "-9", "h's relu is not applied to the values this neuron reads"),
    (lambda: _sheet(_n4(), [2, -3], "sum", "o.w"), "0",
     "this is the value after relu; the blank asks for the weighted sum z before it"),
    (lambda: _sheet(_n4(), [2, -3], "sum", "o.w"), "14", "the sign of the negative weight -2 (times 5)"),
    (lambda: _sheet(_n4(), [2, -3], "sum", "o.w"), "4", "a term is left out: 5*(-2)"),
    (lambda: _sheet(_n4(), [2, -3], "sum", "h.u"), "-14", None),  # the first layer reads the inputs
    (lambda: _sheet(_n4(), [2, -3], "sum", "h.u"), "1", "the bias -2 is missed"),
    # activations
    (lambda: _sheet(_n4(), [2, -3], "activation", "h.u"), "-1", RELU_NEGATIVE),
    (lambda: _sheet(_n4(), [2, -3], "activation", "h.u"), "1", RELU_NEGATIVE),
    (lambda: _sheet(_n5(), [2, 2], "activation", "h.s"), "0",
     "the activation is not applied: the blank is sigmoid(z), not z"),
    (lambda: _sheet(_n5(), [2, 2], "activation", "h.t"), "-2",
     "the activation is not applied: the blank is sigmoid(z), not z"),
    # a layer's values
    (lambda: _sheet(_n4(), [2, -3], "layer", "h"), "-1 5", "relu of a negative number: relu(z) = max(0, z)"),
    (lambda: _sheet(_n5(), [2, 2], "layer", "h"), "0 -2", "the activation sigmoid is not applied"),
    (lambda: _sheet(_n8(), [4, 2], "layer", "o"), "15 6", "m: the sign of the negative weight -3 (times 2)"),
    (lambda: _sheet(_n8(), [4, 2], "layer", "o"), "3 4", "n: a term is left out: 2*1"),
    (lambda: _sheet(_n8(), [4, 2], "layer", "o"), "3 5", None),
], ids=["product-weight", "product-both-negative", "product-input", "product-weight-2", "product-half",
        "sum-signs", "sum-sign-1", "sum-sign-2", "sum-term", "sum-one-term", "sum-one-term-bias",
        "sum-before-relu", "sum-after-relu", "sum-sign-layer2", "sum-term-layer2", "sum-layer1",
        "sum-bias-negative", "relu-negative", "relu-size", "sigmoid-not-applied", "sigmoid-negative",
        "layer-relu-dead", "layer-sigmoid", "layer-identity-sign", "layer-identity-term", "layer-no-hint"])
def test_forward_hint(make_sheet, answer, hint):
    assert _hint(make_sheet(), answer) == hint


@pytest.mark.parametrize("make_sheet, answer, hint", [
    (lambda: _sheet(_n1(), [3, -5], "dw", "h.a[1]", [1]), "80", "the sign of the negative input -5"),
    (lambda: _sheet(_n1(), [3, -5], "dw", "h.a[1]", [1]), "16",
     "dL/dw = input * dL/dz: the input -5 is not multiplied in"),
    (lambda: _sheet(_n1(), [3, -5], "dz", "h.b", [1]), "16", SIGN_DROPPED),
    (lambda: _sheet(_n4(), [2, -3], "dz", "o.w", [2]), "-2",
     "relu'(z) is 0 for a negative z: it passes no gradient back"),
    (lambda: _sheet(_n7(), [3, 3], "dz", "h.r", [0]), "2", "the derivative relu'(0) is not multiplied in"),
    (lambda: _sheet(_n5(), [2, 2], "dz", "h.s", [2]), f"{8 * _sig(-2):.4f}",
     "the derivative sigmoid'(0) is not multiplied in"),
    (lambda: _sheet(_n5(), [2, 2], "dz", "h.s", [2]), f"{-2 * _sig(-2):.4f}", SIGN_DROPPED),
    (lambda: _sheet(_n5(), [2, 2], "dz", "h.t", [2]), f"{4 * _sig(-2):.4f}",
     "the derivative sigmoid'(-2) is not multiplied in"),
], ids=["dw-sign", "dw-input", "dz-sign", "dz-relu-negative", "dz-relu-zero", "dz-sigmoid",
        "dz-sigmoid-sign", "dz-sigmoid-negative"])
def test_backward_hint(make_sheet, answer, hint):
    assert _hint(make_sheet(), answer) == hint


def test_sigmoid_answers_right_to_four_digits():
    sheet = _sheet(_n5(), [2, 2], "dz", "h.s", [2])
    assert sheet.grade({"a": f"{2 * _sig(-2):.4f}"}).ok


def test_useful_mistakes_each_value_once_and_never_the_answer():
    # the HTML page carries this list: h.a[1] is (-5)*(-3) = 15, and dropping either sign gives -15
    sheet = _sheet(_n1(), [3, -5], "product", "h.a[1]")
    assert useful_mistakes(sheet, sheet.blanks[0]) == [(-15, "the sign of the negative weight -3")]
    # a weight's sign dropped where the input is 0 changes nothing: 0*(-2) = 0*2
    sheet = _sheet(Network([Layer("o", [Neuron("n", [-2])])]), [0], "product", "o.n[0]")
    assert useful_mistakes(sheet, sheet.blanks[0]) == []

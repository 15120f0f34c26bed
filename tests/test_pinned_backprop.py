"""Backprop behaviours mutation testing showed no test pinned (benchmarks/mutation.py backprop): each
loss's value, dL/da and hand-worked text, the targets each loss accepts (with the cross-entropy sum's
1e-9 tolerance), and the messages for a wrong loss or target."""

import math
from fractions import Fraction

import pytest

from scalarnet import InputError, LOSSES, LossError, NumberError, get_loss, load

mse, ce, bce = get_loss("mse"), get_loss("cross_entropy"), get_loss("binary_cross_entropy")


def test_mse_is_exact_for_ints_and_halves_floats():
    value = mse.value([0, 0], [3, 1], [1, 2])
    assert value == Fraction(5, 2) and type(value) is Fraction
    assert mse.value([0], [1.5], [1]) == 0.125
    assert mse.derivative([3, 1], [1, 2]) == [2, -1]


@pytest.mark.parametrize("text, expected", [
    (mse.value_text([3, 1], [1, -2], Fraction(5, 2)), "1/2*((3 - 1)^2 + (1 - (-2))^2) = 5/2"),
    (mse.value_text([3], [1], 2), "1/2*(3 - 1)^2 = 2"),
    (mse.derivative_text(3, -1, 4), "a - t = 3 - (-1) = 4"),
    (ce.value_text([0.25, 0.75], [0, 1], 0.3), "-(0*log(0.25) + 1*log(0.75)) = 0.3"),
    (ce.derivative_text(0.75, 1, -4 / 3), "-t/a = -1/0.75 = -1.3333333333333333"),
    (bce.value_text([0.25], [1], 1.38), "-(1*log(0.25) + (1 - 1)*log(1 - 0.25)) = 1.38"),
    (bce.derivative_text(0.25, 1, -4.0), "(a - t)/(a*(1 - a)) = (0.25 - 1)/(0.25*(1 - 0.25)) = -4.0"),
], ids=["mse-two", "mse-one", "mse-da", "ce", "ce-da", "bce", "bce-da"])
def test_loss_text(text, expected):
    assert text == expected


def test_cross_entropies_value_and_gradients():
    # -log(softmax([1, 2])[1]) = log(1 + e^-1)
    assert ce.value([1.0, 2.0], None, [0, 1]) == pytest.approx(math.log1p(math.exp(-1)), rel=1e-15)
    assert ce.derivative([0.25, 0.75], [0, 1]) == [0.0, -1 / 0.75]
    assert ce.dz([0.25, 0.75], [0, 1]) == [0.25, -0.25]
    # z = 0, t = 1: log 2; z = 2, t = 0: 2 + log(1 + e^-2)
    assert bce.value([0.0, 2.0], None, [1, 0]) == pytest.approx(math.log(2) + 2 + math.log1p(math.exp(-2)),
                                                               rel=1e-15)
    assert bce.derivative([0.25], [1]) == [-4.0]
    assert bce.dz([0.25], [1]) == [-0.75]


@pytest.mark.parametrize("loss, targets", [
    (ce, [0.5, 0.5 + 1e-10]), (ce, [0, 1]), (ce, [1, 0, 0]), (bce, [0, 1]), (bce, [0.5]),
], ids=["ce-within-1e-9", "ce-one-hot", "ce-three", "bce-ends", "bce-half"])
def test_targets_accepted(loss, targets):
    loss.check(targets, [f"o{i}" for i in range(len(targets))])


@pytest.mark.parametrize("loss, targets, message", [
    (ce, [0.5, 0.5 + 1e-8], "loss 'cross_entropy': the targets must be probabilities that add up to 1 "
                            "(one-hot, like [0, 1, 0]), got [0.5, 0.50000001]"),
    (ce, [-0.5, 1.5], "loss 'cross_entropy': the targets must be probabilities that add up to 1 "
                      "(one-hot, like [0, 1, 0]), got [-0.5, 1.5]"),
    (ce, [math.nan, 1], "loss 'cross_entropy': the targets must be probabilities"),
    (bce, [1.5], "loss 'binary_cross_entropy': target 'o0' must be from 0 to 1, got 1.5"),
    (bce, [0, -0.5], "loss 'binary_cross_entropy': target 'o1' must be from 0 to 1, got -0.5"),
], ids=["ce-beyond-1e-9", "ce-negative", "ce-nan", "bce-above", "bce-below"])
def test_targets_refused(loss, targets, message):
    with pytest.raises(LossError) as info:
        loss.check(targets, [f"o{i}" for i in range(len(targets))])
    assert str(info.value).startswith(message)


def test_get_loss():
    assert LOSSES == ("binary_cross_entropy", "cross_entropy", "mse")
    assert get_loss(ce) is ce and get_loss() == mse and mse != ce
    assert repr(mse) == "get_loss('mse')"
    with pytest.raises(LossError, match=r"^unknown loss 5 \(known: binary_cross_entropy, cross_entropy, mse\)$"):
        get_loss(5)


@pytest.mark.parametrize("target, loss, kind, message", [
    ([180], "cross_entropy", LossError,
     "loss 'cross_entropy' is for a softmax output layer, but layer 'output' has identity "
     "(use 'binary_cross_entropy' with sigmoid, 'mse' with any other)"),
    (180, "mse", InputError,
     "network 'tutorial-deep': expected the target values as a list, one per output (output), got 180"),
    ([1, 2], "mse", InputError,
     "network 'tutorial-deep': 2 target values but the output layer 'output' has 1 neuron (output)"),
    (["1"], "mse", NumberError, "target 'output': expected a number, got '1' (str)"),
], ids=["loss-for-softmax", "target-a-number", "two-targets", "target-a-string"])
def test_gradients_refuse(target, loss, kind, message):
    with pytest.raises(kind) as info:
        load("tutorial-deep").gradients([3, 5], target, loss=loss)
    assert str(info.value) == message


def test_gradients_of_the_tutorial():
    g = load("tutorial-deep").gradients([3, 5], [180])
    assert g.loss == 2
    assert repr(g) == "<Gradients of 'tutorial-deep': mse loss=2>"
    assert g.neuron("node0_0").dw == [42, 70]
    assert g.neuron("node1_1").da == 14 and g.neuron("node1_1").dbias == 14
    assert g.dx == [28, 56]
    assert str(g).splitlines()[:5] == [
        "loss: mse = 1/2*(182 - 180)^2 = 2",
        "output (identity):",
        "  output: dL/da = a - t = 182 - 180 = 2",
        "          dL/dz = dL/da = 2",
        "          dL/dw = [0*2, 26*2] = [0, 52]",
    ]
    assert "  dL/dx1 = 4*14 + (-5)*0 = 56" in str(g)
    assert "  node0_0: dL/da = (-1)*0 + 1*14 = 14" in str(g)


def _softmax_net():
    # h: tanh(0) = 0.0 for both; o: softmax of two equal sums = [0.5, 0.5]
    from scalarnet import Layer, Network, Neuron

    return Network([Layer("h", [Neuron("a", [1.0]), Neuron("b", [-1.0])], "tanh"),
                    Layer("o", [Neuron("p", [1.0, 0.5]), Neuron("q", [0.5, 1.0])], "softmax")])


def test_softmax_with_mse_text_shows_s():
    # dL/da = a - t = [0.5, 0.0]; s = 0.5*0.5 + 0.5*0.0 = 0.25; dL/dz = a*(dL/da - s)
    g = _softmax_net().gradients([0.0], [0, 0.5])
    assert g.text(digits=3).splitlines()[:9] == [
        "loss: mse = 1/2*((0.5 - 0)^2 + (0.5 - 0.5)^2) = 0.125",
        "o (softmax):",
        "  s = sum of a*dL/da = 0.5*0.5 + 0.5*0.0 = 0.25",
        "  p: dL/da = a - t = 0.5 - 0 = 0.5",
        "     dL/dz = a*(dL/da - s) = 0.5*(0.5 - 0.25) = 0.125",
        "     dL/dw = [0.0*0.125, 0.0*0.125] = [0.0, 0.0]",
        "     dL/dbias = dL/dz = 0.125",
        "  q: dL/da = a - t = 0.5 - 0.5 = 0.0",
        "     dL/dz = a*(dL/da - s) = 0.5*(0.0 - 0.25) = -0.125",
    ]


def test_softmax_with_cross_entropy_text_and_lookups():
    g = _softmax_net().gradients([0.0], [0, 1], loss="cross_entropy")
    text = g.text(digits=3)
    assert text.splitlines()[:4] == [
        "loss: cross_entropy = -(0*log(0.5) + 1*log(0.5)) = 0.693",
        "o (softmax):",
        "  p: dL/da = -t/a = -0/0.5 = 0.0",
        "     dL/dz = a - t = 0.5 - 0 = 0.5 (softmax with cross_entropy)",
    ]
    assert "     dL/dz = tanh'(0.0) * dL/da = 1.0 * 0.25 = 0.25" in text
    assert text.endswith("inputs:\n  dL/dx0 = 1.0*0.25 + (-1.0)*(-0.25) = 0.5")
    assert repr(g.layer("o")) == "<LayerGradients o: dz=[0.5, -0.5]>"
    assert repr(g.neuron("h.a")) == "<NeuronGradients h.a: dz=0.25>"
    assert g.layer("h").name == "h" and g.neuron("q").da == -2.0


def test_gradients_to_dict():
    assert load("tutorial-deep").gradients([3, 5], [180]).to_dict() == {
        "loss": {"name": "mse", "value": Fraction(2, 1)}, "target": [180], "output": [182],
        "layers": [{"name": "hidden1", "da": [14, 28], "dz": [14, 0], "dw": [[42, 70], [0, 0]], "dbias": [14, 0]},
                   {"name": "hidden2", "da": [4, 14], "dz": [0, 14], "dw": [[0, 0], [364, 0]], "dbias": [0, 14]},
                   {"name": "output", "da": [2], "dz": [2], "dw": [[0, 52]], "dbias": [2]}],
        "inputs": {"x0": 28, "x1": 56}}


def test_cross_entropy_sum_tolerance_is_1e_9_inclusive():
    # Fractions make the sum exact: 1 + 1e-9 exactly is still accepted, 5e-9 off is refused
    edge = Fraction(1e-9)
    ce.check([Fraction(1, 2), Fraction(1, 2) + edge], ["a", "b"])
    ce.check([Fraction(1, 2), Fraction(1, 2) - edge], ["a", "b"])
    with pytest.raises(LossError, match="must be probabilities that add up to 1"):
        ce.check([0.5, 0.5 + 5e-9], ["a", "b"])


def test_the_base_loss_computes_nothing():
    # a loss kind that forgets a part fails loudly, never a silent None
    from scalarnet import Loss

    for call in (lambda: Loss().value([1], [1], [1]), lambda: Loss().derivative([1], [1]),
                 lambda: Loss().value_text([1], [1], 0), lambda: Loss().derivative_text(1, 1, 0)):
        with pytest.raises(NotImplementedError):
            call()


def test_train_runs_one_epoch_by_default():
    # train(net, rows, targets, lr): epochs=1, so the history is the loss before and after it,
    # and the weights are those of one sgd_step per row
    import copy

    from scalarnet import Network, sgd_step, train

    net = Network.from_matrices([[[0.5]]], [[0.0]])
    stepped = copy.deepcopy(net)
    for x, t in (([1.0], [2.0]), ([2.0], [1.0])):
        sgd_step(stepped, x, t, lr=0.1)
    history = train(net, [[1.0], [2.0]], [[2.0], [1.0]], lr=0.1)
    assert len(history) == 2 and net == stepped
    # 1 is a whole number of at least 1
    assert len(train(net, [[1.0]], [[2.0]], lr=0.1, epochs=1)) == 2


def _big_net():
    # relu(-x) = 0 (ints) into an output with an int weight 10**400 and a float bias: z = 0*10**400 + 0.5
    from scalarnet import Network

    return Network.from_matrices([[[1], [1]], [[10 ** 400, 1]]], [[0, 0], [0.5]], ["relu", "identity"],
                                 name="big")


@pytest.mark.parametrize("target", [[1], [int(1.7976931348623157e308)]], ids=["1", "float-max-as-int"])
def test_backward_error_in_a_weight_names_the_network(target):
    # the output 0.5 - target is a float (float max is a float exactly); 10**400 * dL/dz is not
    with pytest.raises(NumberError) as info:
        _big_net().gradients([-1], target)
    assert str(info.value) == ("network 'big', backward pass: an int beyond a float's range (about 1.8e308) "
                               "meets a float; use ints and Fractions only, or floats only")


def test_backward_error_in_the_target_names_the_target():
    from scalarnet import Network

    net = Network.from_matrices([[[1.0]], [[1.0], [1.0]], [[1.0, 1.0]]], name="three")
    with pytest.raises(NumberError) as info:
        net.gradients([1.0], [10 ** 400])
    assert str(info.value) == ("target 'output': an int beyond a float's range (about 1.8e308) meets a "
                               "float; use ints and Fractions only, or floats only")


def test_mean_loss_refuses_what_gradients_refuses_with_the_row():
    from decimal import Decimal

    from scalarnet import Network, mean_loss

    decimal = Network.from_matrices([[[Decimal("0.5")]]], name="dec")
    with pytest.raises(NumberError) as info:
        mean_loss(decimal, [[Decimal(1)]], [[0.5]])
    assert str(info.value).startswith("row 0: target 'output' is 0.5 but the output is Decimal('0.5'): "
                                      "Decimals compute only with ints and Decimals")
    floats = Network.from_matrices([[[0.5]]], name="f")
    with pytest.raises(NumberError) as info:
        mean_loss(floats, [[1.0]], [[10 ** 400]])
    assert str(info.value) == ("row 0: loss 'mse': an int beyond a float's range (about 1.8e308) meets a "
                               "float; use ints and Fractions only, or floats only")
    with pytest.raises(InputError) as info:
        mean_loss(floats, [[1.0], [1.0, 2.0]], [[1], [1]])
    assert str(info.value) == "row 1: network 'f': 2 input values but the network has 1 input (x0)"
    with pytest.raises(InputError, match=r"^rows: expected a list \(or an array\) of rows, got str$"):
        mean_loss(floats, "ab", [[1], [1]])
    with pytest.raises(InputError, match="^no rows to train on$"):
        mean_loss(floats, [], [])


def test_lr_a_decimal_infinity_is_refused_as_lr():
    from decimal import Decimal

    from scalarnet import Network, sgd_step

    with pytest.raises(InputError, match=r"^lr: expected a positive number, got Decimal\('Infinity'\)$"):
        sgd_step(Network.from_matrices([[[0.5]]]), [1.0], [1], lr=Decimal("Infinity"))


def test_lr_a_float_for_decimal_weights_is_refused_and_changes_nothing():
    from decimal import Decimal

    from scalarnet import Network, sgd_step

    net = Network.from_matrices([[[Decimal("0.5")]]], name="dec")
    with pytest.raises(NumberError, match=r"^lr 0.1: unsupported operand type"):
        sgd_step(net, [1], [1], lr=0.1)
    assert net == Network.from_matrices([[[Decimal("0.5")]]], name="dec")


def test_cross_entropy_takes_decimal_targets():
    # the cross-entropies compute with float(t): Decimal targets meet float probabilities there
    from decimal import Decimal

    from scalarnet import Network

    net = Network.from_matrices([[[1.0], [0.0]]], None, ["softmax"])  # softmax([log 3, 0]) = [3/4, 1/4]
    g = net.gradients([math.log(3)], [Decimal("0.25"), Decimal("0.75")], "cross_entropy")
    assert g.layer("output").dz == [0.5, -0.5]
    assert g.loss == pytest.approx(-(0.25 * math.log(0.75) + 0.75 * math.log(0.25)), rel=1e-12)


def test_gradients_refuse_a_float_target_for_a_decimal_output():
    from decimal import Decimal

    from scalarnet import Network

    net = Network.from_matrices([[[Decimal("0.5")]]], name="dec")
    with pytest.raises(NumberError) as info:
        net.gradients([Decimal(1)], [0.5])
    assert str(info.value) == ("target 'output' is 0.5 but the output is Decimal('0.5'): Decimals compute "
                               "only with ints and Decimals; give the target in the output's kind of number "
                               "(Decimal(str(t)), or float(t))")


def test_backward_error_of_decimals_through_a_float_activation_says_so():
    # the forward pass is fine (Decimal sums, then softmax's floats); the backward pass multiplies
    # each Decimal input by a float dL/dz, which Python refuses: that is no int beyond a float's range
    from decimal import Decimal

    from scalarnet import Network

    net = Network.from_matrices([[[Decimal("0.5")], [Decimal("-0.5")]]], None, ["softmax"], name="ds")
    with pytest.raises(NumberError) as info:
        net.gradients([Decimal(1)], [0, 1], "cross_entropy")
    assert str(info.value) == (
        "network 'ds', backward pass: a Decimal meets a float (the gradients through layer 'output', "
        "softmax, are floats): Decimals compute only with ints and Decimals; make every number a float, "
        "float(x), to train through softmax")


def test_softmax_backward_of_an_infinite_and_a_minus_infinite_da_is_nan():
    # target inf: the output's dL/dz is [0 - inf, 0] = [-inf, 0], so the softmax layer's dL/da is
    # [1*(-inf), (-1)*(-inf)] = [-inf, inf]; s = 0.5*(-inf) + 0.5*inf is nan in IEEE arithmetic
    # (math.fsum refuses it with a ValueError), and so is each dL/dz = a*(dL/da - s)
    from scalarnet import Network

    net = Network.from_matrices([[[1.0], [1.0]], [[1.0, -1.0], [0.0, 0.0]]], None, ["softmax", "identity"])
    g = net.gradients([0.0], [math.inf, 0.0])
    hidden = g.layer("hidden1")
    assert hidden.da == [-math.inf, math.inf]
    assert math.isnan(hidden.s) and all(math.isnan(d) for d in hidden.dz)

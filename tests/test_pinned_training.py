"""fit behaviours mutation testing showed no test pinned (benchmarks/mutation.py training): its
defaults, the gradient norms over several batches and after steps, the dead-ReLU boundary, the
vanishing threshold and which layer it compares with, the checks before training, and a loss that
is not finite at the starting weights."""

import copy
import math

import pytest

from scalarnet import InputError, Network, train
from scalarnet.training import VANISHING, fit

ROWS, TARGETS = [[0.0], [1.0], [2.0]], [[1.0], [3.0], [5.0]]


def test_fit_defaults_are_plain_sgd_lr_0_1_for_100_epochs_in_order():
    # the module doc's fit(net, rows, targets, loss="mse", lr=0.1, epochs=100, batch_size=1):
    # batch_size 1 without shuffling is backprop.train, bit for bit
    net = Network.from_matrices([[[0.5]]], [[-0.5]])
    expected = copy.deepcopy(net)
    losses = train(expected, ROWS, TARGETS, lr=0.1, epochs=100)
    history = fit(net, ROWS, TARGETS)
    assert net == expected
    assert [e.epoch for e in history.epochs] == list(range(101))
    assert history.losses[0] == losses[0] and history.final_loss == losses[-1]
    assert history.stopped is None


def test_fit_with_int_weights_and_an_int_lr_keeps_ints_as_train_does():
    # batch_size 1: each weight -= lr * (x * dL/dz), all ints here (identity, mse)
    net = Network.from_matrices([[[1]]], [[0]])
    expected = copy.deepcopy(net)
    train(expected, [[1], [2]], [[2], [3]], lr=1, epochs=2)
    fit(net, [[1], [2]], [[2], [3]], lr=1, epochs=2)
    assert net == expected
    neuron = net.layers[0].neurons[0]
    assert all(type(v) is int for v in neuron.weights + [neuron.bias])


def test_fit_gradient_norm_is_the_root_mean_square_over_batches():
    # y = w*x + b, w = 1, b = 0: dL/dw = x*(w*x + b - t), dL/db = w*x + b - t
    # rows (2 -> 5) and (1 -> 1): -6 and 0; batch_size 1, epoch 0 (no step): sqrt((36 + 0)/2)
    net = Network.from_matrices([[[1.0]]])
    rows, targets = [[2.0], [1.0]], [[5.0], [1.0]]
    history = fit(net, rows, targets, lr=0.01, epochs=1)
    assert history.epochs[0].grad_norms["output"] == pytest.approx(math.sqrt(18), rel=1e-12)
    # epoch 1 steps after each row: w = 1 - 0.01*(-6) = 1.06, b = 0 - 0.01*(-3) = 0.03,
    # then dL/dw = 1*(1.06 + 0.03 - 1) = 0.09
    assert history.epochs[1].grad_norms["output"] == pytest.approx(math.sqrt((36 + 0.09 ** 2) / 2), rel=1e-12)


def test_fit_gradient_norm_of_a_batch_is_its_mean_gradients_norm():
    # the same two rows as one batch: dL/dw (-6 + 0)/2 = -3, dL/db (-3 + 0)/2 = -1.5 (epochs 0
    # and 1 start from these weights); then w = 1 - 0.01*(-3) = 1.03, b = 0.015, and epoch 2's
    # dL/dw = (2*(2.075 - 5) + 1*(1.045 - 1))/2 = -2.9025
    net = Network.from_matrices([[[1.0]]])
    history = fit(net, [[2.0], [1.0]], [[5.0], [1.0]], lr=0.01, epochs=2, batch_size=2)
    assert history.epochs[0].grad_norms == history.epochs[1].grad_norms == {"output": 3.0}
    assert history.epochs[2].grad_norms["output"] == pytest.approx(2.9025, rel=1e-12)
    assert net.layers[0].neurons[0].weights[0] == pytest.approx(1.03 + 0.01 * 2.9025, rel=1e-12)


@pytest.mark.parametrize("bias, dead", [(0.0, 1), (0.5, 0)], ids=["z-is-0", "z-is-0.5"])
def test_fit_a_relu_whose_z_is_0_for_every_row_is_dead(bias, dead):
    # the weight 0 makes z the bias for every row: z <= 0 is dead (relu'(0) = 0 learns nothing)
    net = Network.from_matrices([[[0.0]], [[1.0]]], [[bias], [0.0]], ["relu", "identity"])
    history = fit(net, [[1.0], [-1.0]], [[0.0], [0.0]], lr=0.01, epochs=1)
    assert history.epochs[0].dead == {"hidden1": dead}


@pytest.mark.parametrize("w2, warns", [(5e-7, True), (2e-6, False)], ids=["5e-7", "2e-6"])
def test_fit_vanishing_is_below_1e_minus_6_of_the_next_layer(w2, warns):
    # identity layers, x = 1, w1 = 1: hidden1's dL/dw = w2 * output's, so the ratio is w2
    assert VANISHING == 1e-6
    net = Network.from_matrices([[[1.0]], [[w2]]], None, ["identity", "identity"])
    history = fit(net, [[1.0]], [[1.0]], lr=0.1, epochs=1)
    assert bool(history.epochs[0].warnings) is warns


def test_fit_vanishing_compares_each_layer_with_the_next_one():
    # three identity layers, weights 1, 1, 1e-9: hidden1 and hidden2 have the same norm, and
    # only hidden2 is far below the layer after it
    net = Network.from_matrices([[[1.0]], [[1.0]], [[1e-9]]], None, ["identity"] * 3)
    history = fit(net, [[1.0]], [[1.0]], lr=0.1, epochs=1)
    assert history.epochs[0].warnings == [
        "vanishing: layer 'hidden2' gradient norm 1e-09 is below 1e-6 of the next layer's ('output': 1)"]


def test_fit_a_perfect_fit_has_no_vanishing_warning():
    # every gradient is 0: 0 is not below 1e-6 of 0
    net = Network.from_matrices([[[1.0]], [[3.0]]], None, ["identity", "identity"])
    history = fit(net, [[1.0]], [[3.0]], lr=0.1, epochs=2)
    assert [e.warnings for e in history.epochs] == [[], [], []]
    assert history.losses == [0.0, 0.0, 0.0]


def test_fit_exploding_says_which_weights_are_kept():
    rows, targets = [[1.0], [3.0]], [[2.0], [-4.0]]
    history = fit(Network.from_matrices([[[1.0]]]), rows, targets, lr=5.0, epochs=500)
    last = history.epochs[-1]
    assert last.warnings == [f"exploding: the loss is {last.loss} (training stops; the weights of "
                             f"epoch {last.epoch - 1} are kept)"]
    assert [e.epoch for e in history.epochs] == list(range(last.epoch + 1))


def test_fit_a_loss_not_finite_at_the_start_stops_before_any_step():
    # 1e200 * 1e200 overflows to inf: the starting weights' loss is inf
    net = Network.from_matrices([[[1e200]]])
    history = fit(net, [[1e200]], [[1.0]], lr=0.1, epochs=3)
    assert history.stopped == "exploding" and len(history.epochs) == 1
    assert history.epochs[0].loss == math.inf
    assert history.epochs[0].warnings == [
        "exploding: the loss is inf (training stops; the weights of epoch 0 are kept)"]
    assert history.final_loss == math.inf
    assert net == Network.from_matrices([[[1e200]]])


@pytest.mark.parametrize("kwargs, message", [
    ({"seed": True}, "seed: expected a whole number or None, got True"),
    ({"epochs": True}, "epochs: expected a whole number of at least 1, got True"),
    ({"batch_size": 0}, "batch_size: expected a whole number of at least 1, got 0"),
], ids=["seed-bool", "epochs-bool", "batch-0"])
def test_fit_refuses_bools_and_zero(kwargs, message):
    with pytest.raises(InputError, match="^" + message + "$"):
        fit(Network.from_matrices([[[1.0]]]), [[1.0]], [[1.0]], **kwargs)


def test_fit_accepts_one_epoch_and_a_batch_of_one():
    history = fit(Network.from_matrices([[[1.0]]]), [[1.0]], [[1.0]], epochs=1, batch_size=1)
    assert len(history.epochs) == 2


@pytest.mark.parametrize("rows, targets, message", [
    ([[1.0], [2.0]], [[1.0]], "2 rows but 1 targets (one target per row)"),
    ([[1.0], [1.0, 2.0]], [[1.0], [1.0]],
     "row 1: network 'network': 2 input values but the network has 1 input (x0)"),
    ([[1.0], [2.0]], [[1.0], [1.0, 2.0]], "row 1: network 'network': 2 target values but the output"),
], ids=["counts", "row-1-input", "row-1-target"])
def test_fit_checks_every_row_before_the_first_step(rows, targets, message):
    net = Network.from_matrices([[[1.0]]])
    with pytest.raises(InputError) as info:
        fit(net, rows, targets, lr=0.1, epochs=1)
    assert str(info.value).startswith(message)
    assert net == Network.from_matrices([[[1.0]]])


def test_cli_train_a_loss_not_finite_at_the_start_writes_the_network_unchanged(tmp_path, capsys):
    from scalarnet import load, save
    from scalarnet.cli import main

    save(Network.from_matrices([[[1e200]]], name="line"), tmp_path / "line.json")
    (tmp_path / "rows.csv").write_text("x0,t\n1e200,1\n")
    code = main(["train", str(tmp_path / "line.json"), "--data", str(tmp_path / "rows.csv"), "--target", "t",
                 "-o", str(tmp_path / "out.json"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.endswith(f"the loss became non-finite in epoch 0: wrote {tmp_path / 'out.json'} "
                        "with the weights of epoch 0\n")
    assert load(tmp_path / "out.json") == Network.from_matrices([[[1e200]]], name="line")


def test_fit_whose_last_steps_overflow_stops_exploding_not_silently():
    """An epoch's loss is its rows' as they were met, before each step. When only the last
    epoch's steps overflow, every epoch's loss is finite but the network's is not: that is
    exploding too, said as such (never an infinite loss in silence); the last epoch's weights are
    kept, as the weights of the epoch before a non-finite one always are."""
    # one row: epoch 1's loss is the start's, (1e100)^2 / 2; its step moves w by 1 * 1e100 * 1e100
    # to about -1e200, whose loss (1e300)^2 / 2 overflows
    net = Network.from_matrices([[[1.0]]])
    history = fit(net, [[1e100]], [[0.0]], lr=1.0, epochs=1)
    assert [e.loss for e in history.epochs] == [0.5 * 1e100 ** 2] * 2
    assert history.stopped == "exploding"
    assert history.epochs[-1].warnings == [
        "exploding: the loss after epoch 1 is inf (training stops; the weights of epoch 1 are kept)"]
    assert net.layers[0].neurons[0].weights == [1.0 - 1e100 * 1e100]
    assert history.final_loss == math.inf


def test_cli_train_whose_last_steps_overflow_exits_1(tmp_path, capsys):
    from scalarnet import files
    from scalarnet.cli import main

    files.save(Network.from_matrices([[[1.0]]]), str(tmp_path / "net.json"))
    (tmp_path / "data.csv").write_text("x0,y0\n1e100,0\n")
    code = main(["train", str(tmp_path / "net.json"), "--data", str(tmp_path / "data.csv"),
                 "--target", "y0", "--lr", "1", "--epochs", "1", "-o", str(tmp_path / "out.json"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "the loss became non-finite after epoch 1" in err and "with the weights of epoch 1" in err
    assert files.load(str(tmp_path / "out.json")).layers[0].neurons[0].weights == [1.0 - 1e100 * 1e100]


def test_fit_exploding_after_the_last_of_several_epochs_is_said_by_that_epoch():
    # rows 1 and 2, target 0, lr 1e38: epoch 1 moves w from 1 to about 5e76 (finite losses all
    # through epoch 2, each row's met before its step), and epoch 2's steps take it past 1e153,
    # whose loss overflows
    net = Network.from_matrices([[[1.0]]])
    history = fit(net, [[1.0], [2.0]], [[0.0], [0.0]], lr=1e38, epochs=2)
    assert [e.epoch for e in history.epochs] == [0, 1, 2]
    assert all(math.isfinite(e.loss) for e in history.epochs)
    assert history.stopped == "exploding" and history.final_loss == math.inf
    assert [e.warnings for e in history.epochs] == [[], [], [
        "exploding: the loss after epoch 2 is inf (training stops; the weights of epoch 2 are kept)"]]

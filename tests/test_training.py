"""scalarnet.training.fit: mini-batches against numpy and torch, diagnostics, stopping, bad options."""

import copy
import math
import random

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scalarnet import InputError, LossError, Network, train
from scalarnet.training import epoch_orders, fit

HIDDEN = ("relu", "tanh", "sigmoid", "identity", "leaky_relu")
# output activation -> the losses that fit it
OUTPUTS = {"identity": ("mse",), "sigmoid": ("mse", "binary_cross_entropy"),
           "softmax": ("mse", "cross_entropy")}


def random_case(seed: int):
    """A small random network, rows and targets that fit its loss; printed on failure."""
    rng = random.Random(seed)
    widths = [rng.randint(1, 3) for _ in range(rng.randint(2, 4))]
    output = rng.choice(sorted(OUTPUTS))
    if output == "softmax":
        widths[-1] = max(2, widths[-1])
    loss = rng.choice(OUTPUTS[output])
    acts = [rng.choice(HIDDEN) for _ in widths[2:]] + [output]
    weights = [[[rng.uniform(-1, 1) for _ in range(a)] for _ in range(b)]
               for a, b in zip(widths, widths[1:])]
    biases = [[rng.uniform(-0.5, 0.5) for _ in range(b)] for b in widths[1:]]
    net = Network.from_matrices(weights, biases, acts)
    n = rng.randint(1, 7)
    rows = [[rng.uniform(-2, 2) for _ in range(widths[0])] for _ in range(n)]
    if loss == "cross_entropy":
        targets = [[1.0 if j == rng.randrange(widths[-1]) else 0.0 for j in range(widths[-1])]
                   for _ in range(n)]
        targets = [t if sum(t) == 1 else [1.0] + [0.0] * (widths[-1] - 1) for t in targets]
    elif loss == "binary_cross_entropy":
        targets = [[rng.choice([0.0, 1.0, rng.random()]) for _ in range(widths[-1])] for _ in range(n)]
    else:
        targets = [[rng.uniform(-1, 1) for _ in range(widths[-1])] for _ in range(n)]
    options = {"loss": loss, "lr": rng.choice([0.01, 0.1, 0.5]), "epochs": rng.randint(1, 4),
               "batch_size": rng.randint(1, n + 1), "shuffle": rng.random() < 0.5,
               "seed": rng.randint(0, 99)}
    return net, rows, targets, options


# -- an independent numpy loop: matrices, the whole batch at once --------------------------------


def _act(name, z):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return z


def _act_grad(name, z, a, g):
    """dL/dz from dL/da, rows x width."""
    if name == "relu":
        return g * (z > 0)
    if name == "leaky_relu":
        return g * np.where(z > 0, 1.0, 0.01)
    if name == "tanh":
        return g * (1 - a * a)
    if name == "sigmoid":
        return g * a * (1 - a)
    if name == "softmax":
        return a * (g - (g * a).sum(axis=1, keepdims=True))
    return g


def numpy_fit(net, rows, targets, loss, lr, epochs, batch_size, shuffle, seed):
    Ws = [np.array([n.weights for n in layer.neurons], dtype=float) for layer in net.layers]
    bs = [np.array([n.bias for n in layer.neurons], dtype=float) for layer in net.layers]
    acts = [layer.activation.name for layer in net.layers]
    X, T = np.array(rows, dtype=float), np.array(targets, dtype=float)
    for order in epoch_orders(len(rows), epochs, shuffle, seed):
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            xs, zs = [X[idx]], []
            for W, b, act in zip(Ws, bs, acts):
                zs.append(xs[-1] @ W.T + b)  # (B, n_in) @ (n_in, n_out) -> (B, n_out)
                xs.append(_act(act, zs[-1]))
            a = xs[-1]
            if loss == "mse":
                dz = _act_grad(acts[-1], zs[-1], a, a - T[idx])
            else:  # both cross-entropies: dL/dz = a - t through their activation
                dz = a - T[idx]
            grads = []
            for k in range(len(Ws) - 1, -1, -1):
                grads.append((dz.T @ xs[k] / len(idx), dz.sum(axis=0) / len(idx)))
                if k:
                    dz = _act_grad(acts[k - 1], zs[k - 1], xs[k], dz @ Ws[k])
            for k, (gW, gb) in enumerate(reversed(grads)):
                Ws[k] = Ws[k] - lr * gW
                bs[k] = bs[k] - lr * gb
    return Ws, bs


def weights_of(net):
    return ([np.array([n.weights for n in layer.neurons], dtype=float) for layer in net.layers],
            [np.array([n.bias for n in layer.neurons], dtype=float) for layer in net.layers])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6))
def test_fit_matches_numpy_loop(seed):
    net, rows, targets, options = random_case(seed)
    expected = numpy_fit(copy.deepcopy(net), rows, targets, **options)
    history = fit(net, rows, targets, **options)
    assume(history.stopped is None)  # a run that diverges keeps earlier weights (tested below)
    for mine, theirs in zip(weights_of(net), expected):
        for m, t in zip(mine, theirs):
            np.testing.assert_allclose(m, t, rtol=1e-9, atol=1e-12, err_msg=f"seed {seed}: {options}")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6))
def test_fit_batch_size_1_is_backprop_train_exactly(seed):
    net, rows, targets, options = random_case(seed)
    other = copy.deepcopy(net)
    losses = train(other, rows, targets, options["lr"], options["epochs"], options["loss"])
    history = fit(net, rows, targets, options["loss"], options["lr"], options["epochs"])
    if all(math.isfinite(v) for v in losses):
        assert net == other, seed  # every weight equal, bit for bit
        assert (history.losses[0], history.final_loss) == (losses[0], losses[-1])
    else:  # train goes on to nan; fit stops at the first non-finite loss, also when only the last
        # epoch's steps overflow (seeds 430 and 11773)
        assert history.stopped == "exploding", seed


def test_fit_matches_torch_sgd():
    torch = pytest.importorskip("torch", reason="needs torch (pip install torch)")
    F = torch.nn.functional
    for seed in range(25):
        net, rows, targets, options = random_case(seed)
        layers, acts = [], {"relu": torch.nn.ReLU(), "tanh": torch.nn.Tanh(),
                            "sigmoid": torch.nn.Sigmoid(), "identity": torch.nn.Identity(),
                            "leaky_relu": torch.nn.LeakyReLU(0.01)}
        for layer in net.layers:
            lin = torch.nn.Linear(layer.n_inputs, len(layer.neurons)).double()
            with torch.no_grad():
                lin.weight.copy_(torch.tensor([n.weights for n in layer.neurons], dtype=torch.float64))
                lin.bias.copy_(torch.tensor([n.bias for n in layer.neurons], dtype=torch.float64))
            layers.append(lin)
        hidden = [acts[layer.activation.name] for layer in net.layers[:-1]]
        opt = torch.optim.SGD([p for lin in layers for p in lin.parameters()], lr=options["lr"])
        X, T = torch.tensor(rows, dtype=torch.float64), torch.tensor(targets, dtype=torch.float64)
        output = net.layers[-1].activation.name
        for order in epoch_orders(len(rows), options["epochs"], options["shuffle"], options["seed"]):
            for start in range(0, len(order), options["batch_size"]):
                idx = order[start:start + options["batch_size"]]
                h = X[idx]
                for lin, act in zip(layers[:-1], hidden):
                    h = act(lin(h))
                z, t = layers[-1](h), T[idx]
                if options["loss"] == "cross_entropy":
                    loss = F.cross_entropy(z, t, reduction="sum")
                elif options["loss"] == "binary_cross_entropy":
                    loss = F.binary_cross_entropy_with_logits(z, t, reduction="sum")
                else:
                    a = {"identity": z, "sigmoid": torch.sigmoid(z),
                         "softmax": torch.softmax(z, dim=1)}[output]
                    loss = F.mse_loss(a, t, reduction="sum") / 2
                opt.zero_grad()
                (loss / len(idx)).backward()
                opt.step()
        fit(net, rows, targets, **options)
        for layer, lin in zip(net.layers, layers):
            np.testing.assert_allclose([n.weights for n in layer.neurons], lin.weight.detach().numpy(),
                                       rtol=1e-9, atol=1e-12, err_msg=f"seed {seed}: {options}")
            np.testing.assert_allclose([n.bias for n in layer.neurons], lin.bias.detach().numpy(),
                                       rtol=1e-9, atol=1e-12, err_msg=f"seed {seed}: {options}")


# -- diagnostics ---------------------------------------------------------------------------------


def test_fit_counts_relus_dead_for_every_row():
    # node 1's bias keeps z below 0 for every row; node 0 is alive
    net = Network.from_matrices([[[1.0], [1.0]], [[1.0, 1.0]]], [[0.0, -10.0], [0.0]], ["relu", "identity"])
    history = fit(net, [[1.0], [2.0]], [[1.0], [2.0]], lr=0.01, epochs=2)
    assert [e.dead for e in history.epochs] == [{"hidden1": 1}] * 3
    assert history.columns() == ["epoch", "loss", "hidden1_dead_relus", "hidden1_grad_norm",
                                 "output_grad_norm", "warnings"]
    assert [row[0] for row in history.rows()] == [0, 1, 2]


def test_fit_gradient_norm_is_the_batch_gradients_norm():
    # one row, y = w*x: dL/dw = x*(w*x - t) = 2*(1*2 - 5) = -6, so the norm is 6
    net = Network.from_matrices([[[1.0]]])
    history = fit(net, [[2.0]], [[5.0]], lr=0.01, epochs=1)
    assert history.epochs[0].grad_norms == {"output": 6.0}


def test_fit_warns_of_vanishing_gradients():
    net = Network.from_matrices([[[1.0]], [[1e-9]]], [[0.0], [0.0]], ["tanh", "identity"])
    history = fit(net, [[1.0]], [[1.0]], lr=0.1, epochs=1)
    assert history.epochs[0].warnings[0].startswith(
        "vanishing: layer 'hidden1' gradient norm 4.2e-10 is below 1e-6 of the next layer's "
        "('output': 0.762)")


def test_fit_stops_on_a_non_finite_loss_and_keeps_the_last_finite_weights():
    rows, targets = [[1.0], [3.0]], [[2.0], [-4.0]]
    net = Network.from_matrices([[[1.0]]])
    history = fit(net, rows, targets, lr=5.0, epochs=500)
    assert history.stopped == "exploding"
    last = history.epochs[-1]
    assert not math.isfinite(last.loss) and last.warnings[-1].startswith("exploding: the loss is")
    # the network holds the weights of the epoch before: the same as training that many epochs
    again = Network.from_matrices([[[1.0]]])
    kept = fit(again, rows, targets, lr=5.0, epochs=last.epoch - 1)
    assert net == again and math.isfinite(kept.losses[-1])


def test_fit_stop_keeps_the_last_completed_epoch():
    rows, targets = [[0.0], [1.0], [2.0]], [[1.0], [3.0], [5.0]]
    batches = []

    def stop():
        batches.append(1)
        return len(batches) == 3 * 2 + 2  # in the third epoch, after its second batch

    net = Network.from_matrices([[[0.0]]], [[0.0]])
    history = fit(net, rows, targets, lr=0.1, epochs=5, stop=stop)
    assert history.stopped == "interrupted" and len(history.epochs) == 3  # epochs 0, 1, 2
    two = Network.from_matrices([[[0.0]]], [[0.0]])
    fit(two, rows, targets, lr=0.1, epochs=2)
    assert net == two


def test_fit_keyboard_interrupt_keeps_the_last_completed_epoch():
    seen = []

    def on_epoch(epoch):
        seen.append(epoch.epoch)
        if epoch.epoch == 2:
            raise KeyboardInterrupt

    net = Network.from_matrices([[[0.0]]], [[0.0]])
    history = fit(net, [[1.0]], [[3.0]], lr=0.1, epochs=5, on_epoch=on_epoch)
    one = Network.from_matrices([[[0.0]]], [[0.0]])
    fit(one, [[1.0]], [[3.0]], lr=0.1, epochs=1)
    assert history.stopped == "interrupted" and seen == [0, 1, 2] and net == one


@pytest.mark.parametrize("kwargs, error, message", [
    ({"lr": 0}, InputError, "lr: expected a positive number, got 0"),
    ({"lr": float("nan")}, InputError, "lr: expected a positive number, got nan"),
    ({"epochs": 0}, InputError, "epochs: expected a whole number of at least 1, got 0"),
    ({"batch_size": 2.5}, InputError, "batch_size: expected a whole number of at least 1, got 2.5"),
    ({"seed": "x"}, InputError, "seed: expected a whole number or None, got 'x'"),
    ({"loss": "cross_entropy"}, LossError, "loss 'cross_entropy' is for a softmax output"),
], ids=["lr-0", "lr-nan", "epochs-0", "batch-float", "seed-str", "loss-activation"])
def test_fit_refuses_bad_options(kwargs, error, message):
    net = Network.from_matrices([[[1.0]]])
    with pytest.raises(error, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        fit(net, [[1.0]], [[1.0]], **kwargs)
    assert net == Network.from_matrices([[[1.0]]])

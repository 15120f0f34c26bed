"""Training: mini-batch gradient descent over epochs, with each epoch's loss and diagnostics.

`fit(net, rows, targets, loss="mse", lr=0.1, epochs=100, batch_size=1)` changes
`net` in place and returns a `History`: one `Epoch` for the starting weights
(epoch 0, a pass over the data without a step) and one for each epoch, each
describing the epoch as it ran, every row at the weights it met:

- `loss`: the mean over the rows of each row's loss before its batch's step
  (per-row loss as `scalarnet.gradients` defines it: mse is 1/2 * sum (a - t)^2).
  Epoch 0's is the loss of the starting weights; `history.final_loss` is the
  loss of the network `fit` returns. (One pass per epoch, not two: training
  costs what the steps cost.)
- `dead`: per ReLU layer, how many of its neurons had z <= 0 for every row of
  the epoch: they passed no gradient back and learnt nothing in that epoch;
- `grad_norms`: per layer, the size of the gradient of its weights: the root
  mean square, over the epoch's batches, of the Euclidean norm of the layer's
  batch gradient;
- `warnings`: "vanishing" when a layer's gradient norm is below 1e-6 of the
  next layer's, "exploding" when the loss is no longer finite. Then training
  stops and the network keeps the weights of the epoch before. When only the
  last epoch's steps overflow (its loss, met before each step, is finite), the
  last epoch says "exploding: the loss after epoch N is inf" and keeps its own.

A batch's gradient is the mean of its rows' gradients; each weight then moves by
-lr times it. `batch_size=1` is plain stochastic gradient descent, the same
arithmetic as `scalarnet.backprop.train` (bit for bit). The rows are used in
order, or with `shuffle=True` in an order that `random.Random(seed)` shuffles
anew before each epoch (`epoch_orders`); a last batch of fewer rows is the mean
of those rows. In PyTorch terms, with `reduction="sum"` losses:

    for batch in batches:                       # torch.optim.SGD(params, lr=lr)
        opt.zero_grad()
        loss = F.mse_loss(out, t, reduction="sum") / 2 / len(batch)   # mse
        # cross_entropy:        F.cross_entropy(z, t, reduction="sum") / len(batch)
        # binary_cross_entropy: F.binary_cross_entropy_with_logits(z, t, reduction="sum") / len(batch)
        loss.backward(); opt.step()

Ctrl-C (KeyboardInterrupt) or `stop()` returning true, checked after each
batch, ends training with the network at the last completed epoch
(`history.stopped == "interrupted"`).

>>> from scalarnet import Network
>>> net = Network.from_matrices([[[0.0]]], [[0.0]])  # learn y = 2x + 1
>>> history = fit(net, [[0], [1], [2]], [[1], [3], [5]], lr=0.2, epochs=500, batch_size=3)
>>> round(history.epochs[0].loss, 3), history.final_loss < 1e-6
(5.833, True)
>>> round(net.layers[0].neurons[0].weights[0], 3), round(net.layers[0].neurons[0].bias, 3)
(2.0, 1.0)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from .backprop import _check_lr, _check_rows
from .losses import Loss, _check_output, _targets, get_loss
from .errors import InputError, ScalarnetError
from .network import Network
from .numbers import Number, is_finite

__all__ = ["Epoch", "History", "VANISHING", "epoch_orders", "fit"]

#: A layer whose gradient norm is below this fraction of the next layer's is "vanishing".
VANISHING = 1e-6


class Epoch:
    """One row of the history: the epoch's number, its mean loss, and its diagnostics."""

    __slots__ = ("epoch", "loss", "dead", "grad_norms", "warnings")

    def __init__(self, epoch: int, loss: Number, dead: dict, grad_norms: dict, warnings: list):
        self.epoch = epoch
        self.loss = loss
        self.dead = dead  # ReLU layer name -> neurons dead for every row
        self.grad_norms = grad_norms  # layer name -> gradient norm of its weights
        self.warnings = warnings

    def __repr__(self) -> str:
        return f"<Epoch {self.epoch}: loss={self.loss!r}>"


class History:
    """What `fit` did: `epochs` (epoch 0 first), and why it stopped early (`stopped`) if it did."""

    __slots__ = ("layer_names", "relu_layers", "epochs", "stopped", "final_loss")

    def __init__(self, layer_names: list[str], relu_layers: list[str]):
        self.layer_names = layer_names
        self.relu_layers = relu_layers
        self.epochs: list[Epoch] = []
        self.stopped: str | None = None  # None, "exploding" or "interrupted"
        self.final_loss: Number | None = None  # the mean loss of the network fit returns

    @property
    def losses(self) -> list:
        """The mean loss before training, then after each epoch."""
        return [e.loss for e in self.epochs]

    def columns(self) -> list[str]:
        """The CSV header: epoch, loss, each ReLU layer's dead count, each layer's gradient norm."""
        return (["epoch", "loss"] + [f"{name}_dead_relus" for name in self.relu_layers]
                + [f"{name}_grad_norm" for name in self.layer_names] + ["warnings"])

    def rows(self) -> list[list]:
        """One list per epoch, in the order of `columns()`."""
        return [[e.epoch, e.loss] + [e.dead[n] for n in self.relu_layers]
                + [e.grad_norms[n] for n in self.layer_names] + ["; ".join(e.warnings)]
                for e in self.epochs]


def epoch_orders(n: int, epochs: int, shuffle: bool = False, seed: int | None = None):
    """The order of the rows in each epoch: 0..n-1, or shuffled anew each epoch by Random(seed).

    >>> list(epoch_orders(3, 2))
    [[0, 1, 2], [0, 1, 2]]
    >>> list(epoch_orders(4, 2, shuffle=True, seed=1))
    [[3, 0, 2, 1], [1, 0, 3, 2]]
    """
    order = list(range(n))
    rng = random.Random(seed)
    for _ in range(epochs):
        if shuffle:
            rng.shuffle(order)
        yield list(order)


def _check_options(epochs, batch_size, seed) -> None:
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(f"{name}: expected a whole number of at least 1, got {value!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InputError(f"seed: expected a whole number or None, got {seed!r}")


def fit(net: Network, rows: Sequence, targets: Sequence, loss: str | Loss = "mse",
        lr: Number = 0.1, epochs: int = 100, batch_size: int = 1, shuffle: bool = False,
        seed: int | None = None, on_epoch: Callable[[Epoch], None] | None = None,
        stop: Callable[[], bool] | None = None) -> History:
    """Train `net` in place by mini-batch gradient descent; see the module doc.

    Every row and target is checked before the first step. `on_epoch(epoch)` is
    called with epoch 0 and after each epoch (a progress bar's hook).
    """
    loss = get_loss(loss)
    _check_lr(lr)
    _check_options(epochs, batch_size, seed)
    _check_rows(rows, targets)
    output = net.layers[-1]
    _check_output(loss, output.activation.name, output.name)  # once, not as row 0's error
    xs, ts = [], []
    for r, (x, target) in enumerate(zip(rows, targets)):
        try:
            xs.append(net.input_values(x))
            ts.append(_targets(net, target, loss))
        except ScalarnetError as e:
            raise type(e)(f"row {r}: {e}") from None
    trainer = _Trainer(net, loss, lr)
    history = History(trainer.names, [trainer.names[k] for k in trainer.relu])

    def record(number: int, seen: tuple) -> bool:
        norms, mean, dead = seen
        warnings = trainer.warnings(norms)
        finite = is_finite(mean)
        if not finite:
            warnings.append(f"exploding: the loss is {mean} (training stops; the weights of "
                            f"epoch {max(number - 1, 0)} are kept)")  # epoch 0's: the starting ones
        epoch = Epoch(number, mean, dead, dict(zip(trainer.names, norms)), warnings)
        history.epochs.append(epoch)
        if on_epoch is not None:
            on_epoch(epoch)
        return finite

    if not record(0, trainer.pass_(xs, ts, list(range(len(xs))), batch_size, step=False)):
        history.stopped = "exploding"
        history.final_loss = history.epochs[0].loss  # the network is unchanged
        return history
    try:
        for number, order in enumerate(epoch_orders(len(xs), epochs, shuffle, seed), start=1):
            seen = trainer.pass_(xs, ts, order, batch_size, step=True, stop=stop)
            if seen is None:
                history.stopped = "interrupted"
                break
            if not record(number, seen):
                history.stopped = "exploding"
                break
            trainer.keep()
    except KeyboardInterrupt:
        history.stopped = "interrupted"
    trainer.weights, trainer.biases = trainer.kept()
    history.final_loss = trainer.evaluate(xs, ts)
    last = history.epochs[-1]
    if history.stopped is None and not is_finite(history.final_loss):  # never after epoch 0 alone: finite
        # every epoch's loss was finite (each row's loss is met before its step), but the last
        # epoch's steps overflowed: the next epoch's loss would not be finite, so this is
        # exploding too, said as such, never an infinite loss in silence
        last.warnings.append(f"exploding: the loss after epoch {last.epoch} is {history.final_loss} "
                             f"(training stops; the weights of epoch {last.epoch} are kept)")
        history.stopped = "exploding"
    return history


class _Trainer:
    """The weights being trained, as lists, and the passes over the data.

    The network itself is written only at the end of an epoch whose loss is
    finite (`keep`), so it always holds the last completed, finite epoch.
    Weight lists are replaced, never changed in place, so a list handed to the
    network is never changed afterwards.
    """

    def __init__(self, net: Network, loss: Loss, lr: Number):
        self.net, self.loss, self.lr = net, loss, lr
        self.names = [layer.name for layer in net.layers]
        self.acts = [layer.activation for layer in net.layers]
        self.applies = [act.apply for act in self.acts]
        self.relu = [k for k, act in enumerate(self.acts) if act.name == "relu"]
        self.weights, self.biases = self.kept()
        self.combined = loss.output_activation is not None  # dL/dz = a - t

    def kept(self) -> tuple[list, list]:
        """The weights and biases the network holds now."""
        return ([[n.weights for n in layer.neurons] for layer in self.net.layers],
                [[n.bias for n in layer.neurons] for layer in self.net.layers])

    def keep(self) -> None:
        """Write the current weights into the network."""
        for layer, weights, biases in zip(self.net.layers, self.weights, self.biases):
            for neuron, w, b in zip(layer.neurons, weights, biases):
                neuron.weights = w
                neuron.bias = b

    def forward(self, x: list) -> tuple[list, list]:
        """Each layer's inputs (x first, then each layer's outputs) and weighted sums."""
        values, sums = [x], []
        for weights, biases, apply in zip(self.weights, self.biases, self.applies):
            zs = []
            append = zs.append
            for w, b in zip(weights, biases):
                total = 0
                for xi, wi in zip(x, w):  # left to right, as Neuron.weighted_sum adds
                    total += xi * wi
                append(total + b)
            x = apply(zs)
            sums.append(zs)
            values.append(x)
        return values, sums

    def evaluate(self, xs: list, ts: list) -> Number:
        """The mean loss over the rows at the current weights."""
        total = 0
        for x, t in zip(xs, ts):
            values, sums = self.forward(x)
            total += self.loss.value(sums[-1], values[-1], t)
        return total / len(xs)

    def _seen(self, x: list, t: list) -> tuple[list, list]:
        """The forward pass of a row, its loss added up and its ReLUs with z > 0 marked alive."""
        values, sums = self.forward(x)
        self.total += self.loss.value(sums[-1], values[-1], t)
        for k, flags in self.alive:
            for j, z in enumerate(sums[k]):
                if z > 0:
                    flags[j] = True
        return values, sums

    def pass_(self, xs: list, ts: list, order: list, batch_size: int, step: bool,
              stop: Callable[[], bool] | None = None) -> list | None:
        """One epoch over the rows in `order`, stepping after each batch if `step`.

        Returns each layer's gradient norm (root mean square over the batches),
        the mean loss of the rows as they were seen, and per ReLU layer how many
        neurons had z <= 0 for every row; or None when `stop()` said to stop.
        """
        self.total = 0
        self.alive = [(k, [False] * len(self.biases[k])) for k in self.relu]
        n_layers = len(self.weights)
        squares = [0.0] * n_layers
        batches = 0
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            if step and len(batch) == 1:
                self._row_step(xs[batch[0]], ts[batch[0]], squares)
            else:
                gw, gb = [None] * n_layers, [None] * n_layers
                for r in batch:
                    self._backward(xs[r], ts[r], gw, gb)
                size = len(batch)
                for k in range(n_layers):
                    for grads in gw[k]:
                        squares[k] += _square_sum(grads, size)
                if step:
                    self._step(gw, gb, size)
            batches += 1
            if stop is not None and stop():
                return None
        dead = {self.names[k]: flags.count(False) for k, flags in self.alive}
        return [math.sqrt(s / batches) for s in squares], self.total / len(order), dead

    def _output_dz(self, values: list, sums: list, t: list) -> list:
        loss, out = self.loss, values[-1]
        if self.combined:
            return loss.dz(out, t)
        return self.acts[-1].backward(sums[-1], out, loss.derivative(out, t))

    def _back(self, k: int, dz: list, inputs: list, sums: list) -> list:
        """dL/dz of layer k - 1 from layer k's dL/dz (as backprop's _back_sum adds it), with the
        weights before any step."""
        da = [0] * len(inputs)
        for w, d in zip(self.weights[k], dz):  # over the neurons in order, as _back_sum adds
            da = [total + wi * d for total, wi in zip(da, w)]
        return self.acts[k - 1].backward(sums[k - 1], inputs, da)

    def _backward(self, x: list, t: list, gw: list, gb: list) -> None:
        """Add one row's dL/dw (input times dL/dz) and dL/dbias into `gw` and `gb` (None: empty)."""
        values, sums = self._seen(x, t)
        dz = self._output_dz(values, sums, t)
        for k in range(len(self.weights) - 1, -1, -1):
            inputs = values[k]
            if gw[k] is None:
                gw[k] = [[xi * d for xi in inputs] for d in dz]
                gb[k] = list(dz)
            else:
                gw[k] = [[g + xi * d for g, xi in zip(grads, inputs)] for grads, d in zip(gw[k], dz)]
                gb[k] = [g + d for g, d in zip(gb[k], dz)]
            if k:
                dz = self._back(k, dz, inputs, sums)

    def _row_step(self, x: list, t: list, squares: list) -> None:
        """A batch of one row: each weight -= lr * (input * dL/dz), exactly as sgd_step, at once."""
        values, sums = self._seen(x, t)
        dz = self._output_dz(values, sums, t)
        lr = self.lr
        for k in range(len(self.weights) - 1, -1, -1):
            inputs = values[k]
            # the gradient x * dz is rank one: its squared norm is sum(x^2) * sum(dz^2)
            squares[k] += _square_sum(inputs, 1) * _square_sum(dz, 1)
            after = [[w - lr * (xi * d) for w, xi in zip(row, inputs)]
                     for row, d in zip(self.weights[k], dz)]
            self.biases[k] = [b - lr * d for b, d in zip(self.biases[k], dz)]
            if k:
                dz = self._back(k, dz, inputs, sums)  # before the step: the old weights
            self.weights[k] = after

    def _step(self, gw: list, gb: list, size: int) -> None:
        """Every weight and bias -= lr * the batch's mean gradient (new lists)."""
        lr = self.lr
        for k, (weights, biases) in enumerate(zip(self.weights, self.biases)):
            self.weights[k] = [[w - lr * (g / size) for w, g in zip(row, grads)]
                               for row, grads in zip(weights, gw[k])]
            self.biases[k] = [b - lr * (g / size) for b, g in zip(biases, gb[k])]

    def warnings(self, norms: list) -> list[str]:
        """A vanishing-gradient warning for each layer far below the layer after it."""
        found = []
        for k in range(len(norms) - 1):
            if norms[k] < VANISHING * norms[k + 1]:
                found.append(f"vanishing: layer {self.names[k]!r} gradient norm {norms[k]:.3g} is "
                             f"below 1e-6 of the next layer's ({self.names[k + 1]!r}: {norms[k + 1]:.3g})")
        return found


def _square_sum(values: list, size: int) -> float:
    """The sum of (v / size)^2 as a float (an overflow is inf, not an error)."""
    total = 0.0
    for v in values:
        v = float(v / size if size > 1 else v)
        total += v * v
    return total

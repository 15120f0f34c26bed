"""The same network as numpy matrices: one row per neuron, and the batch forward pass as matrix products.

This is the independent reference the scalar engine is checked against: it never
calls a neuron or an activation of the engine, only numpy.

>>> from scalarnet import load
>>> m = matrices(load("tutorial-deep"))
>>> m.weights[0]
array([[ 2,  4],
       [ 4, -5]])
>>> run = forward(m, [[3, 5], [1, 1]])
>>> run.z[0]
array([[ 26, -13],
       [  6,  -1]])
>>> run.output
array([[182],
       [ 42]])

Dtypes, chosen from the values so that ints stay ints as in the engine:

- every weight, bias and input an int: int64, exact; a layer whose sums could
  leave int64 is computed in object arrays of Python ints instead (still exact);
- a Fraction or a Decimal anywhere: object arrays, exact with the engine's own
  arithmetic; tanh, sigmoid and softmax turn them into float64, as the engine
  turns them into floats;
- anything else (floats, or floats mixed with ints): float64.

numpy's matrix product sums in its own order (blocked, maybe with fused
multiply-adds), so float results differ from the engine's left-to-right sum by
a few units in the last place of the *sum of the magnitudes*: see
`scalarnet.crosscheck` for how that is tolerated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .activations import Activation, get_activation
from .errors import InputError, NetworkError, NumberError
from .layer import Layer
from .network import Network
from .neuron import Neuron

_INT64_LIMIT = 2 ** 63
_FLOAT_MAX = np.finfo(np.float64).max


def as_array(values, place: str = "values") -> np.ndarray:
    """Python numbers (nested lists) as an array with the dtype rules above.

    >>> as_array([[1, 2]]).dtype, as_array([1, 2.5]).dtype, as_array([Fraction(1, 3)]).dtype
    (dtype('int64'), dtype('float64'), dtype('O'))
    >>> as_array([2 ** 70]).dtype  # too big for int64: exact Python ints
    dtype('O')
    """
    try:
        array = values if isinstance(values, np.ndarray) else np.array(values)
    except (ValueError, OverflowError) as e:
        raise InputError(f"{place}: not a rectangular table of numbers ({e})") from None
    kind = array.dtype.kind
    if kind == "u" and array.size and array.max() > np.iinfo(np.int64).max:
        return array.astype(object)  # 2**63 and up: Python ints, never wrapped around
    if kind in "iu":
        return array.astype(np.int64)
    if kind == "f":
        return array.astype(np.float64)
    if kind == "O" and all(isinstance(v, (int, float, Fraction, Decimal)) and not isinstance(v, bool)
                           for v in array.flat):
        for v in array.flat:
            if isinstance(v, Decimal) and not v.is_finite():  # as where numbers enter the engine
                raise NumberError(f"{place}: {v!r} is not finite: a Decimal must be a finite number "
                                  "(for infinities and NaN use floats, e.g. float('inf'))")
        return array
    raise NumberError(f"{place}: expected numbers, got an array of {array.dtype}")


@dataclass
class Matrices:
    """A network as arrays: `weights[k]` is (neurons, inputs), `biases[k]` is (neurons,).

    Names are kept so that `to_network()` gives back an equal network.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activations: list[Activation]
    layer_names: list[str]
    neuron_names: list[list[str]]
    input_names: list[str]
    name: str = "network"

    @property
    def widths(self) -> list[int]:
        """The number of inputs, then each layer's number of neurons."""
        return [len(self.input_names)] + [w.shape[0] for w in self.weights]

    def to_network(self, **kwargs) -> Network:
        """The scalar network with these weights, biases, activations and names.

        >>> from scalarnet import load
        >>> net = load("tutorial-deep")
        >>> matrices(net).to_network().layers == net.layers
        True
        """
        layers = []
        for k, (w, b, act) in enumerate(zip(self.weights, self.biases, self.activations)):
            neurons = [Neuron(n, row, bias) for n, row, bias
                       in zip(self.neuron_names[k], w.tolist(), b.tolist(), strict=True)]
            layers.append(Layer(self.layer_names[k], neurons, act))
        return Network(layers, inputs=self.input_names, name=kwargs.pop("name", self.name), **kwargs)


def matrices(net: Network) -> Matrices:
    """The network's weight matrices (one row per neuron, one column per input) and bias vectors."""
    weights, biases = [], []
    for layer in net.layers:
        place = f"layer {layer.name!r}"
        weights.append(as_array([n.weights for n in layer.neurons], f"{place}, weights"))
        biases.append(as_array([n.bias for n in layer.neurons], f"{place}, biases"))
    return Matrices(weights, biases, [layer.activation for layer in net.layers],
                    [layer.name for layer in net.layers],
                    [[n.name for n in layer.neurons] for layer in net.layers],
                    list(net.inputs), net.name)


@dataclass
class Pass:
    """A batch forward pass: `z[k]` and `a[k]` are (rows, neurons of layer k), layer by layer."""

    layer_names: list[str]
    z: list[np.ndarray] = field(default_factory=list)
    a: list[np.ndarray] = field(default_factory=list)

    @property
    def output(self) -> np.ndarray:
        """The last layer's activations, (rows, outputs)."""
        return self.a[-1]

    def layer(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(z, a) of the layer called `name`."""
        if name not in self.layer_names:
            raise NetworkError(f"no layer {name!r} (layers: {', '.join(self.layer_names)})")
        k = self.layer_names.index(name)
        return self.z[k], self.a[k]


def forward(net: Network | Matrices, rows, dtype: str | None = None) -> Pass:
    """Every layer's weighted sums and activations for a batch of rows, as matrix products.

    `rows` is a (rows, inputs) table: a 2-D array or a list of lists in input order.
    `dtype` ("float32", "float64", "float16") computes the whole pass in that float
    type instead (weights, biases and rows converted first): a reference pass in the
    precision a model runs in.

    >>> from scalarnet import load
    >>> forward(load("tutorial-deep"), [[3, 5]], dtype="float32").output
    array([[182.]], dtype=float32)
    """
    m = net if isinstance(net, Matrices) else matrices(net)
    x = as_array(rows, "rows")
    if dtype is not None:
        if dtype not in ("float16", "float32", "float64"):
            raise InputError(f"dtype: expected float16, float32 or float64, got {dtype!r}")
        with np.errstate(over="ignore"):  # beyond the dtype's range is an infinity, as in IEEE
            x = as_float(x).astype(dtype)
            m = Matrices([as_float(w).astype(dtype) for w in m.weights],
                         [as_float(b).astype(dtype) for b in m.biases], m.activations,
                         m.layer_names, m.neuron_names, m.input_names, m.name)
    n_inputs = len(m.input_names)
    if x.ndim != 2 or x.shape[1] != n_inputs:
        raise InputError(f"rows: shape {x.shape} but the network reads (rows, {n_inputs}) "
                         f"({', '.join(m.input_names)})")
    run = Pass(list(m.layer_names))
    a = x  # (rows, inputs)
    for w, b, act in zip(m.weights, m.biases, m.activations):
        z = affine(a, w, b)  # (rows, n_in) -> (rows, n_out)
        a = activate(act, z)  # (rows, n_out) -> (rows, n_out)
        run.z.append(z)
        run.a.append(a)
    return run


def affine(a: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """z = a @ w.T + b for a batch: a is (rows, n_in), w (n_out, n_in), b (n_out,).

    Object arrays (Python ints beyond int64, Fractions, Decimals) never reach numpy's
    matrix product: an exception inside it can crash the process. Where floats meet
    them, they are converted to floats first (an int beyond a float's range becoming
    an infinity, as in IEEE arithmetic); otherwise the sums are Python's own, left to
    right as in the engine, and a Decimal meeting a float is a NumberError.
    """
    kinds = a.dtype.kind + w.dtype.kind + b.dtype.kind
    if kinds == "iii" and _may_overflow(a, w, b):
        a, w, b = a.astype(object), w.astype(object), b.astype(object)
    elif "f" in kinds and "O" in kinds:
        # exact numbers meeting floats give floats anyway; converting first lets a Decimal
        # meet a float too (Decimal * float is a TypeError)
        a, w, b = as_float(a), as_float(w), as_float(b)
    if "O" in a.dtype.kind + w.dtype.kind + b.dtype.kind:
        return _exact_affine(a, w, b)
    # (rows, n_in) @ (n_in, n_out) -> (rows, n_out); + (n_out,) broadcasts over the rows
    with np.errstate(invalid="ignore", over="ignore"):  # inf*0 is NaN here as in the engine, silently
        return a @ w.T + b


def _exact_affine(a: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ w.T + b in Python numbers, each sum left to right from 0 as a neuron adds it."""
    rows, weights, biases = a.tolist(), w.tolist(), b.tolist()
    out = np.empty((len(rows), len(weights)), dtype=object)  # (rows, n_out)
    try:
        for r, x in enumerate(rows):
            for j, (ws, bias) in enumerate(zip(weights, biases)):
                total = 0
                for xi, wi in zip(x, ws):
                    total += xi * wi
                out[r, j] = total + bias
    except (ArithmeticError, TypeError) as e:  # Decimal * float, 1.5 * 10**400, a Decimal overflow
        raise NumberError(f"row {r}, neuron {j}: {e} (Decimals compute only with ints and Decimals; "
                          "an int beyond a float's range cannot meet a float)") from None
    return out


def _may_overflow(a: np.ndarray, w: np.ndarray, b: np.ndarray) -> bool:
    """Whether some |sum| could reach 2**63: max|a| * max row sum of |w| + max|b|, in Python ints."""
    if a.size == 0:
        return False
    big_a = max(abs(int(a.max())), abs(int(a.min())))
    row_sums = np.abs(w.astype(object)).sum(axis=1)  # (n_out, n_in) -> (n_out,), exact
    big_b = max(abs(int(v)) for v in b.tolist())
    return big_a * int(row_sums.max()) + big_b >= _INT64_LIMIT


def activate(activation: Activation | str, z: np.ndarray) -> np.ndarray:
    """The activation of a batch of weighted sums z, (rows, n) -> (rows, n), in numpy.

    relu keeps ints and Fractions; NaN passes through relu and leaky_relu as in the engine.

    >>> activate("relu", np.array([[26, -13]]))
    array([[26,  0]])
    >>> activate("softmax", np.array([[1000.0, 1000.0]]))
    array([[0.5, 0.5]])
    """
    act = get_activation(activation)
    name = act.name
    if name == "identity":
        return z
    if name in ("relu", "leaky_relu"):
        # IEEE results without a RuntimeWarning, as in the engine (2*(-1e308) is -inf, silently)
        with np.errstate(invalid="ignore", over="ignore"):
            return _relu(z) if name == "relu" else _leaky_relu(z, act.slope)
    f = as_float(z)
    if name == "tanh":
        return np.tanh(f)
    if name == "sigmoid":
        return _sigmoid(f)
    if name == "softmax":
        return _softmax(f)
    raise NetworkError(f"vectorized: no numpy version of activation {name!r}")


def as_float(z: np.ndarray) -> np.ndarray:
    """z as floats: float arrays as they are (float32 stays float32), ints and Python numbers as
    float64, an int or Fraction beyond a float's range as an infinity (float() raises instead)."""
    if z.dtype.kind == "f":
        return z
    if z.dtype == object:
        return np.frompyfunc(_float, 1, 1)(z).astype(np.float64)
    return z.astype(np.float64)


def _float(value) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _relu(z: np.ndarray) -> np.ndarray:
    if z.dtype == object:  # NaN tested first (a Decimal NaN refuses >); a Fraction's 0 is a Fraction
        return np.frompyfunc(lambda v: v if v != v or v > 0 else type(v)(0), 1, 1)(z)
    return np.maximum(z, np.zeros((), dtype=z.dtype))  # NaN propagates


def _leaky_relu(z: np.ndarray, slope) -> np.ndarray:
    if z.dtype != object:
        if isinstance(slope, Decimal):  # as in the engine: a Decimal never meets a float
            raise NumberError(f"leaky_relu slope {slope!r} meets floats: a Decimal computes only with "
                              "ints and Decimals; use Decimal inputs and weights, or a float slope")
        return np.where(z > 0, z, float(slope) * z)
    # Exact values keep their kind, as in the engine: a float slope becomes 1/100 or Decimal('0.01').
    def one(v):
        if v != v or v > 0:  # NaN first: a Decimal NaN refuses >
            return v
        s = slope
        if isinstance(v, Decimal) and not isinstance(s, Decimal):
            s = Decimal(repr(s))
        elif isinstance(v, Fraction) and isinstance(s, float):
            s = Fraction(repr(s))
        return s * v
    try:
        return np.frompyfunc(one, 1, 1)(z)
    except (ArithmeticError, TypeError) as e:  # e.g. a Decimal slope and a float
        raise NumberError(f"leaky_relu slope {slope!r}: {e} (a Decimal computes only with ints "
                          "and Decimals)") from None


def _softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row's max; an infinite max shares the row among its infs."""
    if z.shape[1] == 0:
        return z.copy()
    top = np.max(z, axis=1, keepdims=True)  # (rows, n) -> (rows, 1)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(z - np.where(np.isinf(top) & (top > 0), 0.0, top))  # (rows, n)
        out = e / e.sum(axis=1, keepdims=True)  # (rows, n) / (rows, 1)
    infinite = np.isposinf(top[:, 0])
    if infinite.any():
        hits = np.isposinf(z[infinite])  # (k, n) bool
        out[infinite] = hits / hits.sum(axis=1, keepdims=True)
    nan_rows = np.isnan(z).any(axis=1)
    out[nan_rows] = math.nan
    return out


def layer_scales(m: Matrices, x: np.ndarray, run: Pass, rtol: float) -> list[np.ndarray]:
    """How large an error each layer's outputs may carry, in units of rtol: the scale of `compare`.

    A value agrees when `|got - expected| <= atol + rtol * max(|expected|, scale)`.

    - The weighted sums: `S_z = |W| @ (S_prev + |a_prev|) + |b|` with `S_0 = 0` and
      `a_0 = x`. That is the sum of the magnitudes of every product (the rounding error
      of a dot product is a few units in the last place of this, not of the result,
      which can be 0 after cancellation), plus the earlier layers' errors carried
      through the weights.
    - Through the activation: the sum may be off by `d = rtol * S_z`, so `a = f(z)` may be
      off by as much as f moves on `[z - d, z + d]`: `S_a = max|f(z +- d) - f(z)| / rtol`
      (never less than `|f'(z)| * S_z`). A squashing activation shrinks it: sigmoid(-30)
      is about 9e-14 and moves by about 9e-14 * d, not by d. softmax: each output may
      move by the factor `e^(2D)`, D the row's largest d, so `S_a = min(a, 1 - a) *
      (e^(2D) - 1) / rtol`. The activation's own rounding is the `|expected|` above.

    `run.z[k]` and `run.a[k]` are the layer's sums and outputs, (rows, width). With
    rtol 0 nothing is propagated through activations (only atol counts then).
    Non-finite values add nothing: they are compared exactly.
    """
    scale = np.zeros(np.shape(x), dtype=np.float64)
    prev = x
    scales = []
    for w, b, act, z, a in zip(m.weights, m.biases, m.activations, run.z, run.a):
        scale = activation_scale(act, z, sum_scale(scale, prev, w, b), rtol)
        scales.append(scale)
        prev = a
    return scales


def sum_scale(prev_scale: np.ndarray, prev: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`S_z` of `layer_scales` for a layer reading `prev`, (rows, n_in) -> (rows, n_out)."""
    with np.errstate(over="ignore", invalid="ignore"):
        # An overflowed scale is held at the largest float, so that a weight of 0 from it adds 0
        # (inf*0 would be nan and fail every comparison); times any other weight it is inf again.
        magnitude = np.minimum(prev_scale + _finite_abs(prev), _FLOAT_MAX)  # (rows, n_in)
        # (rows, n_in) @ (n_in, n_out) -> (rows, n_out); + (n_out,) broadcasts over the rows
        return magnitude @ _finite_abs(w).T + _finite_abs(b)


def activation_scale(activation: Activation, z: np.ndarray, z_scale: np.ndarray,
                     rtol: float) -> np.ndarray:
    """`S_a` of `layer_scales`: how far the activation of z can move when z is off by rtol * z_scale."""
    act = get_activation(activation)
    if rtol == 0 or act.name == "identity":
        return z_scale
    zf = as_float(z).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        d = rtol * z_scale  # (rows, n): how far each z may be off
        if act.name in ("relu", "leaky_relu"):
            low = abs(float(act.params().get("slope", 0)))  # the slope below 0 (relu: 0)
            steepest = np.where(zf >= d, 1.0, np.where(zf <= -d, low, max(1.0, low)))
            spread = steepest * d
        elif act.name == "softmax":
            a = _softmax(zf)
            most = np.max(d, axis=1, initial=0.0, keepdims=True)  # (rows, n) -> (rows, 1)
            spread = np.minimum(np.minimum(a, 1.0 - a) * np.expm1(2.0 * most), 1.0)
        else:  # tanh, sigmoid: monotone, so the ends of [z - d, z + d] are the extremes
            f = np.tanh if act.name == "tanh" else _sigmoid
            slope = 1.0 - np.tanh(zf) ** 2 if act.name == "tanh" else _sigmoid(zf) * _sigmoid(-zf)
            here = f(zf)
            spread = np.maximum(np.maximum(np.abs(f(zf + d) - here), np.abs(f(zf - d) - here)),
                                slope * d)  # the slope: d may be below half an ulp of z
        spread = np.where(np.isfinite(zf), spread, 0.0)  # a non-finite value is compared exactly
        return np.where(np.isnan(spread), np.inf, spread) / rtol


def _sigmoid(f: np.ndarray) -> np.ndarray:
    # exp of -|z| never overflows: 1/(1+e^-z) for z >= 0, e^z/(1+e^z) below
    e = np.exp(-np.abs(f))
    return np.where(f >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _finite_abs(values: np.ndarray) -> np.ndarray:
    f = np.abs(as_float(values))
    f[~np.isfinite(f)] = 0.0
    return f

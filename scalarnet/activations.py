"""Activation functions, their derivatives, and their names in network files.

Every activation maps a layer's weighted sums `zs` to its outputs with `apply(zs)`.
All but softmax work one value at a time (`act(z)`, `act.derivative(z)`); softmax
works on the whole layer. `backward(zs, outs, grads)` turns the gradient with
respect to the outputs into the gradient with respect to the weighted sums, for
every activation alike, which is what backpropagation needs.

All are numerically stable for any finite input and follow IEEE rules for NaN
and infinities:

>>> sigmoid = get_activation("sigmoid")
>>> sigmoid(-1000), sigmoid(1000), sigmoid(0)
(0.0, 1.0, 0.5)
>>> get_activation("softmax").apply([1000, 1000])
[0.5, 0.5]
>>> get_activation("relu")(-13), get_activation("relu")(2.5)
(0, 2.5)
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from .errors import NetworkError, NumberError
from .numbers import Number, is_finite, to_number


class Activation:
    """An activation: a name, the function, its derivative. Compare by name and slope."""

    __slots__ = ()
    name = ""
    elementwise = True

    def __call__(self, z: Number) -> Number:
        raise NotImplementedError

    def derivative(self, z: Number) -> Number:
        """d act(z) / dz."""
        raise NotImplementedError

    def apply(self, zs: list) -> list:
        """The layer's outputs for its weighted sums; always a new list."""
        f = self.__call__
        return [f(z) for z in zs]

    def backward(self, zs: list, outs: list, grads: list) -> list:
        """Gradients with respect to `zs`, given gradients with respect to the outputs."""
        d = self.derivative
        return [g * d(z) for z, g in zip(zs, grads)]

    def params(self) -> dict:
        """The parameters besides the name, as stored in a network file."""
        return {}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.params() == self.params()

    def __hash__(self) -> int:
        return hash((self.name, tuple(self.params().items())))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.params().items())
        return f"get_activation({self.name!r}{extra})"


class Identity(Activation):
    """a = z: the output layer of the tutorial, and 'no activation'."""

    __slots__ = ()
    name = "identity"

    def __call__(self, z):
        return z

    def apply(self, zs):
        return list(zs)

    def derivative(self, z):
        return 1


_FLOAT_MAX = 1.7976931348623157e308


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"


def _gap(z, top) -> float:
    """z - top as a float: a float minus an int beyond a float's range is worked out exactly first."""
    try:
        return _float(z - top)
    except OverflowError:  # 0.0 - 10**400 raises in Python
        return _float(Fraction(z) - Fraction(top))


def _zero_like(z):
    return type(z)(0)


def _float(z) -> float:
    """z as a float; an int or Fraction beyond a float's range is an infinity, as in IEEE arithmetic."""
    try:
        return float(z)
    except OverflowError:  # float(10**400) raises instead
        return math.inf if z > 0 else -math.inf


class ReLU(Activation):
    """a = max(0, z), keeping the type of z: relu(-13) is 0, relu(-1.5) is 0.0."""

    __slots__ = ()
    name = "relu"

    def __call__(self, z):
        if z != z or z > 0:  # NaN passes through (tested first: a Decimal NaN refuses >)
            return z
        return _zero_like(z)

    def derivative(self, z):
        return 1 if z > 0 else 0


def _same_kind(slope, z):
    # A float slope times a Decimal is a TypeError, and times a Fraction loses
    # exactness: write the slope in the input's own kind of number instead.
    if isinstance(z, Decimal) and not isinstance(slope, Decimal):
        if isinstance(slope, Fraction):
            raise NumberError(f"leaky_relu slope {slope!r} meets the Decimal {z!r}: a Decimal computes "
                              "only with ints and Decimals; give the slope as a Decimal or a float")
        return Decimal(repr(slope))
    if isinstance(z, Fraction) and isinstance(slope, float):
        return Fraction(repr(slope))
    if isinstance(slope, Decimal) and isinstance(z, (float, Fraction)):
        raise NumberError(f"leaky_relu slope {slope!r} meets {type(z).__name__} {z!r}: a Decimal "
                          "computes only with ints and Decimals; use Decimal inputs and weights, "
                          "or a float slope")
    return slope


class LeakyReLU(Activation):
    """a = z for z > 0, else slope*z (slope 0.01 unless set)."""

    __slots__ = ("slope",)
    name = "leaky_relu"

    def __init__(self, slope: Number = 0.01):
        slope = to_number(slope, "leaky_relu slope")
        if not is_finite(slope) or abs(slope) > _FLOAT_MAX:  # a huge int slope: no float could meet it
            raise NumberError(f"leaky_relu slope: expected a finite number within a float's range "
                              f"(about 1.8e308), got {_short(slope)}")
        self.slope = slope

    def __call__(self, z):
        if z != z or z > 0:
            return z
        slope = _same_kind(self.slope, z)
        return slope * (_float(z) if isinstance(slope, float) else z)

    def derivative(self, z):
        return 1 if z > 0 else _same_kind(self.slope, z)

    def params(self):
        return {"slope": self.slope}


class Tanh(Activation):
    """a = tanh(z), always a float."""

    __slots__ = ()
    name = "tanh"

    def __call__(self, z):
        return math.tanh(_float(z))

    def derivative(self, z):
        t = self(z)
        return 1.0 - t * t


class Sigmoid(Activation):
    """a = 1 / (1 + e^-z), computed so that no exponent overflows."""

    __slots__ = ()
    name = "sigmoid"

    def __call__(self, z):
        z = _float(z)
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)  # z < 0 (or NaN): e is in (0, 1), no overflow
        return e / (1.0 + e)

    def derivative(self, z):
        s = self(z)
        return s * (1.0 - s)


class Softmax(Activation):
    """a_i = e^z_i / sum_j e^z_j over the whole layer, shifted by max(z) for stability."""

    __slots__ = ()
    name = "softmax"
    elementwise = False

    def __call__(self, z):
        raise NetworkError("softmax is a layer activation: use apply(zs) on the whole layer")

    def derivative(self, z):
        raise NetworkError("softmax has no per-value derivative: use backward() or jacobian()")

    def apply(self, zs):
        if not zs:
            return []
        if any(z != z for z in zs):
            return [math.nan] * len(zs)
        top = max(zs)
        if top == math.inf:  # the infinite values share everything
            count = sum(1 for z in zs if z == math.inf)
            return [1.0 / count if z == math.inf else 0.0 for z in zs]
        exps = [math.exp(_gap(z, top)) for z in zs]  # z - top exact for ints, then a float
        total = math.fsum(exps)
        return [e / total for e in exps]

    def jacobian(self, outs: list) -> list[list]:
        """d a_i / d z_j = a_i * (delta_ij - a_j), from the layer's outputs."""
        return [[a_i * ((1.0 if i == j else 0.0) - a_j) for j, a_j in enumerate(outs)]
                for i, a_i in enumerate(outs)]

    def backward(self, zs, outs, grads):
        dot = _fsum(g * a for g, a in zip(grads, outs))
        return [a * (g - dot) for a, g in zip(outs, grads)]


def _fsum(values) -> float:
    """math.fsum, or nan where it refuses an inf and a -inf (a ValueError): as IEEE adds them."""
    try:
        return math.fsum(values)
    except ValueError:  # -inf + inf; a NaN among the values gives NaN without an error
        return math.nan


_KINDS = {cls.name: cls for cls in (Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh)}

#: The activation names scalarnet knows, sorted.
ACTIVATIONS = tuple(sorted(_KINDS))


def get_activation(name: str | Activation | None = "identity", **params) -> Activation:
    """The activation called `name` (None means identity); `slope` goes to leaky_relu.

    >>> get_activation("leaky_relu", slope=0.1)(-10)
    -1.0
    >>> get_activation("rleu")
    Traceback (most recent call last):
    ...
    scalarnet.errors.NetworkError: unknown activation 'rleu' (known: identity, leaky_relu, relu, sigmoid, softmax, tanh)
    """
    if isinstance(name, Activation) and not params:
        return name
    if name is None:
        name = "identity"
    if not isinstance(name, str) or name not in _KINDS:
        raise NetworkError(f"unknown activation {name!r} (known: {', '.join(ACTIVATIONS)})")
    kind = _KINDS[name]
    unknown = sorted(set(params) - set(kind.__slots__))
    if unknown:
        takes = ", ".join(kind.__slots__) or "no parameters"
        raise NetworkError(f"activation {name!r} does not take {', '.join(unknown)} (it takes {takes})")
    return kind(**params)

"""Losses: their values and derivatives, their hand-worked texts, and the targets they take.

The losses (`LOSSES`), each with its value and its derivative dL/da:

- `mse`: L = 1/2 * sum over outputs of (a - t)^2 (summed, not averaged, and
  halved so that dL/da = a - t). Any output activation.
- `cross_entropy`: L = -sum t*log(a), for a softmax output layer; the targets
  are probabilities adding up to 1 (one-hot: [0, 1, 0]).
- `binary_cross_entropy`: L = -sum (t*log(a) + (1 - t)*log(1 - a)), for a
  sigmoid output layer; each target is from 0 to 1.

See `scalarnet.backprop` for how they are differentiated in the backward pass.
"""

from __future__ import annotations

import math
import numbers
import struct
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING

from .errors import InputError, ScalarnetError
from .numbers import Number, fmt, is_finite, operand, to_number
from .trace import values_text

if TYPE_CHECKING:
    from .network import Network


class LossError(ScalarnetError, ValueError):
    """A loss that cannot be used: unknown, for another output activation, or given bad targets."""


# -- losses ----------------------------------------------------------------------------------


class Loss:
    """A loss: its value and dL/da for one output layer; `output_activation` is the one it needs.

    A loss with an `output_activation` (the cross-entropies) also has `dz`, its
    gradient through that activation, a - t, which backpropagation uses.
    """

    __slots__ = ()
    name = ""
    #: The output layer's activation the loss is made for (and differentiated through), or None.
    output_activation: str | None = None

    def check(self, targets: list, names: list[str]) -> None:
        """Raise LossError if the targets are not values this loss can take."""

    def value(self, zs: list, outs: list, targets: list) -> Number:
        """L for the output layer's weighted sums `zs`, outputs `outs` and `targets`."""
        raise NotImplementedError

    def derivative(self, outs: list, targets: list) -> list:
        """dL/da for each output."""
        raise NotImplementedError

    def value_text(self, outs: list, targets: list, value: Number, digits: int | None = None) -> str:
        """`1/2*(182 - 180)^2 = 2`: how the value is worked out."""
        raise NotImplementedError

    def derivative_text(self, a: Number, t: Number, da: Number, digits: int | None = None) -> str:
        """`a - t = 182 - 180 = 2`: how one output's dL/da is worked out."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"get_loss({self.name!r})"


def _half(total):
    # Half of an int is a Fraction, exact; any other kind of number halves in its own kind.
    if isinstance(total, numbers.Integral):
        return Fraction(int(total), 2)
    return total / 2


class MeanSquaredError(Loss):
    """L = 1/2 * sum (a - t)^2, dL/da = a - t: any output activation, every number type."""

    __slots__ = ()
    name = "mse"

    def value(self, zs, outs, targets):
        total = 0
        for a, t in zip(outs, targets):
            d = a - t
            total += d * d
        return _half(total)

    def derivative(self, outs, targets):
        return [a - t for a, t in zip(outs, targets)]

    def value_text(self, outs, targets, value, digits=None):
        terms = [f"({operand(a, digits)} - {operand(t, digits)})^2" for a, t in zip(outs, targets)]
        inside = terms[0] if len(terms) == 1 else f"({' + '.join(terms)})"
        return f"1/2*{inside} = {fmt(value, digits)}"

    def derivative_text(self, a, t, da, digits=None):
        return f"a - t = {fmt(a, digits)} - {operand(t, digits)} = {fmt(da, digits)}"


class _ThroughActivation(Loss):
    """A loss differentiated together with its output activation: dL/dz = a - t."""

    __slots__ = ()

    def dz(self, outs: list, targets: list) -> list:
        """dL/dz = a - t (for cross_entropy, with targets that add up to 1)."""
        return [a - float(t) for a, t in zip(outs, targets)]


class CrossEntropy(_ThroughActivation):
    """L = -sum t*log(a) for a softmax output; dL/dz = a - t."""

    __slots__ = ()
    name = "cross_entropy"
    output_activation = "softmax"

    def check(self, targets, names):
        # Targets from float32 (torch.softmax, label smoothing, torch.full((3,), 1/3)) add up to 1
        # only within float32's rounding: allow each target's own rounding, n ulps of 1 in its precision.
        ok = all(t >= 0 and is_finite(t) for t in targets)  # NaN fails t >= 0
        if ok:  # added exactly: targets of any kind (a float, a Decimal, an int beyond a float) add up
            total = sum(Fraction(t) for t in targets)
            ok = abs(total - 1) <= _sum_tolerance(targets)
        if not ok:
            raise LossError(f"loss {self.name!r}: the targets must be probabilities that add up "
                            f"to 1 (one-hot, like [0, 1, 0]), got {values_text(targets)}")

    def value(self, zs, outs, targets):
        # -sum t*log(softmax(z)) = sum t*(logsumexp(z) - z): no log of a rounded-off 0
        zs = [float(z) for z in zs]
        top = max(zs)
        lse = top + math.log(math.fsum(math.exp(z - top) for z in zs))
        return math.fsum(float(t) * (lse - z) for z, t in zip(zs, targets) if t != 0)

    def derivative(self, outs, targets):
        return [_divide(0 - float(t), a) for a, t in zip(outs, targets)]

    def value_text(self, outs, targets, value, digits=None):
        terms = [f"{operand(t, digits)}*log({fmt(a, digits)})" for a, t in zip(outs, targets)]
        return f"-({' + '.join(terms)}) = {fmt(value, digits)}"

    def derivative_text(self, a, t, da, digits=None):
        return f"-t/a = -{operand(t, digits)}/{operand(a, digits)} = {fmt(da, digits)}"


class BinaryCrossEntropy(_ThroughActivation):
    """L = -sum (t*log(a) + (1 - t)*log(1 - a)) for a sigmoid output; dL/dz = a - t."""

    __slots__ = ()
    name = "binary_cross_entropy"
    output_activation = "sigmoid"

    def check(self, targets, names):
        for name, t in zip(names, targets):
            if not 0 <= t <= 1:
                raise LossError(f"loss {self.name!r}: target {name!r} must be from 0 to 1, "
                                f"got {fmt(t)}")

    def value(self, zs, outs, targets):
        # -(t*log(s(z)) + (1 - t)*log(1 - s(z))) = max(z, 0) - z*t + log(1 + e^-|z|)
        terms = []
        for z, t in zip(zs, targets):
            z = float(z)
            terms.append(max(z, 0.0) - z * float(t) + math.log1p(math.exp(-abs(z))))
        return math.fsum(terms)

    def derivative(self, outs, targets):
        return [_divide(a - float(t), a * (1 - a)) for a, t in zip(outs, targets)]

    def value_text(self, outs, targets, value, digits=None):
        terms = [f"{operand(t, digits)}*log({fmt(a, digits)}) + (1 - {operand(t, digits)})"
                 f"*log(1 - {fmt(a, digits)})" for a, t in zip(outs, targets)]
        return f"-({' + '.join(terms)}) = {fmt(value, digits)}"

    def derivative_text(self, a, t, da, digits=None):
        t_text = operand(t, digits)
        return (f"(a - t)/(a*(1 - a)) = ({fmt(a, digits)} - {t_text})/({operand(a, digits)}"
                f"*(1 - {operand(a, digits)})) = {fmt(da, digits)}")


def _sum_tolerance(targets: list) -> float:
    """How far from 1 targets may add up: 1e-9, or where every float target is a float32 (as
    list(float32_tensor) gives), two float32 roundings (2**-24 relative) per target (at least
    2**-23, above 1e-9)."""
    floats = [t for t in targets if isinstance(t, float)]
    if floats and all(_is_float32(t) for t in floats):
        return 2 * len(targets) * 2.0 ** -24  # each rounded once, and summed once, in float32
    return 1e-9


def _is_float32(value: float) -> bool:
    """Whether a float holds a float32 exactly (what list(float32_tensor) gives)."""
    return math.isfinite(value) and struct.unpack("f", struct.pack("f", value))[0] == value


def _divide(numerator: float, denominator: float) -> float:
    """numerator / denominator, with a saturated probability's 0 giving 0 or an infinity, not an error."""
    if denominator == 0:
        return 0.0 if numerator == 0 else math.copysign(math.inf, numerator)
    return numerator / denominator


_KINDS = {cls.name: cls for cls in (BinaryCrossEntropy, CrossEntropy, MeanSquaredError)}

#: The loss names scalarnet knows, sorted.
LOSSES = tuple(sorted(_KINDS))


def get_loss(name: str | Loss = "mse") -> Loss:
    """The loss called `name`.

    >>> get_loss("mse").value([182], [182], [180])
    Fraction(2, 1)
    >>> get_loss("mae")
    Traceback (most recent call last):
    ...
    scalarnet.losses.LossError: unknown loss 'mae' (known: binary_cross_entropy, cross_entropy, mse)
    """
    if isinstance(name, Loss):
        return name
    if not isinstance(name, str) or name not in _KINDS:
        raise LossError(f"unknown loss {name!r} (known: {', '.join(LOSSES)})")
    return _KINDS[name]()


def _check_output(loss: Loss, activation_name: str, layer_name: str) -> None:
    need = loss.output_activation
    if need is None or activation_name == need:
        return
    others = [f"{other!r} with {_KINDS[other].output_activation}" for other in LOSSES
              if other != loss.name and _KINDS[other].output_activation]
    raise LossError(f"loss {loss.name!r} is for a {need} output layer, but layer {layer_name!r} "
                    f"has {activation_name} (use {', '.join(others)}, 'mse' with any other)")


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _targets(net: Network, target, loss: Loss) -> list:
    """The target values as a list, one per output neuron, checked for `loss`."""
    output = net.layers[-1]
    _check_output(loss, output.activation.name, output.name)
    names = [n.name for n in output.neurons]
    if hasattr(target, "tolist"):  # a numpy array
        target = target.tolist()
    if isinstance(target, (str, bytes, Mapping)) or not isinstance(target, Iterable):
        raise InputError(f"network {net.name!r}: expected the target values as a list, one per "
                         f"output ({', '.join(names)}), got {target!r}")
    values = list(target)
    if len(values) != len(names):
        raise InputError(f"network {net.name!r}: {_count(len(values), 'target value')} but the "
                         f"output layer {output.name!r} has {_count(len(names), 'neuron')} "
                         f"({', '.join(names)})")
    for i, v in enumerate(values):
        if type(v) is not int and type(v) is not float:  # numpy scalars become Python numbers here
            values[i] = to_number(v, f"target {names[i]!r}")
    loss.check(values, names)
    return values

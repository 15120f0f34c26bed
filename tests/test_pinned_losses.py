"""Loss behaviours mutation testing showed no test pinned (benchmarks/mutation.py losses): the
binary cross-entropy's value where z*t matters, the cross-entropy's float32 sum tolerance at its
boundary, the saturated softmax's dL/da, and the targets checked on the way into gradients."""

import math
import struct
from fractions import Fraction

import numpy as np
import pytest

from scalarnet import LossError, Network, get_loss, gradients

ce, bce = get_loss("cross_entropy"), get_loss("binary_cross_entropy")


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


@pytest.mark.parametrize("z, t", [(1.0, 1), (-2.0, 0.25), (0.5, 0.75), (3.0, 0)])
def test_binary_cross_entropy_value_is_the_textbook_formula(z, t):
    # -(t*log(s) + (1 - t)*log(1 - s)), written out with the naive sigmoid (fine for small |z|)
    s = _sigmoid(z)
    expected = -(t * math.log(s) + (1 - t) * math.log(1 - s))
    assert bce.value([z], None, [t]) == pytest.approx(expected, rel=1e-12)


def _is_float32(x):
    return struct.unpack("f", struct.pack("f", x))[0] == x


def test_cross_entropy_float32_tolerance_is_two_roundings_per_target():
    # two float32 targets: 2*2 float32 roundings of 1, 4 * 2**-24 = 2**-22, inclusive
    exact = [0.5, 0.5 + 2 ** -22]
    beyond = [0.5, 0.5 + 2 ** -22 + 2 ** -24]
    assert all(_is_float32(t) for t in exact + beyond)
    ce.check(exact, ["a", "b"])
    with pytest.raises(LossError, match="must be probabilities that add up to 1"):
        ce.check(beyond, ["a", "b"])
    # three targets: 6 * 2**-24
    ce.check([0.25, 0.25, 0.5 + 6 * 2 ** -24], ["a", "b", "c"])
    with pytest.raises(LossError):
        ce.check([0.25, 0.25, 0.5 + 7 * 2 ** -24], ["a", "b", "c"])


def test_cross_entropy_float32_targets_from_numpy_are_accepted():
    # np.full(3, 1/3, float32) adds up to 1 + 2**-25: beyond 1e-9, within float32's rounding
    targets = [float(t) for t in np.full(3, 1 / 3, dtype=np.float32)]
    assert sum(Fraction(t) for t in targets) - 1 == Fraction(1, 2 ** 25)
    ce.check(targets, ["a", "b", "c"])
    # the same distance from 1 in float64 targets (not float32 values) is refused: 1e-9 there
    with pytest.raises(LossError):
        ce.check([0.5, 0.5 + 2 ** -25 + 2 ** -40], ["a", "b"])


def test_cross_entropy_exact_targets_get_1e_9_not_the_float32_tolerance():
    # Fractions and ints are not float32 roundings: 1e-8 off is refused
    with pytest.raises(LossError):
        ce.check([Fraction(1, 2), Fraction(1, 2) + Fraction(1, 10 ** 8)], ["a", "b"])
    # and one float64 target among float32 ones makes it 1e-9 too
    with pytest.raises(LossError):
        ce.check([0.5, 0.1, 0.4 + 2 ** -24], ["a", "b", "c"])


def test_saturated_softmax_cross_entropy_da():
    # z = [1000, 0]: softmax rounds to exactly [1.0, 0.0]; target [1, 0]:
    # dL/da = -t/a = [-1/1.0, -0/0.0], and 0/0 here is 0.0 (no gradient flows where t = 0)
    net = Network.from_matrices([[[0], [0]]], [[1000.0, 0.0]], ["softmax"])
    g = gradients(net, [0], [1, 0], "cross_entropy")
    assert g.trace.output == [1.0, 0.0]
    assert g.layer("output").da == [-1.0, 0.0]
    assert g.layer("output").dz == [0.0, 0.0]
    # target [0, 1]: dL/da = [-0/1.0, -1/0.0] = [0.0, -inf]
    g = gradients(net, [0], [0, 1], "cross_entropy")
    assert g.layer("output").da == [0.0, -math.inf]
    assert g.layer("output").dz == [1.0, -1.0]


def test_saturated_sigmoid_binary_cross_entropy_da():
    # sigmoid(1000) = 1.0: t = 1 gives (1 - 1)/(1*0) = 0/0 -> 0.0; t = 0 gives 1/0 -> inf
    net = Network.from_matrices([[[0]]], [[1000.0]], ["sigmoid"])
    assert gradients(net, [0], [1], "binary_cross_entropy").layer("output").da == [0.0]
    assert gradients(net, [0], [0], "binary_cross_entropy").layer("output").da == [math.inf]


def test_gradients_check_cross_entropy_targets():
    net = Network.from_matrices([[[1], [2]]], None, ["softmax"])
    with pytest.raises(LossError, match=r"^loss 'cross_entropy': the targets must be probabilities "
                                        r"that add up to 1 \(one-hot, like \[0, 1, 0\]\), got \[0.5, 0.4\]$"):
        gradients(net, [1], [0.5, 0.4], "cross_entropy")

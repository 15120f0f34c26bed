"""What changed between two versions of one network: every weight and bias, old and new.

>>> from scalarnet import Network
>>> old = Network.from_matrices([[[1, 2]]], [[0]])
>>> new = Network.from_matrices([[[1, 1.5]]], [[0.25]])
>>> print(changes_text(old, new))
output.output w[x1]: 2 -> 1.5 (-0.5)
output.output bias: 0 -> 0.25 (+0.25)
2 of 3 parameters changed
"""

from __future__ import annotations

from .errors import NetworkError
from .network import Network
from .numbers import Number, fmt, is_finite

__all__ = ["Change", "changes", "changes_text", "parameters"]


class Change:
    """One parameter in both networks: layer index `k`, neuron index `j`, input index `i` (None: the bias)."""

    __slots__ = ("k", "j", "i", "place", "old", "new")

    def __init__(self, k: int, j: int, i: int | None, place: str, old: Number, new: Number):
        self.k, self.j, self.i, self.place = k, j, i, place
        self.old, self.new = old, new

    @property
    def delta(self) -> Number:
        """new - old."""
        return self.new - self.old

    @property
    def size(self) -> float:
        """|new - old| as a float (inf where either is not finite and they differ)."""
        if self.changed and not (is_finite(self.old) and is_finite(self.new)):
            return float("inf")
        return abs(float(self.delta))

    @property
    def changed(self) -> bool:
        return not (self.old == self.new or (self.old != self.old and self.new != self.new))

    def text(self, digits: int | None = None) -> str:
        """`hidden1.node0_0 w[x1]: 2 -> 1.5 (-0.5)`."""
        delta = fmt(self.delta, digits) if is_finite(self.delta) else "changed"
        if not delta.startswith("-") and delta != "changed":
            delta = "+" + delta
        return f"{self.place}: {fmt(self.old, digits)} -> {fmt(self.new, digits)} ({delta})"

    def __repr__(self) -> str:
        return f"<Change {self.place}: {self.old!r} -> {self.new!r}>"


def _check_same_shape(old: Network, new: Network) -> None:
    mine = [(layer.name, [n.name for n in layer.neurons]) for layer in old.layers]
    theirs = [(layer.name, [n.name for n in layer.neurons]) for layer in new.layers]
    if mine != theirs or old.inputs != new.inputs:
        raise NetworkError(f"network {new.name!r} is not network {old.name!r} with other weights: "
                           f"inputs {new.inputs} and layers {theirs}, expected inputs {old.inputs} "
                           f"and layers {mine}")


def parameters(old: Network, new: Network) -> list[Change]:
    """Every weight and bias of two networks of the same shape, in network order."""
    _check_same_shape(old, new)
    found = []
    for k, (a, b) in enumerate(zip(old.layers, new.layers)):
        names = old.inputs if k == 0 else [n.name for n in old.layers[k - 1].neurons]
        for j, (n_old, n_new) in enumerate(zip(a.neurons, b.neurons)):
            where = f"{a.name}.{n_old.name}"
            for i, (w_old, w_new) in enumerate(zip(n_old.weights, n_new.weights)):
                found.append(Change(k, j, i, f"{where} w[{names[i]}]", w_old, w_new))
            found.append(Change(k, j, None, f"{where} bias", n_old.bias, n_new.bias))
    return found


def changes(old: Network, new: Network) -> list[Change]:
    """The parameters that differ, largest change first (ties in network order)."""
    return sorted((c for c in parameters(old, new) if c.changed), key=lambda c: -c.size)


def changes_text(old: Network, new: Network, digits: int | None = None) -> str:
    """One line per change, largest first, then how many of the parameters changed."""
    every = parameters(old, new)
    found = sorted((c for c in every if c.changed), key=lambda c: -c.size)
    lines = [c.text(digits) for c in found]
    lines.append(f"{len(found)} of {len(every)} parameters changed")
    return "\n".join(lines)

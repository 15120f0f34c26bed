"""Where two implementations of one network first disagree, the right arithmetic there, and the likely bug.

`compare(net, rows)` runs the scalar engine (the readable truth) and checks the
numpy matrix implementation against it; `compare(net, rows, against=...)` checks
someone's own forward pass instead, given as each layer's outputs:

>>> from scalarnet import load
>>> net = load("tutorial-deep")
>>> compare(net, [[3, 5]]).ok
True
>>> buggy = [[[26, -13]], [[-52, 0]], [[-104]]]  # relu forgotten in both hidden layers
>>> report = compare(net, [[3, 5]], against=buggy)
>>> report.ok, report.first.path, report.first.row, report.first.expected, report.first.got
(False, 'hidden1.node0_1', 0, 0, -13)
>>> print(report.first.arithmetic())
node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = 0
>>> [d.kind for d in report.diagnoses]
['missing_activation', 'missing_activation']

`against` holds post-activation outputs `a`, one (rows, width) array per layer:
that is what a forward pass hands you. The weighted sums z are still used where
they help: the diagnoses recompute a layer from the correct previous values
under each likely bug and name a bug only when that reproduces the values while
the correct computation does not.

Tolerance: a value agrees when `|got - expected| <= atol + rtol * max(|expected|, scale)`.
A weighted sum's scale is the size of the sums behind it (every product's magnitude,
plus the earlier layers' scales carried through the weights): plain relative error is
not usable for dot products, as after cancellation a float sum of 0 carries the
rounding error of its terms. An activated value's scale goes through its activation
(as far as f moves when z is off by rtol times its scale), so a tiny sigmoid or softmax
probability is judged relative to itself; see `vectorized.layer_scales`.
NaN on both sides agrees, NaN on one side does not; infinities must be equal.
Unless given, rtol and atol follow the least precise float dtype of the other
side up to that layer (a layer inherits the rounding of the layers before it, not
of those after): rtol 1e-9 for float64, 1e-5 for float32, 1e-2 for float16, atol
that dtype's smallest normal number; but where both sides are ints or Fractions nothing was
rounded, so there a default is 0 and the values must be equal.
"""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .activations import ACTIVATIONS, Activation, get_activation
from .errors import FileFormatError, InputError, NumberError
from .network import Network
from .npz import read_layers
from .numbers import fmt, is_finite, is_number
from .trace import NeuronRecord
from .vectorized import (Matrices, activate, activation_scale, affine, as_array, as_float, forward, matrices,
                         sum_scale)

#: Default (rtol, atol) by the least precise float dtype on the other side. atol is the dtype's smallest
#: normal number: below it a float has no relative precision left (the scale covers everything else,
#: and a larger atol would let a tiny probability be 10 times too big).
DEFAULT_TOLERANCES = {name: (rtol, float(np.finfo(name).tiny))
                      for name, rtol in (("float16", 1e-2), ("float32", 1e-5), ("float64", 1e-9))}

#: The bugs a diagnosis can name.
DIAGNOSES = ("transposed_weights", "missing_bias", "extra_activation", "missing_activation",
             "wrong_activation")

_TERMS_SHOWN = 12  # a longer weighted sum is shortened in the report


@dataclass
class LayerResult:
    """One layer's comparison: how many values differ, by how much, and whether it is right alone.

    `alone_ok` says whether the layer, recomputed from the *other side's own*
    previous-layer values, gives the other side's values: True means this layer is
    computed correctly and only inherits an earlier difference.
    """

    name: str
    width: int
    values: int
    differing: int
    max_abs: float | int
    max_rel: float
    alone_ok: bool
    differing_neurons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.differing == 0


@dataclass
class Difference:
    """The first value that differs: its layer, neuron and row, both values, the scalar record."""

    layer: str
    neuron: str
    index: int
    row: int
    expected: object
    got: object
    record: NeuronRecord

    @property
    def path(self) -> str:
        return f"{self.layer}.{self.neuron}"

    def arithmetic(self, digits: int | None = None) -> str:
        """The neuron's correct hand-worked line, a long sum shortened to its first and last terms."""
        line = self.record.text(digits)
        head, _, rest = line.partition(": ")
        # terms never contain ' + ' (negatives are in parentheses); the last one carries '= z -> ...'
        terms = rest.split(" + ")
        if len(terms) <= _TERMS_SHOWN:
            return line
        shown = terms[:8] + [f"... ({len(terms) - 11} more) ..."] + terms[-3:]
        return f"{head}: {' + '.join(shown)}"


@dataclass
class Diagnosis:
    """A likely bug in one layer: a computation that reproduces the other side's values there."""

    layer: str
    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Report:
    """The result of `compare`: `ok`, one `LayerResult` per layer, the first difference, diagnoses.

    `str(report)` is a table with one line per layer, then the first difference
    with the right arithmetic and any diagnosis. `seconds` holds how long the
    scalar engine, the vectorized pass and the checks took (never printed, so the
    text is deterministic).
    """

    network: str
    widths: list[int]
    rows: int
    against: str
    rtol: float
    atol: float
    tolerance_source: str
    layers: list[LayerResult]
    first: Difference | None = None
    diagnoses: list[Diagnosis] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every value of every layer agrees."""
        return all(layer.ok for layer in self.layers)

    def text(self, digits: int | None = 6) -> str:
        """The report; `digits` rounds the floats of the arithmetic line (values are shown in full)."""
        shape = "-".join(str(w) for w in self.widths)
        rows = f"{self.rows} row" if self.rows == 1 else f"{self.rows} rows"
        lines = [f"compare {self.network!r} ({shape}), {rows}: scalar engine vs {self.against}",
                 f"tolerance: |difference| <= atol + rtol * scale, rtol={fmt(self.rtol, 3)} "
                 f"atol={fmt(self.atol, 3)} ({self.tolerance_source})"]
        table = [["layer", "width", "differ", "max abs diff", "max rel diff", "alone", "result"]]
        for r in self.layers:
            table.append([r.name, str(r.width), f"{r.differing}/{r.values}", fmt(r.max_abs, 3),
                          fmt(r.max_rel, 3), "ok" if r.alone_ok else "wrong",
                          "ok" if r.ok else "DIFFERS"])
        lines += _columns(table, right=(1, 2, 3, 4))
        lines += [f"note: {note}" for note in self.notes]
        if self.ok:
            lines.append(f"all {len(self.layers)} layers agree")
            return "\n".join(lines)
        lines.append("alone: the layer recomputed from the other side's own previous values "
                     "(ok = right, only inherits a difference)")
        for r in self.layers:
            if not r.ok:
                more = len(r.differing_neurons) > 5
                names = ", ".join(r.differing_neurons[:5]) + (", ..." if more else "")
                lines.append(f"{r.name}: neurons that differ: {names} "
                             f"({len(r.differing_neurons)} of {r.width})")
        f = self.first
        lines += ["",
                  f"first difference: layer {f.layer!r}, neuron {f.neuron!r}, row {f.row}",
                  f"  expected (scalar engine): {fmt(f.expected)}",
                  f"  got ({self.against}): {fmt(f.got)}",
                  f"  right arithmetic: {f.arithmetic(digits)}"]
        if self.diagnoses:
            lines.append("likely bug:")
            lines += [f"  {d.message}" for d in self.diagnoses]
        else:
            lines.append("likely bug: none of " + ", ".join(DIAGNOSES) +
                         " reproduces the values (recomputed from the correct previous layer)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def compare(net: Network, rows, against=None, rtol: float | None = None,
            atol: float | None = None, *, workers: int | None = 1, progress: bool = False) -> Report:
    """Compare the scalar engine with the numpy matrix pass, or with `against`, for every row.

    `rows`: a list of input rows (lists in input order or dicts by name) or a 2-D array.
    `against`: None (check the vectorized implementation), a list of arrays (one per
    layer, rows x width, post-activation), a mapping from layer name to such an
    array, or the path of an `.npz` file holding them by layer name. A layer's
    array may be 1-D when there is one row. Extra arrays in a mapping or file are
    ignored and listed in the report's notes. ``workers=N`` runs the scalar engine in N
    processes (``None``: one per core for more than a few hundred rows), with the same
    results; ``progress`` shows a progress bar on stderr for long runs.
    """
    rows = _rows(net, rows)
    m = matrices(net)
    clock = time.perf_counter()
    ours_z, ours_a = _scalar_pass(net, rows, workers, progress)
    seconds = {"scalar": time.perf_counter() - clock}
    clock = time.perf_counter()
    x = as_array(rows, "rows")
    notes: list[str] = []
    if against is None:
        theirs = forward(m, x).a
        label = "vectorized (numpy)"
    else:
        theirs, label, notes = _against_arrays(against, net, len(rows))
    seconds["vectorized"] = time.perf_counter() - clock
    clock = time.perf_counter()
    per_layer = [_tolerances(theirs[:k + 1], rtol, atol)[0] for k in range(len(theirs))]
    (rtol, atol), exact, source = _tolerances(theirs, rtol, atol)
    notes += [f"layer {layer.name!r} has the defaults for {_least(theirs[:k + 1])} (rtol={fmt(t[0], 3)} "
              f"atol={fmt(t[1], 3)}): no less precise layer up to it"
              for k, (layer, t) in enumerate(zip(net.layers, per_layer)) if t != (rtol, atol)]
    ours_z = [as_array(z, f"layer {layer.name!r}") for z, layer in zip(ours_z, net.layers)]
    ours = [as_array(a, f"layer {layer.name!r}") for a, layer in zip(ours_a, net.layers)]
    got = [as_array(t, f"against, layer {layer.name!r}") for t, layer in zip(theirs, net.layers)]
    report = Report(net.name, net.widths, len(rows), label, rtol, atol, source, [], notes=notes)
    _check_layers(report, net, m, x, ours_z, ours, got, theirs, rows, exact, per_layer)
    seconds["checks"] = time.perf_counter() - clock
    report.seconds = seconds
    return report


# -- the two sides --------------------------------------------------------------------------------


def _rows(net: Network, rows) -> list[list]:
    if hasattr(rows, "tolist"):
        rows = rows.tolist()
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
        raise InputError(f"rows: expected a list of input rows, got {rows!r}")
    rows = list(rows)
    if not rows:
        raise InputError("rows: no rows to compare")
    if is_number(rows[0]):
        raise InputError(f"rows: expected a list of input rows, got one row {rows!r} (wrap it: [row])")
    checked = []
    for r, row in enumerate(rows):
        try:
            checked.append(net.input_values(row))
        except (InputError, NumberError) as e:
            raise type(e)(f"row {r}: {e}") from None
    return checked


def _scalar_pass(net: Network, rows: list[list], workers: int | None = 1,
                 progress: bool = False) -> tuple[list[list], list[list]]:
    """Every layer's z and a for every row, by the engine; z[k][r] is row r's list for layer k."""
    from .parallel import run_rows

    zs: list[list] = [[] for _ in net.layers]
    acts: list[list] = [[] for _ in net.layers]
    for row_zs, row_acts in run_rows(net, rows, _one_row, workers, progress):
        for k in range(len(net.layers)):
            zs[k].append(row_zs[k])
            acts[k].append(row_acts[k])
    return zs, acts


def _one_row(net: Network, row: list) -> tuple[list[list], list[list]]:
    """One row's z and a, layer by layer (run in a worker process when there are workers)."""
    zs, acts = [], []
    values = row
    for layer in net.layers:
        z = layer.weighted_sums(values)
        values = layer.activation.apply(z)
        zs.append(z)
        acts.append(values)
    return zs, acts


def _against_arrays(against, net: Network, n_rows: int) -> tuple[list[np.ndarray], str, list[str]]:
    """The other side's arrays in layer order, each checked to be (rows, width) and numeric."""
    names = [layer.name for layer in net.layers]
    expected = ", ".join(names)
    notes = []
    if isinstance(against, (str, os.PathLike)):
        label = os.fspath(against)
        by_name = _read_npz(label, expected, {layer.name: (n_rows, len(layer)) for layer in net.layers})
    elif isinstance(against, Mapping):
        label, by_name = "the given arrays", dict(against)
    elif isinstance(against, Sequence):
        label = "the given arrays"
        if len(against) != len(names):
            raise InputError(f"against: {len(against)} arrays for {len(names)} layers ({expected})")
        by_name = dict(zip(names, against))
    else:
        raise InputError(f"against: expected a list of arrays, a dict by layer name or an .npz path, "
                         f"got {type(against).__name__}")
    missing = [n for n in names if n not in by_name]
    if missing:
        given = ", ".join(str(k) for k in by_name) or "none"
        raise InputError(f"against: no array for layer {missing[0]!r} "
                         f"(expected one per layer: {expected}; got: {given})")
    extra = [str(k) for k in by_name if k not in names]
    if extra:
        notes.append(f"ignored arrays not named after a layer: {', '.join(extra)}")
    arrays = []
    for layer in net.layers:
        arrays.append(_checked(by_name[layer.name], layer.name, n_rows, len(layer)))
    return arrays, label, notes


def _read_npz(path: str, expected: str, shapes: dict) -> dict:
    # The first bytes say what the file is: numpy.load takes anything but a zip or a .npy
    # for a pickle, and its message would then suggest loading one.
    try:
        with open(path, "rb") as f:
            start = f.read(6)
    except FileNotFoundError:
        raise InputError(f"against: no file {path!r}") from None
    except OSError as e:
        raise InputError(f"against: cannot read {path!r} ({e})") from None
    if start == b"\x93NUMPY":
        raise FileFormatError(f"{path}: one array, but an .npz file with one array per layer "
                              f"is expected ({expected})")
    if not start.startswith(b"PK"):
        raise FileFormatError(f"{path}: not an .npz file of arrays (an .npz file is a zip archive "
                              "of .npy arrays, as numpy.savez writes)")
    try:
        return read_layers(path, shapes)  # only the layers' arrays, each checked before loading
    except (InputError, FileFormatError):
        raise
    except (ValueError, zipfile.BadZipFile, EOFError, OSError) as e:  # object arrays need pickle: never here
        raise FileFormatError(f"{path}: not an .npz file of arrays ({e})") from None


def _checked(values, name: str, n_rows: int, width: int) -> np.ndarray:
    """The layer's array with its own dtype (a float32 one sets the tolerances), checked: numbers, (rows, width)."""
    values = _detached(values, name)
    as_array(values, f"against: layer {name!r}")  # raises unless a rectangular table of numbers
    array = np.asarray(values)
    if array.ndim == 1 and n_rows == 1 and array.shape == (width,):
        array = array[np.newaxis, :]  # (width,) -> (1, width)
    if array.shape != (n_rows, width):
        raise InputError(f"against: layer {name!r} has shape {array.shape} but expected "
                         f"{(n_rows, width)} ({n_rows} rows x {width} neurons)")
    return array


def _detached(values, name: str):
    """A tensor as a numpy array (detached from autograd, on the CPU), without importing torch."""
    if not callable(getattr(values, "detach", None)) or isinstance(values, np.ndarray):
        return values
    try:
        return values.detach().cpu().numpy()
    except (RuntimeError, TypeError, AttributeError) as e:  # e.g. bfloat16, which numpy lacks
        raise InputError(f"against: layer {name!r}: cannot read the tensor as a numpy array ({e}); "
                         "convert it first, e.g. tensor.float()") from None


def _tolerances(arrays: list[np.ndarray], rtol, atol) -> tuple[tuple, tuple, str]:
    """(rtol, atol); the same where both sides are exact (a default is 0 there: nothing was rounded); the source."""
    least = _least(arrays)
    default_rtol, default_atol = DEFAULT_TOLERANCES.get(least, DEFAULT_TOLERANCES["float64"])
    given = [name for name, v in (("rtol", rtol), ("atol", atol)) if v is not None]
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value is not None and not (is_number(value) and is_finite(value) and value >= 0):
            raise InputError(f"{name}: expected a finite number >= 0, got {value!r}")
    exact_note = "0 where both sides are ints or fractions"
    source = (f"defaults for {least}; {exact_note}" if not given else "given" if len(given) == 2
              else f"{given[0]} given, the other the default for {least} ({exact_note})")
    exact = (0.0 if rtol is None else float(rtol), 0.0 if atol is None else float(atol))
    return (float(default_rtol if rtol is None else rtol),
            float(default_atol if atol is None else atol)), exact, source


def _least(arrays: list[np.ndarray]) -> str:
    """The least precise float dtype among the arrays (float64 where none is a float array)."""
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    return min(floats, key=lambda d: d.itemsize).name if floats else "float64"


# -- the checks -----------------------------------------------------------------------------------


def _check_layers(report: Report, net: Network, m: Matrices, x: np.ndarray, ours_z: list, ours: list,
                  got: list, theirs: list, rows: list, exact: tuple, per_layer: list) -> None:
    """Fill the report: each layer's agreement, the first difference, and the diagnoses.

    `exact` is (rtol, atol) for a layer with ints or fractions on both sides, `per_layer`
    each layer's (rtol, atol) otherwise (the defaults of the least precise dtype up to it).
    """
    def tolerances(expected: np.ndarray, given: np.ndarray) -> tuple:
        return exact if _exact(expected) and _exact(given) else per_layer[k]

    scale = np.zeros(x.shape)
    for k, layer in enumerate(net.layers):
        w, b, act = m.weights[k], m.biases[k], m.activations[k]
        prev_ours = x if k == 0 else ours[k - 1]
        prev_got = x if k == 0 else got[k - 1]
        rtol, atol = tolerances(ours[k], got[k])
        prev_scale = scale
        # the scale goes through the activation (see vectorized.layer_scales): report.rtol is
        # the float tolerance, whatever this layer's own (0 where both sides are exact)
        scale = activation_scale(act, ours_z[k], sum_scale(prev_scale, prev_ours, w, b), report.rtol)
        agree, diff, rel = agreement(ours[k], got[k], scale, rtol, atol)
        alone_z = affine(prev_got, w, b)  # (rows, n_in) -> (rows, n_out)
        alone = activate(act, alone_z)
        alone_scale = activation_scale(act, alone_z, sum_scale(prev_scale, prev_got, w, b), report.rtol)
        alone_ok = bool(agreement(alone, got[k], alone_scale, *tolerances(alone, got[k]))[0].all())
        bad = ~agree
        max_abs = _max(diff)
        if ours[k].dtype.kind == "i" and got[k].dtype.kind in "iu":
            max_abs = int(max_abs)  # ints differ by an int: show 13, not 13.0
        result = LayerResult(layer.name, len(layer), int(agree.size), int(bad.sum()),
                             max_abs, _max(rel), alone_ok,
                             [n.name for j, n in enumerate(layer.neurons) if bad[:, j].any()])
        report.layers.append(result)
        if result.ok:
            continue
        if report.first is None:
            r, j = (int(i) for i in np.argwhere(bad)[0])
            record = net.trace(rows[r]).layers[k].neurons[j]
            report.first = Difference(layer.name, layer.neurons[j].name, j, r,
                                      record.a, _scalar(theirs[k][r, j]), record)
            # the first wrong layer is judged from the correct previous values
            report.diagnoses += diagnose(layer.name, w, b, act, prev_ours, got[k], prev_scale,
                                         rtol, atol, report.rtol)
        elif not alone_ok:
            # a later layer that is wrong by itself: judged from the values it was given
            report.diagnoses += diagnose(layer.name, w, b, act, prev_got, got[k], prev_scale,
                                         rtol, atol, report.rtol)


def _exact(values: np.ndarray) -> bool:
    """Whether the values are ints or Fractions, which no arithmetic rounded (Decimals round)."""
    if values.dtype.kind in "iu":
        return True
    return values.dtype == object and all(isinstance(v, (int, Fraction)) for v in values.flat)


def agreement(expected: np.ndarray, got: np.ndarray, scale: np.ndarray, rtol: float,
              atol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per value: whether it agrees, the absolute difference, and the difference relative to scale.

    Ints (and exact Fractions or Decimals) are subtracted exactly. NaN on both sides
    agrees (difference 0), NaN on one side does not (difference nan); infinities
    agree only with the same infinity.

    >>> ok, diff, rel = agreement(np.array([[1.0, np.nan, 3.0]]), np.array([[1.0, np.nan, np.nan]]),
    ...                           np.zeros((1, 3)), 1e-9, 0.0)
    >>> ok.tolist(), diff.tolist()
    ([[True, True, False]], [[0.0, 0.0, nan]])
    """
    e, g = as_float(expected).astype(np.float64), as_float(got).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = _exact_difference(expected, got)
        if diff is None:
            diff = np.abs(e - g)
            finite = np.isfinite(e) & np.isfinite(g)
        else:  # an int beyond a float's range is finite: its exact difference decides
            finite = _finite(expected) & _finite(got)
        same = (e == g) | (np.isnan(e) & np.isnan(g))
        size = np.maximum(np.abs(np.where(np.isfinite(e), e, 0.0)), scale)
        agree = np.where(finite, diff <= atol + rtol * size, same)
        diff = np.where(same & ~finite, 0.0, diff)
        # shown, not judged: relative to the larger side too (a relu's 0 given as -13 is 1, not inf)
        norm = np.maximum(size, np.abs(np.where(np.isfinite(g), g, 0.0)))
        rel = np.where(diff == 0, 0.0, diff / np.where(norm == 0, 1.0, norm))
        rel = np.where((norm == 0) & (diff != 0), np.inf, rel)
    return agree, diff, rel


def _finite(values: np.ndarray) -> np.ndarray:
    return np.frompyfunc(is_finite, 1, 1)(values).astype(bool) if values.dtype == object else np.isfinite(values)


def _exact_difference(expected: np.ndarray, got: np.ndarray) -> np.ndarray | None:
    """|expected - got| computed exactly when neither side is a float array, else None."""
    if expected.dtype.kind == "f" or got.dtype.kind == "f":
        return None
    try:
        return as_float(np.abs(expected.astype(object) - got.astype(object))).astype(np.float64)
    except (TypeError, ArithmeticError):  # e.g. a Decimal and a float: compare as floats
        return None


def _scalar(value):
    """A numpy scalar as the Python number it holds (object arrays hold Python numbers already)."""
    return value.item() if isinstance(value, np.generic) else value


def _max(values: np.ndarray) -> float:
    if values.size == 0:
        return 0.0
    if np.isnan(values).any():
        return float("nan")
    return float(values.max())


# -- the diagnoses ----------------------------------------------------------------------------------


def diagnose(layer: str, w: np.ndarray, b: np.ndarray, activation: Activation, prev: np.ndarray,
             got: np.ndarray, prev_scale: np.ndarray, rtol: float, atol: float,
             scale_rtol: float | None = None) -> list[Diagnosis]:
    """The likely bugs that explain `got` for a layer reading `prev`, (rows, n_in) -> (rows, n_out).

    Each hypothesis recomputes the layer from `prev` with one mistake, with its own
    tolerance scale (through its own activation, from `prev_scale`, the scale of
    `prev`); it is named only when it reproduces every value of `got` within
    tolerance while the correct computation does not. `scale_rtol` (default `rtol`)
    is the rtol the scales are propagated with.
    """
    scale_rtol = rtol if scale_rtol is None else scale_rtol

    def reproduces(w_h: np.ndarray, b_h: np.ndarray, act_h: Activation) -> bool:
        z = affine(prev, w_h, b_h)  # (rows, n_in) -> (rows, n_out)
        scale = activation_scale(act_h, z, sum_scale(prev_scale, prev, w_h, b_h), scale_rtol)
        return bool(agreement(activate(act_h, z), got, scale, rtol, atol)[0].all())

    if reproduces(w, b, activation):
        return []
    return [Diagnosis(layer, kind, message) for kind, message, w_h, b_h, act_h
            in _hypotheses(layer, w, b, activation) if reproduces(w_h, b_h, act_h)]


def _hypotheses(layer: str, w: np.ndarray, b: np.ndarray, act: Activation):
    """(kind, message, weights, biases, activation) for each mistake that applies here."""
    place = f"layer {layer!r}"
    n_out, n_in = w.shape
    if n_out == n_in and not np.array_equal(w, w.T):
        # x @ W rather than x @ W.T
        yield ("transposed_weights",
               f"{place}: transposed weight matrix: the values are x @ W + b, but W ({n_out}x{n_in}) "
               f"has one row per neuron, so the layer is x @ W.T + b (each neuron read a column of W)",
               w.T, b, act)
    if np.any(b != 0):
        yield ("missing_bias",
               f"{place}: missing bias: the values are x @ W.T without + b",
               w, np.zeros_like(b), act)
    others = [get_activation(name) for name in ACTIVATIONS if name != "identity"]
    if act.name == "identity":
        for other in others:
            yield ("extra_activation",
                   f"{place}: {_describe(other)} applied where the layer has no activation (identity)",
                   w, b, other)
        return
    yield ("missing_activation",
           f"{place}: {_describe(act)} is missing: the values are the weighted sums z "
           f"(if these are pre-activation values, compare the outputs after {_describe(act)})",
           w, b, get_activation("identity"))
    for other in others:
        if other != act:
            yield ("wrong_activation",
                   f"{place}: {_describe(other)} used where the layer has {_describe(act)}",
                   w, b, other)


def _describe(act: Activation) -> str:
    params = act.params()
    if not params:
        return act.name
    return f"{act.name}({', '.join(f'{k}={fmt(v)}' for k, v in params.items())})"


def _columns(table: list[list[str]], right: tuple[int, ...]) -> list[str]:
    widths = [max(len(row[c]) for row in table) for c in range(len(table[0]))]
    return ["  ".join(cell.rjust(widths[c]) if c in right else cell.ljust(widths[c])
                      for c, cell in enumerate(row)).rstrip() for row in table]

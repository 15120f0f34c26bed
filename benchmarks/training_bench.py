"""Training on the bundled loan data (300 rows, 4-8-1, relu then sigmoid, binary cross-entropy).

Part of `benchmarks/run.py`'s table: a bare pure-Python SGD loop over lists of
floats (forward, backward, step: the limit) against `scalarnet.training.fit`
(10 epochs a call, so its pass at the starting weights and its final loss are
in the per-row cost too), paired round by round; and the issue's loan run,
`scalarnet train loan --data loan ... --epochs 100`, timed once whole (the
CLI: reading the CSV, training, writing the JSON). Floors: per-row training
within 2x the bare loop, the loan run well under a minute (under 20 s).
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import os
import tempfile
import time

from run import Candidate, row, time_round_robin  # noqa: E402 (benchmarks/ is on sys.path)

from scalarnet import load
from scalarnet.cli import main as cli
from scalarnet.datasets import load_rows
from scalarnet.training import fit

NAME = "loan 4-8-1 (300 rows)"
LR = 0.001
EPOCHS = 10
FLOORS = (("train_row", 2.0, "training per row within 2x a bare SGD loop (loan 4-8-1)"),
          ("train_run", 20.0, "the loan run, 100 epochs, in seconds (well under a minute)"))


def bare_epoch(weights: list, biases: list, xs: list, ts: list) -> tuple[list, list]:
    """One epoch of SGD, batch 1, by hand: relu hidden layer, sigmoid output, dL/dz = a - t."""
    (w1, w2), (b1, b2) = weights, biases
    for x, t in zip(xs, ts):
        z1 = []
        for w, b in zip(w1, b1):
            total = 0.0
            for xi, wi in zip(x, w):
                total += xi * wi
            z1.append(total + b)
        h = [z if z > 0 else 0.0 for z in z1]
        z2 = []
        for w, b in zip(w2, b2):
            total = 0.0
            for xi, wi in zip(h, w):
                total += xi * wi
            z2.append(total + b)
        a = [1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z)) for z in z2]
        dz2 = [ai - ti for ai, ti in zip(a, t)]
        da1 = [0.0] * len(h)
        for w, d in zip(w2, dz2):
            da1 = [s + wi * d for s, wi in zip(da1, w)]
        dz1 = [d if z > 0 else 0.0 for d, z in zip(da1, z1)]
        w2 = [[wi - LR * (hi * d) for wi, hi in zip(w, h)] for w, d in zip(w2, dz2)]
        b2 = [b - LR * d for b, d in zip(b2, dz2)]
        w1 = [[wi - LR * (xi * d) for wi, xi in zip(w, x)] for w, d in zip(w1, dz1)]
        b1 = [b - LR * d for b, d in zip(b1, dz1)]
    return [w1, w2], [b1, b2]


def bench_training(quick: bool) -> list[dict]:
    net = load("loan")
    data = load_rows("loan")[1]
    xs, ts = [r[:4] for r in data], [r[4:] for r in data]
    weights = [[list(n.weights) for n in layer.neurons] for layer in net.layers]
    biases = [[n.bias for n in layer.neurons] for layer in net.layers]
    # the same arithmetic: one epoch by hand and by fit end at the same weights
    mine = copy.deepcopy(net)
    fit(mine, xs, ts, "binary_cross_entropy", LR, 1)
    theirs = bare_epoch(weights, biases, xs, ts)[0]
    got = [[n.weights for n in layer.neurons] for layer in mine.layers]
    if any(abs(a - b) > 1e-9 * max(1.0, abs(b)) for m, t in zip(got, theirs)
           for ra, rb in zip(m, t) for a, b in zip(ra, rb)):
        raise SystemExit("loan: fit and the bare SGD loop end at different weights; not timing them")

    def run_fit():
        fit(copy.deepcopy(net), xs, ts, "binary_cross_entropy", LR, EPOCHS)

    candidates = [
        Candidate("train_bare", "bare SGD loop, 1 epoch (the limit)",
                  lambda: bare_epoch(weights, biases, xs, ts), inputs=len(xs)),
        Candidate("train_row", f"scalarnet fit, {EPOCHS} epochs", run_fit, inputs=EPOCHS * len(xs),
                  note="with epoch 0, the final loss and diagnostics"),
    ]
    time_round_robin(candidates, 5 if quick else 11, 0.2)
    bare, mine = candidates
    rows = [row(NAME, c.key, c.label, c.median, c.inputs, None, len(c.samples), c.number, c.note,
                ratio=None if c is bare else c.ratio_to(bare) * bare.inputs,
                samples_s=c.samples) for c in candidates]
    rows[0]["ratio_to_bare"] = 1.0
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        code = cli(["train", "loan", "--data", "loan", "--target", "approved", "--loss",
                    "binary_cross_entropy", "--lr", str(LR), "--epochs", "100", "--quiet",
                    "-o", os.path.join(tmp, "loan.json")])
        seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"scalarnet train loan failed (exit {code})")
    rows.append(row(NAME, "train_run", "scalarnet train loan, 100 epochs", seconds,
                    note="the CLI, once, whole"))
    return rows


def training_floors(rows: list[dict]) -> list[dict]:
    found = {r["key"]: r for r in rows if r["network"] == NAME}
    results = []
    for key, limit, what in FLOORS:
        r = found.get(key)
        value = None if r is None else (r["median_s"] if key == "train_run" else r["ratio_to_bare"])
        shown = "not measured" if value is None else (
            f"{value:.1f} s" if key == "train_run" else f"{value:.2f}x")
        status = "not measured" if value is None else ("holds" if value <= limit else "FAILS")
        results.append({"floor": what, "key": key, "limit": limit, "value": value,
                        "status": status, "shown": shown})
    return results

"""How long the numpy cross-check takes on 784-128-64-10: the vectorized pass, and compare() split in parts.

Run it from the repository root with the project's venv:

    .venv/bin/python benchmarks/compare_bench.py            # 5 samples each, about a minute
    .venv/bin/python benchmarks/compare_bench.py --quick    # 1 sample each

Measures, on a 784-128-64-10 network (ReLU hidden layers, softmax output, seeded
random float weights and biases):

- `vectorized.forward` of 1,000 rows (the matrices built once, beforehand);
- `vectorized.matrices(net)`, the one-off conversion of the scalar weights;
- `compare(net, rows)` of 100 rows, from its own `report.seconds`: the scalar
  engine, the vectorized pass, and the checks (agreement, scales, diagnoses);
  and the whole call (which also checks the rows and builds the matrices).

Times are the median of the samples. numpy's BLAS threads spin while they wait: on
a busy machine with few cores the matrix products slow down ten times; for
steady numbers there run `OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/compare_bench.py`
(the header says which was used). Prints a small table; exit code 0 (1 if the
check itself fails, which would make the numbers meaningless).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time

import numpy as np

from scalarnet import Network, compare
from scalarnet.vectorized import forward, matrices

SIZES = (784, 128, 64, 10)


def make_network(seed: int = 0) -> Network:
    rng = random.Random(seed)
    weights = [[[rng.gauss(0, 1 / n_in ** 0.5) for _ in range(n_in)] for _ in range(n_out)]
               for n_in, n_out in zip(SIZES, SIZES[1:])]
    biases = [[rng.gauss(0, 0.1) for _ in range(n_out)] for n_out in SIZES[1:]]
    return Network.from_matrices(weights, biases, ["relu", "relu", "softmax"])


def make_rows(n: int, seed: int = 1) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.random() for _ in range(SIZES[0])] for _ in range(n)]


def median_time(call, samples: int) -> float:
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def human(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one sample per measurement")
    args = parser.parse_args(argv)
    samples = 1 if args.quick else 5

    net = make_network()
    m = matrices(net)
    rows_1000 = np.array(make_rows(1000))
    rows_100 = make_rows(100)

    matrices_time = median_time(lambda: matrices(net), samples)
    forward_time = median_time(lambda: forward(m, rows_1000), samples)
    reports, walls = [], []
    for _ in range(samples):
        start = time.perf_counter()
        report = compare(net, rows_100)
        walls.append(time.perf_counter() - start)
        if not report.ok:  # a benchmark of a failing check would measure the wrong thing
            print(report, file=sys.stderr)
            return 1
        reports.append(report.seconds)
    wall = statistics.median(walls)
    parts = {key: statistics.median(r[key] for r in reports) for key in ("scalar", "vectorized", "checks")}
    total = statistics.median(sum(r[key] for key in parts) for r in reports)

    shape = "-".join(str(s) for s in SIZES)
    lines = [
        f"scalarnet compare benchmark: {shape}, relu-relu-softmax, float64; median of {samples}",
        f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cpus, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}",
        "",
        f"{'measurement':44} {'time':>10} {'per row':>10}",
        f"{'vectorized.forward, 1,000 rows':44} {human(forward_time):>10} {human(forward_time / 1000):>10}",
        f"{'vectorized.matrices(net), once':44} {human(matrices_time):>10} {'':>10}",
        f"{'compare, 100 rows: scalar engine':44} {human(parts['scalar']):>10} "
        f"{human(parts['scalar'] / 100):>10}",
        f"{'compare, 100 rows: vectorized pass':44} {human(parts['vectorized']):>10} "
        f"{human(parts['vectorized'] / 100):>10}",
        f"{'compare, 100 rows: checks (tolerance, alone)':44} {human(parts['checks']):>10} "
        f"{human(parts['checks'] / 100):>10}",
        f"{'compare, 100 rows: the three parts':44} {human(total):>10} {human(total / 100):>10}",
        f"{'compare, 100 rows: whole call':44} {human(wall):>10} {human(wall / 100):>10}",
        "",
        f"per row, the scalar engine takes {parts['scalar'] / parts['vectorized']:.0f}x the "
        f"vectorized pass of the same 100 rows, {parts['scalar'] / 100 / (forward_time / 1000):.0f}x "
        "a row of the 1,000-row batch",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

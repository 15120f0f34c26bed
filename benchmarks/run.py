"""How close scalarnet comes to bare Python: one run, the same weights everywhere, one table.

Run it from the repository root with the project's venv:

    .venv/bin/python benchmarks/run.py              # full run, about a minute on 2 cores
    .venv/bin/python benchmarks/run.py --quick      # under a minute, fewer samples
    .venv/bin/python benchmarks/run.py --json out.json

For numpy numbers on a machine where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set
(they slow a current numpy down), unset both for this command alone:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/run.py

What it measures, on 2-2-1, 2-16-16-1 and 784-128-64-10 networks (ReLU hidden
layers, identity output, seeded random float weights and biases):

- the limit: a bare pure-Python nested loop over lists of floats;
- scalarnet `forward`, `trace`, `steps` consumed at op, neuron and layer
  granularity (when `Network.steps` exists; a neuron or layer step's text is
  written when read, so this is the cost of stepping alone) and `gradients` (the forward trace and the backward
  pass with mse, every neuron's dL/da, dL/dz and dL/dw recorded; "n/a" without
  `Network.gradients`);
- the numpy reference for 1 and 1,000 rows (`scalarnet.vectorized` when it
  exists, else plain numpy on the same matrices);
- micrograd (`pip install micrograd`), with its garbage collection on and off;
- peak memory of a recorded trace, and of micrograd's graph (tracemalloc);
- time and SVG size of rendering the tutorial network and 784-128-64-10 with a
  trace, on each available Graphviz engine (when `scalarnet.diagram` exists);
- the size of the HTML player of 784-128-64-10 stepped by layer and (not with
  --quick: 202 frames to render) by neuron;
- the bare forward+backward loop (mse, ReLU), the limit for `gradients`;
- `compare` on 10,000 rows of 784-128-64-10 (1,000 with --quick) in one process and
  in one per core (`workers=`), with the load average before each;
- whole processes, each over `python -c pass` in the same round: `import scalarnet`,
  `scalarnet --help`, `scalarnet explain tutorial-deep`, `scalarnet render` with the
  compiled-wasm cache warm and cold, the engine's share of a warm render, and what
  `import scalarnet` imports.

Every time is the median of several samples; the candidates for one network run
round-robin, and a ratio is per input, the median over rounds of a candidate's
sample over the bare loop's sample of the same round, so that a noisy
neighbour slowing one round shifts no ratio (micrograd, timed apart: ratio of
medians). Each sample pays for freeing its own garbage. Then the issue's floors
on 784-128-64-10 are checked: forward within 1.3x, trace within 3x, op steps
within 5x, neuron and layer steps within a trace (3x), a recorded trace under
15 MiB, the player under 1 MiB by layer and under 5 MiB by neuron; and training
on the bundled loan data (benchmarks/training_bench.py): per row within 2x a
bare SGD loop, the 100-epoch loan run well under a minute. The exit code is 0 either way: this
is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

# One BLAS thread unless told otherwise: OpenBLAS's idle workers keep spinning after a
# numpy call and, on a 2-core machine, halve the speed of the pure-Python loops timed
# next to it (the bare loop swung between 3.8 and 7.8 ms from run to run without this).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from scalarnet import Network, load  # noqa: E402

NETWORKS = ((2, 2, 1), (2, 16, 16, 1), (784, 128, 64, 10))
BIG = (784, 128, 64, 10)
# The floors, on BIG: (row key, ratio or MiB, what it is).
FLOORS = (("forward", 1.3, "forward within 1.3x the bare loop"),
          ("trace", 3.0, "trace within 3x the bare loop"),
          ("steps", 5.0, "steps at op granularity within 5x the bare loop"),
          ("steps_neuron", 3.0, "steps at neuron granularity within a trace's 3x the bare loop"),
          ("steps_layer", 3.0, "steps at layer granularity within a trace's 3x the bare loop"),
          ("trace_memory", 15.0, "recorded trace under 15 MiB"),
          ("player_layer", 1.0, "player page by layer under 1 MiB"),
          ("player_neuron", 5.0, "player page by neuron under 5 MiB"),
          ("gradients", 1.3, "gradients within 1.3x the bare forward+backward loop",
           "ratio_to_bare_backward"))
MIB = 2 ** 20


# -- the same weights for everyone -------------------------------------------------------------

def make_weights(sizes: tuple, seed: int = 0) -> tuple[list, list]:
    """Weight matrices (one row per neuron) and bias vectors, scaled so values stay near 1."""
    rng = random.Random(seed)
    weights, biases = [], []
    for n_in, n_out in zip(sizes, sizes[1:]):
        scale = 1 / n_in ** 0.5
        weights.append([[rng.uniform(-scale, scale) for _ in range(n_in)] for _ in range(n_out)])
        biases.append([rng.uniform(-0.1, 0.1) for _ in range(n_out)])
    return weights, biases


def bare_forward(weights: list, biases: list, x: list) -> list:
    """The limit: the same arithmetic as scalarnet, as a bare loop over lists of floats."""
    last = len(weights) - 1
    for k, (matrix, bias) in enumerate(zip(weights, biases)):
        out = []
        for row, b in zip(matrix, bias):
            total = 0.0
            for xi, wi in zip(x, row):
                total += xi * wi
            z = total + b
            out.append(z if k == last or z > 0 else 0.0)  # ReLU, identity at the output
        x = out
    return x


def bare_forward_backward(weights: list, biases: list, x: list, target: list) -> tuple[list, list]:
    """The limit for `gradients`: a forward pass keeping z and a, then mse's backward pass.

    Per layer from the output back: dL/dz through ReLU, dL/dw = input*dL/dz for each
    neuron, and dL/d(input) added row by row, as scalarnet does. Returns (dL/dx, dL/dw).
    """
    last = len(weights) - 1
    inputs, zs = [], []
    for k, (matrix, bias) in enumerate(zip(weights, biases)):
        inputs.append(x)
        z = []
        for row, b in zip(matrix, bias):
            total = 0.0
            for xi, wi in zip(x, row):
                total += xi * wi
            z.append(total + b)
        zs.append(z)
        x = z if k == last else [v if v > 0 else 0.0 for v in z]
    da = [a - t for a, t in zip(x, target)]
    dws = []
    for k in range(last, -1, -1):
        dz = da if k == last else [d if z > 0 else 0.0 for d, z in zip(da, zs[k])]
        dws.append([[xi * d for xi in inputs[k]] for d in dz])
        totals = [0] * len(inputs[k])
        for row, d in zip(weights[k], dz):
            totals = [t + w * d for t, w in zip(totals, row)]
        da = totals
    return da, dws


# -- timing ------------------------------------------------------------------------------------

class Candidate:
    """One thing to time: a call, how many inputs one call handles, and its samples."""

    def __init__(self, key: str, label: str, call, inputs: int = 1, note: str = ""):
        self.key, self.label, self.call, self.inputs, self.note = key, label, call, inputs, note
        self.number = 1
        self.samples: list[float] = []

    def calibrate(self, target: float) -> None:
        """Pick how many calls one sample makes, so a sample lasts about `target` seconds."""
        t0 = time.perf_counter()
        self.call()
        once = max(time.perf_counter() - t0, 1e-7)
        self.number = max(1, min(100_000, round(target / once)))

    def sample(self) -> None:
        """One sample; it pays for freeing its own garbage and for no one else's.

        A trace's records point at each other, so only the collector frees a
        trace: a young-generation collection ends every sample, inside the
        timing, and a full one (untimed) starts it.
        """
        call, number = self.call, self.number
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(number):
            call()
        gc.collect(1)
        self.samples.append((time.perf_counter() - t0) / number)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def ratio_to(self, bare: Candidate) -> float:
        """Per input, the median of this sample over the bare loop's in the same round.

        Pairing the rounds cancels a slow spell of the machine that hits one round.
        """
        return statistics.median(s / self.inputs / b for s, b in zip(self.samples, bare.samples))


def time_round_robin(candidates: list, rounds: int, target: float) -> None:
    """Sample every candidate once per round, in turn, so slow spells hit all of them."""
    for c in candidates:
        c.calibrate(target)
    for _ in range(rounds):
        for c in candidates:
            c.sample()


def peak_memory(build) -> tuple[int, int, object]:
    """(bytes held by what `build()` returns, peak bytes while building it, what it returned)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = build()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current, peak, result


# -- the other engines -------------------------------------------------------------------------

def numpy_reference(net: Network, weights: list, biases: list):
    """A batch forward pass rows -> outputs: scalarnet.vectorized when it is there, else numpy."""
    try:
        from scalarnet import vectorized
    except ImportError:
        vectorized = None
    if vectorized is not None:
        m = vectorized.matrices(net)
        return (lambda rows: vectorized.forward(m, rows).output), "scalarnet.vectorized"
    mats = [np.array(m, dtype=np.float64) for m in weights]
    vecs = [np.array(b, dtype=np.float64) for b in biases]
    last = len(mats) - 1

    def forward_numpy(rows):
        a = rows
        for k, (w, b) in enumerate(zip(mats, vecs)):
            z = a @ w.T + b  # (rows, n_in) @ (n_in, n_out) -> (rows, n_out)
            a = z if k == last else np.maximum(z, 0.0)
        return a
    return forward_numpy, "plain numpy (scalarnet.vectorized not there yet)"


def micrograd_model(weights: list, biases: list):
    """micrograd's MLP with our weights, or None when micrograd is not installed."""
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP
    except ImportError:
        return None
    sizes = [len(weights[0][0])] + [len(m) for m in weights]
    model = MLP(sizes[0], sizes[1:])
    for layer, matrix, bias in zip(model.layers, weights, biases):
        for neuron, row, b in zip(layer.neurons, matrix, bias):
            neuron.w = [Value(w) for w in row]
            neuron.b = Value(b)
    return model


def micrograd_values(out) -> list:
    return [v.data for v in (out if isinstance(out, list) else [out])]


def time_micrograd(model, x: list, rounds: int, calls: int, gc_on: bool) -> list[float]:
    """Seconds per micrograd forward pass, `calls` passes a sample, the collector on or off.

    micrograd's graph is cyclic (each node's backward closure holds the node), so
    only the collector frees it: with gc on, its collections are part of the
    time, as for any user; with gc off, the garbage is collected between samples.
    """
    samples = []
    for _ in range(rounds):
        gc.collect()
        if not gc_on:
            gc.disable()
        try:
            t0 = time.perf_counter()
            for _ in range(calls):
                model(x)
            samples.append((time.perf_counter() - t0) / calls)
        finally:
            gc.enable()
    gc.collect()
    return samples


# -- one network -------------------------------------------------------------------------------

def shape_name(sizes: tuple) -> str:
    return "-".join(str(s) for s in sizes)


def row(network: str, key: str, label: str, seconds=None, inputs: int = 1, bare=None,
        samples: int = 0, number: int = 0, note: str = "", ratio=None, **extra) -> dict:
    per_input = None if seconds is None else seconds / inputs
    if ratio is None and per_input is not None and bare:
        ratio = per_input / bare
    return {"network": network, "key": key, "label": label, "median_s": seconds,
            "per_input_s": per_input, "ratio_to_bare": ratio, "inputs_per_call": inputs,
            "samples": samples, "calls_per_sample": number, "note": note, **extra}


def bench_network(sizes: tuple, quick: bool) -> list[dict]:
    name = shape_name(sizes)
    weights, biases = make_weights(sizes)
    net = Network.from_matrices(weights, biases, activations="relu", name=name)
    rng = random.Random(1)
    x = [rng.random() for _ in range(sizes[0])]
    expected = bare_forward(weights, biases, x)
    if net.forward(x) != expected:  # the same operations in the same order: bit for bit
        raise SystemExit(f"{name}: scalarnet forward differs from the bare loop; not timing it")

    # In table order; a (key, label, note) tuple is a row with nothing to time.
    entries: list = [
        Candidate("bare", "bare Python loop (the limit)", lambda: bare_forward(weights, biases, x)),
        Candidate("forward", "scalarnet forward", lambda: net.forward(x)),
        Candidate("trace", "scalarnet trace", lambda: net.trace(x)),
    ]
    if hasattr(net, "steps"):
        n_steps = sum(1 for _ in net.steps(x, granularity="op"))
        entries.append(Candidate(
            "steps", "scalarnet steps (op, consumed)",
            lambda: collections.deque(net.steps(x, granularity="op"), maxlen=0),
            note=f"{n_steps:,} steps"))
        for granularity in ("neuron", "layer"):
            entries.append(Candidate(
                f"steps_{granularity}", f"scalarnet steps ({granularity}, consumed)",
                lambda g=granularity: collections.deque(net.steps(x, granularity=g), maxlen=0),
                note="texts written when read"))
    else:
        entries.append(("steps", "scalarnet steps (op, consumed)",
                        "skipped: Network.steps not there yet (scalarnet/steps.py)"))
    gradients = getattr(net, "gradients", None)
    if callable(gradients):
        wanted = [0.5] * sizes[-1]  # the target output
        dx, _ = bare_forward_backward(weights, biases, x, wanted)
        if max(abs(a - b) for a, b in zip(gradients(x, wanted).dx, dx)) > 1e-12:
            raise SystemExit(f"{name}: scalarnet gradients differ from the bare backward loop")
        entries.append(Candidate("bare_backward", "bare forward+backward loop",
                                 lambda: bare_forward_backward(weights, biases, x, wanted),
                                 note="the limit for gradients"))
        entries.append(Candidate("gradients", "scalarnet gradients", lambda: gradients(x, wanted),
                                 note="mse; its trace included"))
    else:
        entries.append(("gradients", "scalarnet gradients", "n/a: scalarnet has no gradients yet"))
    forward_np, np_source = numpy_reference(net, weights, biases)
    one = np.array([x], dtype=np.float64)  # (1, inputs)
    many = np.array([[rng.random() for _ in range(sizes[0])] for _ in range(1000)])  # (1000, inputs)
    if not np.allclose(np.asarray(forward_np(one))[0], expected, rtol=1e-12, atol=1e-12):
        raise SystemExit(f"{name}: the numpy reference differs from the bare loop")
    entries.append(Candidate("numpy_1", "numpy, 1 row", lambda: forward_np(one), note=np_source))
    entries.append(Candidate("numpy_1000", "numpy, 1,000 rows", lambda: forward_np(many),
                             inputs=1000, note=np_source))

    candidates = [e for e in entries if isinstance(e, Candidate)]
    rounds, target = (7, 0.005) if quick else (21, 0.02)
    time_round_robin(candidates, rounds, target)
    bare = candidates[0].median
    by_key = {c.key: c for c in candidates}
    rows = []
    for e in entries:
        if isinstance(e, Candidate):
            note = e.note
            if e.key == "steps":
                note += f", {human_time(e.median / n_steps)} a step"
            if e.key == "gradients" and "bare_backward" in by_key:
                vs = e.ratio_to(by_key["bare_backward"])
                note += f"; {ratio_text(vs)} the bare forward+backward loop"
            extra = {"ratio_to_bare_backward": vs} if e.key == "gradients" and "bare_backward" in by_key else {}
            rows.append(row(name, e.key, e.label, e.median, e.inputs, bare, len(e.samples),
                            e.number, note, ratio=e.ratio_to(candidates[0]), samples_s=e.samples,
                            **extra))
        else:
            rows.append(row(name, *e[:2], note=e[2]))

    kept, peak, _ = peak_memory(lambda: net.trace(x))
    rows.append(row(name, "trace_memory", "recorded trace, memory", bytes_peak=peak,
                    bytes_kept=kept, note=f"tracemalloc peak while tracing; {kept / MIB:.2f} MiB kept"))
    rows += bench_micrograd(name, weights, biases, x, expected, bare, quick, big=sizes == BIG)
    return rows


def bench_micrograd(name: str, weights: list, biases: list, x: list, expected: list,
                    bare: float, quick: bool, big: bool) -> list[dict]:
    model = micrograd_model(weights, biases)
    if model is None:
        return [row(name, "micrograd", "micrograd", note="skipped: pip install micrograd")]
    gc.disable()  # the graph alone, without the collector's pauses (slow under tracemalloc)
    try:
        kept, peak, out = peak_memory(lambda: model(x))
        got = micrograd_values(out)
        del out
    finally:
        gc.enable()
        gc.collect()
    if max(abs(a - b) for a, b in zip(got, expected)) > 1e-9:  # it adds the bias first
        raise SystemExit(f"{name}: micrograd's output differs from the bare loop")
    rows = []
    for gc_on in (True, False):
        if big:
            rounds, calls = ((1 if gc_on else 3), 1) if quick else (5, 1)
        else:
            rounds, calls = (5, 20) if quick else (11, 100)
        samples = time_micrograd(model, x, rounds, calls, gc_on)
        state = "on" if gc_on else "off"
        rows.append(row(name, f"micrograd_gc_{state}", f"micrograd forward, gc {state}",
                        statistics.median(samples), 1, bare, len(samples), calls))
    rows.append(row(name, "micrograd_memory", "micrograd graph, memory", bytes_peak=peak,
                    bytes_kept=kept, note=f"tracemalloc peak while building; {kept / MIB:.2f} MiB kept"))
    return rows


# -- rendering ---------------------------------------------------------------------------------

def bench_rendering(quick: bool) -> list[dict]:
    """Build the diagram of a traced pass and render it to SVG on every engine there is."""
    try:
        from scalarnet.diagram import diagram
    except ImportError:
        return [row("(rendering)", "render", "render SVG", note="skipped: scalarnet.diagram not there yet")]
    from scalarnet.rendering import available_engines, render

    tutorial = load("tutorial-deep")
    weights, biases = make_weights(BIG)
    big = Network.from_matrices(weights, biases, activations="relu", name=shape_name(BIG))
    x = [random.Random(1).random() for _ in range(BIG[0])]
    engines = available_engines()
    rows = []
    for name, net, inputs in (("tutorial-deep", tutorial, tutorial.example_input),
                              (shape_name(BIG), big, x)):
        trace = net.trace(inputs)
        samples = []
        for _ in range(3 if quick else 7):
            t0 = time.perf_counter()
            dot = diagram(net, trace)
            samples.append(time.perf_counter() - t0)
        rows.append(row(name, "diagram", "diagram: DOT of net + trace", statistics.median(samples),
                        samples=len(samples), number=1, bytes_dot=len(dot.source),
                        note=f"DOT {len(dot.source) / 1024:,.1f} KiB"))
        if not engines:
            rows.append(row(name, "render", "render SVG", note="skipped: no Graphviz engine"))
        for engine in engines:
            t0 = time.perf_counter()
            svg = render(dot, "svg", engine)  # the first call may compile the wasm module
            first = time.perf_counter() - t0
            samples = []
            for _ in range(3 if quick else 7):
                t0 = time.perf_counter()
                svg = render(dot, "svg", engine)
                samples.append(time.perf_counter() - t0)
            rows.append(row(name, f"render_{engine}", f"render SVG ({engine})",
                            statistics.median(samples), samples=len(samples), number=1,
                            bytes_svg=len(svg), first_call_s=first,
                            note=f"SVG {len(svg) / 1024:,.1f} KiB; first call {human_time(first)}"))
    return rows


# -- the player -------------------------------------------------------------------------------

def bench_player(quick: bool) -> list[dict]:
    """The size of the HTML player of the big network, by layer and (unless quick) by neuron."""
    try:
        from scalarnet import player
        from scalarnet.rendering import available_engines
    except ImportError:
        return [row("(player)", "player", "player page", note="skipped: scalarnet.player not there yet")]
    if not available_engines():
        return [row(shape_name(BIG), "player", "player page", note="skipped: no Graphviz engine")]
    weights, biases = make_weights(BIG)
    net = Network.from_matrices(weights, biases, activations="relu", name=shape_name(BIG))
    x = [random.Random(1).random() for _ in range(BIG[0])]
    rows = []
    for granularity in ("layer",) if quick else ("layer", "neuron"):
        t0 = time.perf_counter()
        built = player.frames(net, x, granularity)
        page = player.player_html(net, built, player.render_frames(built))
        seconds = time.perf_counter() - t0
        size = len(page.encode("utf-8"))
        # bytes_peak: the page's size, so the table and the floors read it as MiB
        rows.append(row(shape_name(BIG), f"player_{granularity}", f"player page ({granularity})",
                        bytes_peak=size, note=f"{len(built)} frames, made in {human_time(seconds)}"))
    return rows


# -- whole processes: start-up, the command line, the compiled-wasm cache -----------------------

def scalarnet_command() -> list[str]:
    """The `scalarnet` script beside this Python (as a user runs it), else `python -m scalarnet`."""
    script = Path(sys.executable).with_name("scalarnet")
    return [str(script)] if script.exists() else [sys.executable, "-m", "scalarnet"]


def run_process(argv: list[str], env: dict | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def bench_processes(quick: bool) -> list[dict]:
    """Whole-process times, medians of interleaved runs, each over `python -c pass` of its round."""
    import tempfile

    cli = scalarnet_command()
    out = Path(tempfile.mkdtemp(prefix="scalarnet-bench-"))
    warm = out / "warm-cache"
    env_warm = {**os.environ, "SCALARNET_CACHE_DIR": str(warm)}
    render = [*cli, "render", "tutorial-deep", "--engine", "wasm", "-o", str(out / "x.svg")]
    engine_probe = ("import time; from scalarnet import rendering; t = time.perf_counter();"
                    " rendering.render('digraph { a -> b }', 'svg', 'wasm');"
                    " print(time.perf_counter() - t)")
    wasm = "wasm" in __import__("scalarnet.rendering").rendering.available_engines()
    cases = [("python_pass", "python -c pass", [sys.executable, "-c", "pass"], None),
             ("import_scalarnet", "python -c 'import scalarnet'",
              [sys.executable, "-c", "import scalarnet"], None),
             ("cli_help", "scalarnet --help", [*cli, "--help"], None),
             ("cli_explain", "scalarnet explain tutorial-deep", [*cli, "explain", "tutorial-deep"], None)]
    if wasm:
        run_process(render, env_warm)  # fills the warm cache
        cases.append(("render_warm", "scalarnet render (wasm), cache warm", render, env_warm))
    samples: dict[str, list] = {key: [] for key, *_ in cases}
    for _ in range(5 if quick else 11):
        for key, _, argv, env in cases:
            samples[key].append(run_process(argv, env))
    rows = []
    base = samples["python_pass"]
    for key, label, _, _ in cases:
        ratio = statistics.median(s / b for s, b in zip(samples[key], base))
        rows.append(row("(process)", key, label, statistics.median(samples[key]), ratio=ratio,
                        samples=len(samples[key]), number=1, note="" if key != "python_pass" else "the floor"))
    if wasm:
        cold = []
        for i in range(2 if quick else 3):
            env_cold = {**os.environ, "SCALARNET_CACHE_DIR": str(out / f"cold-{i}")}
            cold.append(run_process(render, env_cold))
        rows.append(row("(process)", "render_cold", "scalarnet render (wasm), cache cold",
                        statistics.median(cold), samples=len(cold), number=1,
                        note="compiles graphviz.wasm, once per machine"))
        engine = [float(subprocess.run([sys.executable, "-c", engine_probe], env=env_warm, check=True,
                                       capture_output=True, text=True).stdout)
                  for _ in range(5 if quick else 11)]
        rows.append(row("(process)", "render_engine_warm", "first wasm render in a process, warm",
                        statistics.median(engine), samples=len(engine), number=1,
                        note="import, load the cached module, render (in-process)"))
    else:
        rows.append(row("(process)", "render_warm", "scalarnet render (wasm)", note="skipped: no embedded Graphviz"))
    probe = ("import sys, scalarnet; heavy = ['numpy', 'graphviz', 'wasmtime', 'tqdm',"
             " 'concurrent.futures', 'importlib.metadata'];"
             " print(len(sys.modules), ' '.join(m for m in heavy if m in sys.modules) or 'none of them')")
    before = subprocess.run([sys.executable, "-c", "import sys; print(len(sys.modules))"],
                            capture_output=True, text=True, check=True).stdout.split()[0]
    count, *heavy = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                   check=True).stdout.split()
    rows.append(row("(process)", "import_modules", "what import scalarnet imports",
                    note=f"{int(count) - int(before)} modules; of numpy, graphviz, wasmtime, tqdm,"
                         f" concurrent.futures, importlib.metadata: {' '.join(heavy)}"))
    shutil.rmtree(out, ignore_errors=True)
    return rows


def cpu_seconds() -> float:
    """User and system CPU time of this process and its finished child processes."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_workers(quick: bool) -> list[dict]:
    """`compare` on many rows of the big network, in one process and in one per core."""
    from scalarnet import compare
    from scalarnet.parallel import cores

    n = 1_000 if quick else 10_000
    weights, biases = make_weights(BIG)
    net = Network.from_matrices(weights, biases, activations="relu", name=shape_name(BIG))
    rng = random.Random(2)
    rows_in = [[rng.random() for _ in range(BIG[0])] for _ in range(n)]
    rows = []
    times = {}
    for workers in (1, cores()):
        load_before = os.getloadavg()[0]
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        report = compare(net, rows_in, workers=workers)
        times[workers] = time.perf_counter() - t0
        cpu = cpu_seconds() - cpu0
        if not report.ok:
            raise SystemExit(f"compare with {workers} workers does not agree")
        # The CPU time (this process and its workers) shows the cost of splitting the rows
        # even where a busy machine gives the workers no more CPU than one process gets.
        note = (f"{workers} process{'es' if workers > 1 else ''}; CPU {cpu:.1f} s;"
                f" load average {load_before:.1f} before")
        if workers > 1:
            note += f"; {times[1] / times[workers]:.2f}x one process"
        rows.append(row(shape_name(BIG), f"compare_workers_{workers}", f"compare, {n:,} rows, workers={workers}",
                        times[workers], inputs=n, samples=1, number=1, note=note))
        if cores() == 1:
            break
    return rows


# -- the machine and the report ----------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": cpu, "nproc": os.cpu_count(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "platform": platform.platform(),
            "numpy": np.__version__,
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}
    try:
        from threadpoolctl import threadpool_info
        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if blas:
            info["blas"] = f"{blas[0].get('internal_api')} {blas[0].get('version')}, " \
                           f"{blas[0].get('architecture')} kernel, {blas[0].get('num_threads')} threads"
    except ImportError:
        info["blas"] = "unknown (pip install threadpoolctl to see the kernel)"
    return info


def check_floors(rows: list[dict]) -> list[dict]:
    big = shape_name(BIG)
    found = {r["key"]: r for r in rows if r["network"] == big}
    results = []
    for key, limit, what, *field in FLOORS:
        r = found.get(key)
        if key == "trace_memory" or key.startswith("player_"):
            value = None if r is None else r["bytes_peak"] / MIB
            shown = "not measured" if value is None else f"{value:.2f} MiB"
        else:
            value = None if r is None else r.get(field[0] if field else "ratio_to_bare")
            shown = "not measured" if value is None else f"{value:.2f}x"
        status = "not measured" if value is None else ("holds" if value <= limit else "FAILS")
        results.append({"floor": what, "key": key, "limit": limit, "value": value,
                        "status": status, "shown": shown})
    return results


def human_time(seconds) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio_text(ratio: float) -> str:
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.3g}x" if ratio < 1 else f"{ratio:.2f}x"


def cells(r: dict) -> tuple[str, str, str]:
    """The median, per-input and ratio cells of one row."""
    if "bytes_peak" in r:
        return f"{r['bytes_peak'] / MIB:.2f} MiB", "", ""
    if r["median_s"] is None:
        missing = "n/a" if r["key"] == "gradients" else "-"
        return missing, "", missing
    per_input = human_time(r["per_input_s"]) if r["inputs_per_call"] > 1 else ""
    ratio = "" if r["ratio_to_bare"] is None else ratio_text(r["ratio_to_bare"])
    return human_time(r["median_s"]), per_input, ratio


def table(rows: list[dict], floors: list[dict], info: dict, quick: bool) -> str:
    header = ("network", "measurement", "median", "per input", "vs bare", "note")
    lines = [(r["network"], r["label"], *cells(r), r["note"]) for r in rows]
    widths = [max(len(str(line[i])) for line in [header] + lines) for i in range(len(header))]

    def fmt(line):
        cells = [str(c).ljust(w) if i in (0, 1, 5) else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(line, widths))]
        return "  ".join(cells).rstrip()

    out = [fmt(header), fmt(["-" * w for w in widths])]
    previous = None
    for line in lines:
        if previous is not None and line[0] != previous:
            out.append("")
        out.append(fmt(line))
        previous = line[0]
    out.append("")
    out.append(f"Floors on {shape_name(BIG)} and training on loan (medians, ratios to the bare "
               "loop in this run):")
    for f in floors:
        out.append(f"  {f['status']:<12}  {f['floor']}: {f['shown']}")
    out.append("")
    blas = info.get("blas", "")
    out.append(f"Machine: {info['cpu']}, {info['nproc']} CPUs, {info['implementation']} "
               f"{info['python']}, numpy {info['numpy']} ({blas}); "
               f"OPENBLAS_CORETYPE={info['OPENBLAS_CORETYPE'] or 'unset'}, "
               f"OPENBLAS_L2_SIZE={info['OPENBLAS_L2_SIZE'] or 'unset'}, "
               f"OPENBLAS_NUM_THREADS={info['OPENBLAS_NUM_THREADS'] or 'unset'}"
               f"{'; --quick' if quick else ''}")
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples: under a minute")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = []
    for sizes in NETWORKS:
        rows += bench_network(sizes, args.quick)
    rows += bench_rendering(args.quick)
    rows += bench_player(args.quick)
    rows += bench_workers(args.quick)
    rows += bench_processes(args.quick)
    from training_bench import bench_training, training_floors  # loan data, 4-8-1: its own floors
    rows += bench_training(args.quick)
    floors = check_floors(rows) + training_floors(rows)
    info = machine()
    print(table(rows, floors, info, args.quick))
    elapsed = time.perf_counter() - started
    print(f"({elapsed:.0f} s)")
    if args.json:
        from scalarnet.outputs import write_atomic

        write_atomic(args.json, json.dumps(
            {"machine": info, "quick": args.quick, "seconds": round(elapsed, 1),
             "rows": rows, "floors": floors}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

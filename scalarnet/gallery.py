"""The gallery in render/: an SVG of every bundled example, a few more views and a PNG, remade by one command.

    scalarnet gallery render/

The gallery is drawn with the embedded Graphviz (engine "wasm"), which gives the
same bytes on any machine, so tests/test_gallery.py can remake it and find a
stale file anywhere; its PNG is that SVG rasterised by resvg with the bundled
font, byte-deterministic too. Building the pictures draws nothing; `write` renders them.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from . import files
from .diagram import Diagram, diagram
from .network import Network
from .outputs import replace_dir_atomic
from .rendering import render

ENGINE = "wasm"
#: The large example: an MNIST-shaped network (784 pixels in, 10 classes out).
LARGE_WIDTHS = (784, 128, 64, 10)


def large_network(widths: tuple[int, ...] = LARGE_WIDTHS, seed: int = 0) -> tuple[Network, list]:
    """A network of these widths with seeded random weights, and an input for it.

    Weights are uniform in ±1/sqrt(inputs), biases in ±0.1 (both rounded to 3
    decimals), hidden layers relu, the output softmax; the input is `widths[0]`
    values in [0, 1) rounded to 2 decimals, like pixel intensities. The same
    seed gives the same network on any machine.

    >>> net, x = large_network((3, 2, 2))
    >>> net.widths, len(x)
    ([3, 2, 2], 3)
    """
    rng = random.Random(seed)
    weights, biases = [], []
    for n_in, n_out in zip(widths, widths[1:]):
        scale = n_in ** -0.5
        weights.append([[round(rng.uniform(-scale, scale), 3) for _ in range(n_in)]
                        for _ in range(n_out)])
        biases.append([round(rng.uniform(-0.1, 0.1), 3) for _ in range(n_out)])
    activations = ["relu"] * (len(widths) - 2) + ["softmax"]
    net = Network.from_matrices(weights, biases, activations, name="random")
    x = [round(rng.random(), 2) for _ in range(widths[0])]
    return net, x


def pictures() -> dict[str, Diagram]:
    """File name -> diagram, for every picture in the gallery, in order."""
    result = {}
    for name in files.examples():
        net = files.load(name)
        result[f"{name}.svg"] = diagram(net, net.trace(net.example_input))
    deep = files.load("tutorial-deep")
    trace = deep.trace(deep.example_input)
    result["tutorial-deep-weights.svg"] = diagram(deep)
    result["tutorial-deep-ops.svg"] = diagram(deep, trace, view="ops")
    result["tutorial-deep-node0_1-ops.svg"] = diagram(deep, trace, view="ops",
                                                      neuron="hidden1.node0_1")
    result["tutorial-deep-exercise.svg"] = _exercise_diagram(deep)
    from .player import frames  # one frame of the backward pass: node0_1's dL/da, term 2

    result["tutorial-deep-backward-step.svg"] = frames(deep, deep.example_input, target=[180])[36][1]
    large, x = large_network()
    shape = "-".join(str(w) for w in LARGE_WIDTHS)
    large_trace = large.trace(x)
    result[f"random-{shape}.svg"] = diagram(large, large_trace)
    result[f"random-{shape}-layers.svg"] = diagram(large, large_trace, view="layers")
    # a PNG with no system Graphviz: the embedded one's SVG, rasterised by resvg (scalarnet.raster)
    result["tutorial-deep.png"] = diagram(deep, trace)
    result.update(_training_pictures())
    return result


def _exercise_diagram(deep: Network) -> Diagram:
    """The diagram of the README's exercise sheet: `scalarnet exercise tutorial-deep --seed 1`."""
    from .exercise import make
    from .exercise_pages import diagram as sheet_diagram

    return sheet_diagram(make(deep, deep.example_input, seed=1))


#: The training runs drawn in the gallery, as the README's `scalarnet train` commands run them.
TRAINING_RUNS = {"xor": ("y", {"loss": "binary_cross_entropy", "lr": 0.5, "epochs": 300}),
                 "loan": ("approved", {"loss": "binary_cross_entropy", "lr": 0.001, "epochs": 100})}


def training_run(name: str):
    """The bundled network `name` before and after its training run, and the run's history."""
    import copy

    from .datasets import load_rows
    from .training import fit

    before = files.load(name)
    after = copy.deepcopy(before)
    rows = load_rows(name)[1]
    n = len(before.inputs)
    history = fit(after, [r[:n] for r in rows], [r[n:] for r in rows], **TRAINING_RUNS[name][1])
    return before, after, history


def _training_pictures() -> dict[str, Diagram]:
    """What XOR's training changed, and one gradient-descent step of the tutorial's deep network."""
    from .backprop import gradients, sgd_step
    from .diagram_diff import diff_diagram

    before, after, _ = training_run("xor")
    deep = files.load("tutorial-deep")
    stepped = files.load("tutorial-deep")
    g = gradients(deep, deep.example_input, [180])
    sgd_step(stepped, deep.example_input, [180], 0.01)
    return {"xor-trained-diff.svg": diagram(after, diff=before),
            "tutorial-deep-sgd-step.svg": diff_diagram(deep, stepped, gradients=g, lr=0.01)}


def plots() -> dict[str, bytes]:
    """File name -> SVG drawn by matplotlib (the loan run's loss curve); empty without matplotlib."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return {}
    from .training_plot import plot_svg

    return {"loan-training-loss.svg": plot_svg(training_run("loan")[2], "loan")}


def render_all(engine: str = ENGINE) -> dict[str, bytes]:
    """File name -> bytes of every picture in the gallery (SVG, the PNG, and the matplotlib plots)."""
    drawn = {name: render(picture, Path(name).suffix.lstrip("."), engine)
             for name, picture in pictures().items()}
    drawn.update(plots())
    return drawn


def write(directory: str | os.PathLike, engine: str = ENGINE) -> list[Path]:
    """Render every picture into `directory` (made if missing), all or none; returns the paths."""
    return replace_dir_atomic(directory, render_all(engine))

"""The gallery in render/: an SVG of every bundled example and a few more views, remade by one command.

    scalarnet gallery render/

The gallery is drawn with the embedded Graphviz (engine "wasm"), which gives the
same bytes on any machine, so tests/test_gallery.py can remake it and find a
stale file anywhere. Building the pictures draws nothing; `write` renders them.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from . import files
from .diagram import Diagram, diagram
from .network import Network
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
    large, x = large_network()
    shape = "-".join(str(w) for w in LARGE_WIDTHS)
    result[f"random-{shape}.svg"] = diagram(large, large.trace(x))
    return result


def _exercise_diagram(deep: Network) -> Diagram:
    """The diagram of the README's exercise sheet: `scalarnet exercise tutorial-deep --seed 1`."""
    from .exercise import make
    from .exercise_pages import diagram as sheet_diagram

    return sheet_diagram(make(deep, deep.example_input, seed=1))


def write(directory: str | os.PathLike, engine: str = ENGINE) -> list[Path]:
    """Render every picture into `directory` (made if missing); returns the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, picture in pictures().items():
        path = directory / name
        path.write_bytes(render(picture, "svg", engine))
        written.append(path)
    return written

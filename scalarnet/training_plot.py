"""The loss curve of a training run (and its dead ReLUs per epoch) as SVG, drawn with matplotlib.

matplotlib is optional (the extra `plot`); it is imported only here, with the
Agg backend, and the SVG is deterministic: a fixed hash salt for its ids and no
date in its metadata, so the same history gives the same bytes.
"""

from __future__ import annotations

import io
import math

__all__ = ["plot_svg"]


def plot_svg(history, title: str) -> bytes:
    """SVG of the mean loss per epoch (log scale when it spans more than 10x) and the dead ReLUs."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    epochs = [e.epoch for e in history.epochs]
    losses = [float(e.loss) for e in history.epochs]
    finite = [v for v in losses if math.isfinite(v) and v > 0]
    dead = history.relu_layers
    with matplotlib.rc_context({"svg.hashsalt": "scalarnet", "svg.fonttype": "none",
                                "font.size": 10}):
        fig = Figure(figsize=(7, 4.6 if dead else 3.6))
        axes = fig.subplots(2 if dead else 1, 1, sharex=True, squeeze=False,
                            gridspec_kw={"height_ratios": [3, 1]} if dead else None)
        top = axes[0][0]
        top.plot(epochs, losses, color="#2166ac", linewidth=1.6)
        if finite and max(finite) > 10 * min(finite):
            top.set_yscale("log")
        top.set_ylabel("mean loss")
        top.set_title(f"{title}: loss per epoch (epoch 0 is before training)", loc="left")
        top.grid(True, color="#dddddd", linewidth=0.6)
        if dead:
            bottom = axes[1][0]
            for name in dead:
                bottom.step(epochs, [e.dead[name] for e in history.epochs], where="post",
                            label=name, linewidth=1.4)
            bottom.set_ylabel("dead ReLUs")
            bottom.set_ylim(bottom=0)
            bottom.yaxis.get_major_locator().set_params(integer=True)
            bottom.legend(loc="upper left", fontsize=8, frameon=False)
            bottom.grid(True, color="#dddddd", linewidth=0.6)
        axes[-1][0].set_xlabel("epoch")
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()

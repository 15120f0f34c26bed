"""Train the small iris MLP with scikit-learn and write it as the bundled example `iris-mlp`.

Run it from the repository root with the project's venv (needs scikit-learn,
`pip install -e ".[interop]"`; the iris data ships with it, nothing is downloaded):

    .venv/bin/python benchmarks/train_iris.py            # writes scalarnet/examples/iris-mlp.json
    .venv/bin/python benchmarks/train_iris.py --check    # writes nothing, only checks and reports

Not a benchmark: it lives here because benchmarks/ holds the repository's scripts.
The model: 4 measurements (cm) -> 4 relu neurons -> softmax over the 3 species,
trained with L-BFGS and weight decay on 120 of the 150 flowers (a stratified
split, seeded), the other 30 held out. The example input is the held-out flower the model is least
sure about, so its explanation shows the softmax weighing two species. Nothing is
rounded: the file holds the model's float64 weights exactly, and the script checks
that the scalar engine reproduces `predict_proba` for all 150 flowers. L-BFGS
runs the same on one machine; another BLAS may end a few iterations apart, so
a rerun elsewhere can give slightly different weights (the committed file is
the reference).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from scalarnet import files
from scalarnet.interop import from_sklearn

OUT = Path(__file__).resolve().parent.parent / "scalarnet" / "examples" / "iris-mlp.json"
INPUTS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
HIDDEN = 4
ALPHA = 1.0  # a strong L2 penalty: small weights, every hidden neuron alive for some flower
SPLIT_SEED, MODEL_SEED = 0, 2


def train():
    """(model, iris, held-out row indices, train accuracy, held-out accuracy)."""
    iris = load_iris()
    species = iris.target_names[iris.target]
    rows = list(range(len(iris.data)))
    train_rows, test_rows = train_test_split(rows, test_size=0.2, random_state=SPLIT_SEED,
                                             stratify=species)
    model = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="lbfgs",
                          alpha=ALPHA, max_iter=5000, random_state=MODEL_SEED)
    model.fit(iris.data[train_rows], species[train_rows])
    return (model, iris, species, sorted(test_rows),
            model.score(iris.data[train_rows], species[train_rows]),
            model.score(iris.data[test_rows], species[test_rows]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing, only check and report")
    args = parser.parse_args(argv)

    model, iris, species, test_rows, train_acc, test_acc = train()
    proba = model.predict_proba(iris.data)
    # The least sure held-out flower that the model gets right.
    right = [r for r in test_rows if model.classes_[proba[r].argmax()] == species[r]]
    flower = min(right, key=lambda r: (proba[r].max(), r))
    net = from_sklearn(model, inputs=INPUTS, name="iris-mlp",
                       description=f"A scikit-learn MLP trained on iris; input: held-out flower "
                                   f"{flower}, a {species[flower]}.",
                       example_input=iris.data[flower])

    worst = 0.0
    for r, x in enumerate(iris.data):
        for ours, theirs in zip(net.forward(x), proba[r]):
            if ours != theirs:
                worst = max(worst, abs(ours - theirs) / abs(theirs))
    print(f"accuracy: {train_acc:.3f} on 120 training flowers, {test_acc:.3f} on 30 held out "
          f"(L-BFGS, {model.n_iter_} iterations)")
    print(f"example: flower {flower} ({species[flower]}), "
          f"predict_proba {[round(p, 4) for p in proba[flower].tolist()]}")
    print(f"scalar engine vs predict_proba, 150 flowers: largest relative difference {worst:.2g}")
    if worst > 1e-12:
        print("error: the scalar engine does not reproduce predict_proba", file=sys.stderr)
        return 1
    if not args.check:
        files.save(net, OUT)
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Trained models in: scikit-learn MLPs and torch Sequentials against their own forward pass, names, errors, iris-mlp."""

import importlib.util
import re
import warnings

import pytest

import scalarnet
from scalarnet.cli import main
from scalarnet.interop import ModelError, from_sklearn, from_torch, to_torch

HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_sklearn = pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn is not installed "
                                   "(pip install -e '.[interop]')")
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed "
                                 "(pip install torch; .ci/run pins torch==2.13.0, a CPU build)")

RTOL = 1e-12  # float64 on both sides: only the order of the additions differs
SK_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}


def assert_close(ours, theirs, rtol=RTOL):
    """Every value within rtol of the other side's, relative; the first bad row is named."""
    for r, (row, ref) in enumerate(zip(ours, theirs, strict=True)):
        for j, (a, b) in enumerate(zip(row, ref, strict=True)):
            assert abs(a - b) <= rtol * max(abs(a), abs(b)), (
                f"row {r}, output {j}: scalarnet {a!r}, reference {b!r}")


# -- scikit-learn -------------------------------------------------------------------------------


def fitted(kind, data, **params):
    """An MLP of `kind` fitted on `data` (X, y); few iterations, convergence warnings off."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = {"classifier": MLPClassifier, "regressor": MLPRegressor}[kind]
    params = {"hidden_layer_sizes": (6, 5), "max_iter": 300, "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: the weights need not be good
        return cls(**params).fit(*data)


def data(name):
    from sklearn.datasets import load_iris, make_classification, make_regression

    if name == "iris":
        iris = load_iris()
        return iris.data, iris.target_names[iris.target]
    if name == "binary":
        return make_classification(n_samples=120, n_features=5, n_informative=3, random_state=0)
    if name == "multilabel":
        X, y = make_classification(n_samples=120, n_features=5, n_informative=3, n_classes=3,
                                   random_state=0)
        return X, [[int(c == 0), int(c != 1)] for c in y]
    if name == "regression":
        return make_regression(n_samples=120, n_features=5, random_state=0)
    if name == "regression2":
        return make_regression(n_samples=120, n_features=5, n_targets=2, random_state=0)
    raise KeyError(name)


@needs_sklearn
@pytest.mark.parametrize("activation", list(SK_ACTIVATIONS))
@pytest.mark.parametrize("case", ["iris", "binary", "multilabel", "regression", "regression2"])
def test_from_sklearn_matches_the_model(case, activation):
    kind = "regressor" if case.startswith("regression") else "classifier"
    X, y = data(case)
    model = fitted(kind, (X, y), activation=activation)
    net = from_sklearn(model)
    ours = net.forward_many(X)
    assert [layer.activation.name for layer in net.layers[:-1]] == [SK_ACTIVATIONS[activation]] * 2
    if case == "binary":
        # One sigmoid unit, p(classes_[1]); predict_proba is [1 - p, p].
        proba = model.predict_proba(X)
        assert net.widths == [5, 6, 5, 1]
        assert_close(ours, proba[:, 1:])
        assert_close([[1 - p] for [p] in ours], proba[:, :1])
    elif kind == "classifier":
        assert_close(ours, model.predict_proba(X))
    else:
        predicted = model.predict(X)
        assert_close(ours, predicted.reshape(len(X), -1))


@needs_sklearn
@pytest.mark.parametrize("case, out_activation", [
    ("iris", "softmax"), ("binary", "sigmoid"), ("multilabel", "sigmoid"),
    ("regression", "identity"), ("regression2", "identity"),
])
def test_from_sklearn_output_activation(case, out_activation):
    kind = "regressor" if case.startswith("regression") else "classifier"
    assert from_sklearn(fitted(kind, data(case))).layers[-1].activation.name == out_activation


@needs_sklearn
def test_from_sklearn_transposes_each_matrix():
    # coefs_[k][i][j] is the weight from input i to neuron j; scalarnet keeps a row per neuron.
    model = fitted("classifier", data("iris"), hidden_layer_sizes=(5,))
    net = from_sklearn(model)
    for layer, coef, intercept in zip(net.layers, model.coefs_, model.intercepts_, strict=True):
        assert len(layer.neurons) == coef.shape[1]
        for j, neuron in enumerate(layer.neurons):
            assert neuron.weights == [coef[i][j] for i in range(coef.shape[0])]
            assert neuron.bias == intercept[j]
    assert net.widths == [4, 5, 3]


@needs_sklearn
@pytest.mark.parametrize("case, inputs, outputs", [
    ("iris", ["x0", "x1", "x2", "x3"], ["setosa", "versicolor", "virginica"]),
    ("binary", ["x0", "x1", "x2", "x3", "x4"], ["class_1"]),
    ("multilabel", ["x0", "x1", "x2", "x3", "x4"], ["class_0", "class_1"]),
    ("regression", ["x0", "x1", "x2", "x3", "x4"], ["output"]),
    ("regression2", ["x0", "x1", "x2", "x3", "x4"], ["output_0", "output_1"]),
], ids=["species", "binary-int-classes", "multilabel", "regression", "regression-2-targets"])
def test_from_sklearn_names(case, inputs, outputs):
    kind = "regressor" if case.startswith("regression") else "classifier"
    net = from_sklearn(fitted(kind, data(case)))
    assert net.inputs == inputs
    assert [n.name for n in net.layers[-1].neurons] == outputs
    assert [layer.name for layer in net.layers] == ["hidden1", "hidden2", "output"]
    assert net.name == {"classifier": "MLPClassifier", "regressor": "MLPRegressor"}[kind]


@needs_sklearn
def test_from_sklearn_binary_string_classes_names_the_second():
    X, y = data("binary")
    model = fitted("classifier", (X, ["spam" if c else "ham" for c in y]))
    assert model.classes_.tolist() == ["ham", "spam"]
    assert [n.name for n in from_sklearn(model).layers[-1].neurons] == ["spam"]


@needs_sklearn
def test_from_sklearn_feature_names():
    import numpy as np

    X, y = data("iris")
    model = fitted("classifier", (X, y))
    # What fitting on a DataFrame sets (pandas is not needed for the test).
    model.feature_names_in_ = np.array(["sepal length (cm)", "sepal width (cm)",
                                        "petal length (cm)", "petal width (cm)"], dtype=object)
    assert from_sklearn(model).inputs == model.feature_names_in_.tolist()
    named = from_sklearn(model, inputs=["a", "b", "c", "d"], name="iris", description="four",
                         example_input=X[0])
    assert (named.inputs, named.name, named.description) == (["a", "b", "c", "d"], "iris", "four")
    assert named.example_input == X[0].tolist()


@needs_sklearn
def test_from_sklearn_dataframe_feature_names():
    pd = pytest.importorskip("pandas", reason="pandas is not installed: the DataFrame case is untested")
    X, y = data("iris")
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    assert from_sklearn(fitted("classifier", (frame, y))).inputs == ["sl", "sw", "pl", "pw"]


def softplus_model():
    model = fitted("classifier", data("iris"))
    model.activation = "softplus"  # no scikit-learn activation today; a future one, say
    return model


def sk_error_cases():
    """id -> (a function making the model, from_sklearn's keyword arguments, the message)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data("regression")
    supported = "(supported: identity, logistic, relu, softmax, tanh)"
    return {
        "unfitted-classifier": (MLPClassifier, {},
                                "from_sklearn: this MLPClassifier is not fitted (call fit first)"),
        "unfitted-regressor": (MLPRegressor, {},
                               "from_sklearn: this MLPRegressor is not fitted (call fit first)"),
        "other-model": (LogisticRegression, {}, "from_sklearn: expected an MLPClassifier or "
                                                "MLPRegressor, got LogisticRegression"),
        "pipeline": (lambda: make_pipeline(StandardScaler(), MLPClassifier()), {},
                     "from_sklearn: expected an MLPClassifier or MLPRegressor, got Pipeline; for a "
                     "Pipeline, import its last step (pipeline[-1]) and apply the steps before it "
                     "to the input yourself"),
        "poisson": (lambda: fitted("regressor", (X, abs(y)), loss="poisson"), {},
                    "from_sklearn: MLPRegressor's output activation (out_activation_) 'exp' has no "
                    f"scalarnet activation {supported}"),
        "hidden-activation": (softplus_model, {}, "from_sklearn: MLPClassifier(activation='softplus') "
                                                  f"has no scalarnet activation {supported}"),
        "input-names": (lambda: fitted("classifier", data("iris")), {"inputs": ["a", "b"]},
                        "from_sklearn: 2 input names for a model with 4 inputs (a, b)"),
    }


@needs_sklearn
@pytest.mark.parametrize("case", ["unfitted-classifier", "unfitted-regressor", "other-model",
                                  "pipeline", "poisson", "hidden-activation", "input-names"])
def test_from_sklearn_error(case):
    make, kwargs, message = sk_error_cases()[case]
    model = make()
    with pytest.raises(ModelError, match="^" + re.escape(message) + "$"):
        from_sklearn(model, **kwargs)


def test_from_sklearn_error_without_a_model():
    with pytest.raises(ModelError, match=r"^from_sklearn: expected an MLPClassifier or "
                                         r"MLPRegressor, got dict$"):
        from_sklearn({"coefs_": []})


def test_model_error_is_a_scalarnet_value_error():
    assert issubclass(ModelError, scalarnet.ScalarnetError) and issubclass(ModelError, ValueError)


# -- the bundled example iris-mlp ----------------------------------------------------------------


def iris_model_from_file(net):
    """A scikit-learn MLPClassifier holding the example's weights: an independent forward pass."""
    import numpy as np

    X, y = data("iris")
    model = fitted("classifier", (X, y), hidden_layer_sizes=(len(net.layers[0]),), max_iter=1)
    # (n_out, n_in) rows per neuron -> scikit-learn's (n_in, n_out)
    model.coefs_ = [np.array([n.weights for n in layer.neurons]).T for layer in net.layers]
    model.intercepts_ = [np.array([n.bias for n in layer.neurons]) for layer in net.layers]
    return model


@needs_sklearn
def test_iris_example_is_a_trained_iris_model():
    net = scalarnet.load("iris-mlp")
    X, species = data("iris")
    model = iris_model_from_file(net)
    assert net.inputs == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert net.widths == [4, 4, 3]
    assert [layer.activation.name for layer in net.layers] == ["relu", "softmax"]
    assert [n.name for n in net.layers[-1].neurons] == model.classes_.tolist()
    assert_close(net.forward_many(X), model.predict_proba(X))
    assert (model.predict(X) == species).mean() >= 0.97
    # The example input is one real flower, held out in training, and predicted right.
    flower = int(re.search(r"held-out flower (\d+), a (\w+)\.$", net.description)[1])
    assert net.example_input == X[flower].tolist()
    assert net.description.endswith(f"a {species[flower]}.")
    assert model.predict(X[flower:flower + 1])[0] == species[flower]


@needs_sklearn
def test_iris_example_explained(capsys):
    net = scalarnet.load("iris-mlp")
    X, species = data("iris")
    flower = X.tolist().index(net.example_input)
    proba = iris_model_from_file(net).predict_proba(X[flower:flower + 1])[0]
    assert main(["explain", "iris-mlp", "--digits", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    sl, sw, pl, pw = X[flower]
    assert lines[0] == (f"inputs: sepal_length = {sl}, sepal_width = {sw}, "
                        f"petal_length = {pl}, petal_width = {pw}")
    assert lines[1] == "hidden1 (relu):"
    assert lines[7] == "output (softmax):"
    assert [line.split(":")[0] for line in lines[8:11]] == ["  setosa", "  versicolor", "  virginica"]
    assert lines[-1] == "output: [" + ", ".join(format(p, ".4g") for p in proba) + "]"


# -- PyTorch ----------------------------------------------------------------------------------


def torch_cases():
    import torch.nn as nn

    return {
        "relu": lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)),
        "tanh": lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)),
        "sigmoid": lambda: nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid()),
        "leaky-relu": lambda: nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.Linear(4, 2)),
        "softmax": lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 3), nn.Softmax(dim=-1)),
        "softmax-dim1": lambda: nn.Sequential(nn.Linear(3, 3), nn.Softmax(dim=1)),
        "identity-module": lambda: nn.Sequential(nn.Linear(3, 4), nn.Identity(), nn.Linear(4, 2)),
        "no-bias": lambda: nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 2, bias=False)),
        "nested": lambda: nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.Tanh()),
                                        nn.Sequential(nn.Linear(4, 5), nn.ReLU()), nn.Linear(5, 2)),
        "dropout-eval": lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5),
                                              nn.Linear(4, 2)).eval(),
        "one-linear": lambda: nn.Linear(3, 2),
        "deep": lambda: nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                                      nn.Linear(16, 8), nn.LeakyReLU(), nn.Linear(8, 4), nn.Softmax(dim=-1)),
    }


TORCH_CASES = ["relu", "tanh", "sigmoid", "leaky-relu", "softmax", "softmax-dim1", "identity-module",
               "no-bias", "nested", "dropout-eval", "one-linear", "deep"]
TORCH_ACTS = {"relu": ["relu", "identity"], "tanh": ["tanh", "identity"],
              "sigmoid": ["sigmoid", "sigmoid"], "leaky-relu": ["leaky_relu", "identity"],
              "softmax": ["relu", "softmax"], "softmax-dim1": ["softmax"],
              "identity-module": ["identity", "identity"], "no-bias": ["relu", "identity"],
              "nested": ["tanh", "relu", "identity"], "dropout-eval": ["relu", "identity"],
              "one-linear": ["identity"], "deep": ["relu", "tanh", "leaky_relu", "softmax"]}


@needs_torch
@pytest.mark.parametrize("case", TORCH_CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_from_torch_matches_float64_forward(case, seed):
    import torch

    torch.manual_seed(seed)
    module = torch_cases()[case]().double()
    net = from_torch(module)
    assert [layer.activation.name for layer in net.layers] == TORCH_ACTS[case]
    x = torch.randn(40, 3, dtype=torch.float64) * 3
    with torch.no_grad():
        theirs = module(x).tolist()
    assert_close(net.forward_many(x.tolist()), theirs)


@needs_torch
def test_from_torch_float32_model_within_float32_rounding():
    import torch

    torch.manual_seed(0)
    module = torch_cases()["deep"]()  # float32
    net = from_torch(module, inputs=["a", "b", "c"], name="deep32")
    assert (net.inputs, net.name) == (["a", "b", "c"], "deep32")
    x = torch.randn(40, 3)
    with torch.no_grad():
        theirs = module(x).tolist()
    assert_close(net.forward_many(x.tolist()), theirs, rtol=1e-5)
    # The weights are the float32 values exactly, widened.
    assert net.layers[0].neurons[0].weights == module[0].weight[0].tolist()


@needs_torch
def test_from_torch_leaky_relu_slope_and_zero_bias():
    import torch.nn as nn

    net = from_torch(nn.Sequential(nn.Linear(2, 2, bias=False), nn.LeakyReLU(0.25), nn.Linear(2, 1)))
    assert net.layers[0].activation == scalarnet.get_activation("leaky_relu", slope=0.25)
    assert [n.bias for n in net.layers[0].neurons] == [0, 0]


def torch_error_cases():
    import torch.nn as nn

    supported = "(supported: Linear, Dropout in eval mode, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh)"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Initializing zero-element tensors")  # torch, on Linear(3, 0)
        no_neurons, no_inputs = nn.Linear(3, 0), nn.Linear(0, 1)
    return {
        "conv": (nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()),
                 f"from_torch: Sequential[0] is Conv2d, which scalarnet cannot read {supported}"),
        "batchnorm-nested": (nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.BatchNorm1d(4), nn.ReLU())),
                             f"from_torch: Sequential[1][0] is BatchNorm1d, which scalarnet cannot read "
                             f"{supported}"),
        "dropout-train": (nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5)),
                          "from_torch: Sequential[1] is Dropout (in training mode; call .eval() first), "
                          f"which scalarnet cannot read {supported}"),
        "activation-first": (nn.Sequential(nn.ReLU(), nn.Linear(3, 4)),
                             "from_torch: Sequential[0] is ReLU after no Linear "
                             "(scalarnet has one activation per Linear layer)"),
        "two-activations": (nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.ReLU()),
                            "from_torch: Sequential[2] is ReLU after another activation "
                            "(scalarnet has one activation per Linear layer)"),
        "softmax-dim0": (nn.Sequential(nn.Linear(3, 4), nn.Softmax(dim=0)),
                         "from_torch: Sequential[1] is Softmax(dim=0); scalarnet's softmax spans one "
                         "layer's outputs (dim=-1, or 1 for a batch)"),
        "empty": (nn.Sequential(), "from_torch: the Sequential has no Linear layer"),
        "no-neurons": (nn.Sequential(no_neurons),
                       "from_torch: Sequential[0] is Linear(3, 0): a layer needs at least one input "
                       "and one neuron"),
        "no-inputs": (nn.Sequential(nn.Linear(3, 2), no_inputs),
                      "from_torch: Sequential[1] is Linear(0, 1): a layer needs at least one input "
                      "and one neuron"),
        "not-sequential": (nn.ReLU(), "from_torch: expected a torch.nn.Sequential (or one Linear), got ReLU"),
    }


@needs_torch
@pytest.mark.parametrize("case", ["conv", "batchnorm-nested", "dropout-train", "activation-first",
                                  "two-activations", "softmax-dim0", "empty", "no-neurons", "no-inputs",
                                  "not-sequential"])
def test_from_torch_error(case):
    module, message = torch_error_cases()[case]
    with pytest.raises(ModelError, match="^" + re.escape(message) + "$"):
        from_torch(module)


@needs_torch
@pytest.mark.parametrize("name", scalarnet.examples())
def test_to_torch_computes_the_same(name):
    import torch

    net = scalarnet.load(name)
    rows = [net.example_input, [-v for v in net.example_input], [v / 3 + 1 for v in net.example_input]]
    with torch.no_grad():
        theirs = to_torch(net)(torch.tensor(rows, dtype=torch.float64)).tolist()
    assert_close(net.forward_many(rows), theirs)


@needs_torch
@pytest.mark.parametrize("case", TORCH_CASES)
def test_to_torch_then_from_torch_keeps_every_weight(case):
    import torch

    torch.manual_seed(0)
    net = from_torch(torch_cases()[case]().double())
    again = from_torch(to_torch(net))
    assert again == net


@needs_torch
def test_to_torch_refuses_a_non_network():
    with pytest.raises(ModelError, match=r"^to_torch: expected a Network, got \[1, 2\]$"):
        to_torch([1, 2])


def test_iris_example_round_trips_exactly(tmp_path):
    # Nothing rounded on the way: every float is written in its shortest round-trip form.
    net = scalarnet.load("iris-mlp")
    scalarnet.save(net, tmp_path / "iris.json")
    assert scalarnet.load(tmp_path / "iris.json") == net

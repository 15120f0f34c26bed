"""Trained models in: scikit-learn's MLPs and PyTorch's nn.Sequential as scalarnet networks (and back to torch).

A model trained elsewhere becomes a `Network` with the very same weights, so that
one of its real predictions can be explained number by number. The recipe
(scikit-learn ships the iris data; nothing is downloaded):

    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPClassifier
    from scalarnet.interop import from_sklearn

    iris = load_iris()
    model = MLPClassifier(hidden_layer_sizes=(4,), alpha=1.0, solver="lbfgs", max_iter=5000,
                          random_state=2)
    model.fit(iris.data, iris.target_names[iris.target])
    net = from_sklearn(model, inputs=["sepal_length", "sepal_width",
                                      "petal_length", "petal_width"])
    print(net.trace(iris.data[0]))  # every multiply, sum and softmax
    net.forward(iris.data[0])       # == model.predict_proba(iris.data[:1])[0], to rounding

(`benchmarks/train_iris.py` is that recipe in full: it writes the bundled
example `iris-mlp`.) Neither scikit-learn nor torch is imported until a model is
converted, and this module never imports numpy: weights are read with `.tolist()`,
so they become Python floats holding exactly the model's values (a float32
model's weights too; the scalar engine then computes in float64, which agrees
with the model's own float32 forward pass to about 1e-6 relative, not 1e-12).

No pickle or `torch.load` here: loading a model file runs code from it, so that
step is left to the caller, who knows where the file came from.

>>> from_sklearn("model.pkl")
Traceback (most recent call last):
...
scalarnet.interop.ModelError: from_sklearn: expected an MLPClassifier or MLPRegressor, got str
"""

from __future__ import annotations

from collections.abc import Sequence

from .activations import Activation, get_activation
from .errors import ScalarnetError
from .layer import Layer
from .network import Network
from .neuron import Neuron


class ModelError(ScalarnetError, ValueError):
    """A trained model that cannot be imported: not fitted, or a kind, layer or activation scalarnet lacks."""


# -- scikit-learn -------------------------------------------------------------------------------

#: scikit-learn's activation names -> scalarnet's (hidden layers and output layer alike).
SKLEARN_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "relu": "relu",
                       "softmax": "softmax", "tanh": "tanh"}


def from_sklearn(model, inputs: Sequence[str] | None = None, name: str | None = None,
                 **kwargs) -> Network:
    """The network of a fitted `MLPClassifier` or `MLPRegressor`, weight for weight.

    `coefs_[k]` has shape (n_in, n_out); scalarnet keeps one row per neuron, so each
    matrix is transposed. Inputs are named by `inputs`, else by the model's
    `feature_names_in_` (set when it was fitted on a DataFrame), else x0, x1, ...;
    `name` defaults to the model's class name; `kwargs` (`description`,
    `example_input`) go to `Network`.

    The output layer is the model's `out_activation_` (scikit-learn's 'logistic' is
    scalarnet's sigmoid). For a classifier, output neurons are named by class:

    - several classes (softmax): one neuron per class in `classes_` order, so
      `net.forward(x)` equals `model.predict_proba([x])[0]`;
    - two classes: scikit-learn keeps ONE sigmoid unit, the probability p of
      `classes_[1]`; the network has that one neuron (named after `classes_[1]`)
      and `predict_proba` is `[1 - p, p]`;
    - multi-label (a 0/1 column per label): one sigmoid neuron per label.

    A class that is not a string is named `class_<value>` (`class_0`). Errors
    (`ModelError`): anything but those two models (a Pipeline: import its last step
    and apply the steps before it to the input yourself), an unfitted model, and
    an activation scalarnet does not have (MLPRegressor(loss='poisson') ends in 'exp').
    """
    kind = _sklearn_kind(model)
    if not hasattr(model, "coefs_"):
        raise ModelError(f"from_sklearn: this {kind} is not fitted (call fit first)")
    hidden = _sklearn_activation(model.activation, f"{kind}(activation={model.activation!r})")
    out = _sklearn_activation(model.out_activation_,
                              f"{kind}'s output activation (out_activation_) {model.out_activation_!r}")
    if inputs is None and hasattr(model, "feature_names_in_"):
        inputs = [str(f) for f in model.feature_names_in_]
    # (n_in, n_out) -> (n_out, n_in): a row per neuron, as in torch.nn.Linear.weight
    weights = [coef.T.tolist() for coef in model.coefs_]
    biases = [b.tolist() for b in model.intercepts_]
    activations = [hidden] * (len(weights) - 1) + [out]
    outputs = _class_names(model) if kind == "MLPClassifier" else None
    return _network("from_sklearn", weights, biases, activations, inputs, name or kind,
                    outputs, kwargs)


def _sklearn_kind(model) -> str:
    try:
        from sklearn.neural_network import MLPClassifier, MLPRegressor
    except ImportError:  # then it is no scikit-learn model either
        MLPClassifier = MLPRegressor = ()
    for cls, kind in ((MLPClassifier, "MLPClassifier"), (MLPRegressor, "MLPRegressor")):
        if isinstance(model, cls):
            return kind
    given = type(model).__name__
    hint = ""
    if given == "Pipeline":
        hint = ("; for a Pipeline, import its last step (pipeline[-1]) and apply the steps "
                "before it to the input yourself")
    raise ModelError(f"from_sklearn: expected an MLPClassifier or MLPRegressor, got {given}{hint}")


def _sklearn_activation(sk_name: str, place: str) -> str:
    if sk_name not in SKLEARN_ACTIVATIONS:
        raise ModelError(f"from_sklearn: {place} has no scalarnet activation "
                         f"(supported: {', '.join(SKLEARN_ACTIVATIONS)})")
    return SKLEARN_ACTIVATIONS[sk_name]


def _class_names(model) -> list[str]:
    classes = model.classes_.tolist()
    if model.out_activation_ == "logistic" and model.n_outputs_ == 1:
        classes = classes[1:]  # the one unit is p(classes_[1]); predict_proba adds 1 - p
    return [c if isinstance(c, str) else f"class_{c}" for c in classes]


# -- PyTorch ------------------------------------------------------------------------------------

#: torch.nn activation modules scalarnet reads -> its activation names.
TORCH_ACTIVATIONS = {"Identity": "identity", "LeakyReLU": "leaky_relu", "ReLU": "relu",
                     "Sigmoid": "sigmoid", "Softmax": "softmax", "Tanh": "tanh"}


def from_torch(module, inputs: Sequence[str] | None = None, name: str = "torch",
               **kwargs) -> Network:
    """The network of a `torch.nn.Sequential` of `Linear` layers, each followed by at most one activation.

    `Linear.weight` is already one row per neuron; a Linear without bias gets
    biases 0; a Linear with no activation after it is identity. Activations:
    ReLU, LeakyReLU (its negative_slope), Tanh, Sigmoid, Softmax over the last
    dimension (dim=-1, or 1 as for a batch), Identity. Nested Sequentials are
    read in order; Dropout is skipped in eval mode (where it does nothing) and
    refused in training mode (call `module.eval()` first). Anything else (Conv2d,
    BatchNorm1d, a custom Module, ...) is a `ModelError` naming its place.
    `inputs`, `name` and `kwargs` are as in `from_sklearn`.
    """
    import torch.nn as nn  # only when asked: torch takes seconds to import

    if isinstance(module, nn.Linear):
        module = nn.Sequential(module)
    if not isinstance(module, nn.Sequential):
        raise ModelError(f"from_torch: expected a torch.nn.Sequential (or one Linear), "
                         f"got {type(module).__name__}")
    weights, biases, activations = [], [], []
    for place, child in _torch_children(module, "Sequential"):
        kind = type(child).__name__
        if isinstance(child, nn.Linear):
            if not (child.in_features and child.out_features):
                raise ModelError(f"from_torch: {place} is Linear({child.in_features}, {child.out_features}): "
                                 "a layer needs at least one input and one neuron")
            # (out_features, in_features): one row per neuron already
            weights.append(child.weight.detach().tolist())
            biases.append(None if child.bias is None else child.bias.detach().tolist())
            activations.append(None)
        elif isinstance(child, nn.Dropout) and not child.training:
            continue
        elif kind in TORCH_ACTIVATIONS and isinstance(child, getattr(nn, kind)):
            if kind == "Identity":
                continue
            if not weights or activations[-1] is not None:
                after = "another activation" if weights else "no Linear"
                raise ModelError(f"from_torch: {place} is {kind} after {after} "
                                 "(scalarnet has one activation per Linear layer)")
            activations[-1] = _torch_activation(child, place)
        else:
            why = " (in training mode; call .eval() first)" if isinstance(child, nn.Dropout) else ""
            raise ModelError(f"from_torch: {place} is {kind}{why}, which scalarnet cannot read "
                             f"(supported: Linear, Dropout in eval mode, {', '.join(TORCH_ACTIVATIONS)})")
    if not weights:
        raise ModelError("from_torch: the Sequential has no Linear layer")
    biases = [[0] * len(w) if b is None else b for w, b in zip(weights, biases)]
    activations = [a or "identity" for a in activations]
    return _network("from_torch", weights, biases, activations, inputs, name, None, kwargs)


def _torch_children(module, place: str):
    """(place, module) for every module in a Sequential, nested Sequentials read in order."""
    import torch.nn as nn

    for key, child in module.named_children():
        here = f"{place}[{key}]"
        if isinstance(child, nn.Sequential):
            yield from _torch_children(child, here)
        else:
            yield here, child


def _torch_activation(child, place: str) -> Activation:
    kind = type(child).__name__
    if kind == "LeakyReLU":
        return get_activation("leaky_relu", slope=float(child.negative_slope))
    if kind == "Softmax" and child.dim not in (-1, 1):
        raise ModelError(f"from_torch: {place} is Softmax(dim={child.dim}); scalarnet's softmax "
                         "spans one layer's outputs (dim=-1, or 1 for a batch)")
    return get_activation(TORCH_ACTIVATIONS[kind])


def to_torch(net: Network):
    """A float64 `torch.nn.Sequential` computing the same function as `net`.

    Each layer becomes a `Linear` (weights as float64, so Fractions and Decimals are
    rounded) followed by its activation module; an identity layer adds none;
    softmax becomes `Softmax(dim=-1)`. `from_torch(to_torch(net))` has the same
    weights, biases and activations.
    """
    import torch
    import torch.nn as nn

    if not isinstance(net, Network):
        raise ModelError(f"to_torch: expected a Network, got {net!r}")
    modules = []
    for layer in net.layers:
        weights = [[float(w) for w in n.weights] for n in layer.neurons]
        linear = nn.Linear(len(weights[0]), len(weights), dtype=torch.float64)
        with torch.no_grad():
            # (out_features, in_features): scalarnet's one row per neuron
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([float(n.bias) for n in layer.neurons],
                                           dtype=torch.float64))
        modules.append(linear)
        act = layer.activation
        if act.name == "leaky_relu":
            modules.append(nn.LeakyReLU(float(act.slope)))
        elif act.name == "softmax":
            modules.append(nn.Softmax(dim=-1))
        elif act.name != "identity":
            kind = next(k for k, v in TORCH_ACTIVATIONS.items() if v == act.name)
            modules.append(getattr(nn, kind)())
    return nn.Sequential(*modules)


# -- shared ------------------------------------------------------------------------------------


def _network(place: str, weights: list, biases: list, activations: list, inputs, name: str,
             outputs: list[str] | None, kwargs: dict) -> Network:
    """`Network.from_matrices`, then the output neurons renamed (by class) when `outputs` is given."""
    n_in = len(weights[0][0])
    if inputs is not None:
        inputs = list(inputs)
        if len(inputs) != n_in:
            raise ModelError(f"{place}: {len(inputs)} input names for a model with {n_in} inputs "
                             f"({', '.join(map(str, inputs))})")
    net = Network.from_matrices(weights, biases, activations, inputs=inputs, name=name)
    if outputs is not None:
        last = net.layers[-1]
        renamed = [Neuron(new, n.weights, n.bias) for new, n in zip(outputs, last.neurons)]
        net.layers[-1] = Layer(last.name, renamed, last.activation)
    return Network(net.layers, inputs=net.inputs, name=name, **kwargs)


def _file_network(label: str, layers: list, inputs: list, name: str, kwargs: dict,
                  neuron_names: list | None = None) -> Network:
    """A Network from (layer name, rows, biases, activation) read from a model file.

    Neurons are named as `Network.from_matrices` names them, unless `neuron_names`
    has a list of the right length for a layer; a layer name seen before gets `_2`.
    """
    built, used = [], set()
    for k, (layer_name, rows, biases, activation) in enumerate(layers):
        names = neuron_names[k] if neuron_names and k < len(neuron_names) else None
        if not isinstance(names, list) or len(names) != len(rows):
            last = k == len(layers) - 1
            names = ((["output"] if len(rows) == 1 else [f"output_{j}" for j in range(len(rows))])
                     if last else [f"node{k}_{j}" for j in range(len(rows))])
        unique, i = layer_name, 2
        while unique in used:
            unique, i = f"{layer_name}_{i}", i + 1
        used.add(unique)
        try:
            neurons = [Neuron(n, w, b) for n, w, b in zip(names, rows, biases)]
            built.append(Layer(unique, neurons, activation or "identity"))
        except ScalarnetError as e:
            raise ModelError(f"{label}: layer {unique!r}: {e}") from None
    try:
        return Network(built, inputs=list(inputs), name=name, **kwargs)
    except ScalarnetError as e:
        raise ModelError(f"{label}: {e}") from None


# -- model files, read as data (their own modules; re-exported here) ------------------------------

from .keras_io import from_keras  # noqa: E402
from .onnx_io import from_onnx, to_onnx  # noqa: E402, F401 - re-exported


def load_model_file(path) -> Network:
    """A network from a model file, by its suffix: `.onnx` (from_onnx), `.keras` or `.h5` (from_keras)."""
    from pathlib import Path

    suffix = Path(path).suffix.lower()
    if suffix == ".onnx":
        return from_onnx(path)
    if suffix in (".keras", ".h5"):
        return from_keras(path)
    raise ModelError(f"{str(path)!r}: not a model file scalarnet reads by its suffix "
                     "(.onnx, .keras, .h5)")

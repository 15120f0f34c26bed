"""scalarnet: see exactly what a neural network computes, one neuron and one multiply at a time."""

from .activations import ACTIVATIONS, Activation, get_activation
from .backprop import (LOSSES, Gradients, LayerGradients, Loss, LossError, NeuronGradients, get_loss,
                       gradients, mean_loss, sgd_step, train)
from .debugger import Debugger
from . import exercise  # light: scalarnet.exercise.make(net, x) works after `import scalarnet`
from .errors import FileFormatError, InputError, NetworkError, NumberError, OutputError, ScalarnetError
from .files import examples, load, loads, save
from .layer import Layer
from .network import Network
from .neuron import Neuron
from .steps import Step, StepError
from .trace import LayerRecord, NeuronRecord, Trace

# Loaded on first use (PEP 562), so that `import scalarnet` imports no numpy (and no
# importlib.metadata): public name -> (module, name in it).
_LAZY = {
    "__version__": ("version", "__version__"),
    "Report": ("crosscheck", "Report"),
    "compare": ("crosscheck", "compare"),
}

__all__ = [
    "ACTIVATIONS", "Activation", "Debugger", "FileFormatError", "InputError", "Layer", "LayerRecord",
    "Network", "NetworkError", "Neuron", "NeuronRecord", "NumberError", "OutputError", "Report",
    "ScalarnetError",
    "Step", "StepError", "Trace", "compare", "examples", "get_activation", "load", "loads", "save",
    # backpropagation and training
    "Gradients", "LOSSES", "LayerGradients", "Loss", "LossError", "NeuronGradients", "get_loss",
    "gradients", "mean_loss", "sgd_step", "train",
    "__version__",
]


# Modules that `scalarnet.NAME` imports when first used (as the eager imports once did).
_SUBMODULES = ("crosscheck", "diagram", "gallery", "interop", "parallel", "player", "rendering",
               "vectorized")


def __getattr__(name: str):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value  # found directly from now on (and wins over the submodule's name)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


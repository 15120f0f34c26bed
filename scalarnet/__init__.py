"""scalarnet: see exactly what a neural network computes, one neuron and one multiply at a time."""

from .activations import ACTIVATIONS, Activation, get_activation
from .backprop import (LOSSES, Gradients, LayerGradients, Loss, LossError, NeuronGradients, get_loss,
                       gradients, mean_loss, sgd_step, train)
from .compare import Report, compare
from .debugger import Debugger
from . import exercise  # light: scalarnet.exercise.make(net, x) works after `import scalarnet`
from .errors import FileFormatError, InputError, NetworkError, NumberError, ScalarnetError
from .files import examples, load, loads, save
from .layer import Layer
from .network import Network
from .neuron import Neuron
from .steps import Step, StepError
from .trace import LayerRecord, NeuronRecord, Trace

__all__ = [
    "ACTIVATIONS", "Activation", "Debugger", "FileFormatError", "InputError", "Layer", "LayerRecord",
    "Network", "NetworkError", "Neuron", "NeuronRecord", "NumberError", "Report", "ScalarnetError",
    "Step", "StepError", "Trace", "compare", "examples", "get_activation", "load", "loads", "save",
    # backpropagation and training
    "Gradients", "LOSSES", "LayerGradients", "Loss", "LossError", "NeuronGradients", "get_loss",
    "gradients", "mean_loss", "sgd_step", "train",
]

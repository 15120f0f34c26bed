"""gradients() pinned bit for bit: every dL/da, dL/dz, dL/dw and dL/dx against a plain column-by-column reference.

The reference is scalarnet's backward pass as it was before its sums were added row by
row (`totals = [t + w*d ...]`): the same terms in the same order must give the same
bits, for floats, ints and Fractions, NaN and infinities included.
"""

import math
import struct
from fractions import Fraction

from hypothesis import given, note, settings
from hypothesis import strategies as st

from scalarnet import Layer, Network, Neuron, gradients
from scalarnet.backprop import Gradients, LayerGradients, get_loss

HIDDEN = ["identity", "relu", "leaky_relu", "tanh", "sigmoid", "softmax"]
OUTPUTS = [("identity", "mse"), ("relu", "mse"), ("tanh", "mse"), ("softmax", "mse"),
           ("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy"), ("sigmoid", "mse")]


def reference_back_sum(layer, j):
    """dL/d(input j): column j of the weights times dL/dz, added neuron by neuron from 0."""
    total = 0
    for neuron, d in zip(layer.record.neurons, layer.dz):
        total += neuron.weights[j] * d
    return total


def reference_gradients(net, x, targets, loss):
    trace = net.trace(x)
    records = trace.layers
    out = records[-1]
    da = loss.derivative(out.a, targets)
    combined = loss.output_activation is not None
    dz = loss.dz(out.a, targets) if combined else out.activation.backward(out.z, out.a, da)
    layer = LayerGradients(out, da, dz, None, loss, targets, combined)
    layers = [layer]
    for record in reversed(records[:-1]):
        da = [reference_back_sum(layer, j) for j in range(len(record.neurons))]
        layer = LayerGradients(record, da, record.activation.backward(record.z, record.a, da), layer)
        layers.append(layer)
    layers.reverse()
    dx = [reference_back_sum(layers[0], i) for i in range(len(trace.input_values))]
    return Gradients(trace, loss, targets, loss.value(out.z, out.a, targets), layers, dx)


def bits(value):
    """A number as its exact identity: a float's 8 bytes (so -0.0 != 0.0), else type and value.

    Every NaN is one value: IEEE gives a NaN's sign bit no meaning, and x86 keeps the sign
    of whichever NaN operand comes first in `t + w*d`, so an inf - inf deep in a sum may
    come out as either; scalarnet shows both as `nan`.
    """
    if isinstance(value, float):
        return ("float", b"nan" if value != value else struct.pack("<d", value))
    if isinstance(value, (list, tuple)):
        return [bits(v) for v in value]
    if isinstance(value, dict):
        return {k: bits(v) for k, v in value.items()}
    return (type(value).__name__, value)


FLOATS = st.one_of(
    st.floats(-10, 10, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1e-300, -1e300, 0.1, math.inf, -math.inf, math.nan]),
)
NUMBERS = st.one_of(FLOATS, st.integers(-6, 6), st.fractions(max_denominator=7).filter(lambda f: abs(f) < 9))


@st.composite
def cases(draw):
    sizes = draw(st.lists(st.integers(1, 6), min_size=2, max_size=5))
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=len(sizes) - 2, max_size=len(sizes) - 2))
    output, loss = draw(st.sampled_from(OUTPUTS))
    if loss != "mse":
        sizes[-1] = max(sizes[-1], 2) if output == "softmax" else 1
    numbers = NUMBERS if draw(st.booleans()) else FLOATS.filter(math.isfinite)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        neurons = [Neuron(f"n{k}_{j}", draw(st.lists(numbers, min_size=n_in, max_size=n_in)),
                          draw(numbers)) for j in range(n_out)]
        layers.append(Layer(f"layer{k}", neurons, (hidden + [output])[k]))
    net = Network(layers)
    x = draw(st.lists(numbers, min_size=sizes[0], max_size=sizes[0]))
    if loss == "cross_entropy":
        target = [0] * sizes[-1]
        target[draw(st.integers(0, sizes[-1] - 1))] = 1
    elif loss == "binary_cross_entropy":
        target = [draw(st.sampled_from([0, 1, 0.25]))]
    else:
        target = draw(st.lists(numbers, min_size=sizes[-1], max_size=sizes[-1]))
    note(f"sizes={sizes}, activations={hidden + [output]}, loss={loss}, x={x}, target={target}")
    return net, x, target, loss


@settings(max_examples=150, deadline=None)
@given(cases())
def test_gradients_bit_identical_to_column_reference(case):
    net, x, target, loss_name = case
    try:
        got = gradients(net, x, target, loss_name)
    except (ArithmeticError, ValueError, TypeError) as error:  # e.g. a Fraction meeting inf
        try:
            reference_gradients(net, x, target, get_loss(loss_name))
        except type(error) as expected:
            assert str(expected) == str(error)
            return
        raise
    want = reference_gradients(net, x, got.target, got.loss_function)
    assert bits(got.dx) == bits(want.dx)
    assert bits(got.loss) == bits(want.loss)
    for mine, theirs in zip(got.layers, want.layers):
        assert bits(mine.da) == bits(theirs.da), mine.name
        assert bits(mine.dz) == bits(theirs.dz), mine.name
        assert bits([n.dw for n in mine.neurons]) == bits([n.dw for n in theirs.neurons]), mine.name
    assert got.text() == want.text()


def test_gradients_bits_tell_zero_signs_apart():
    assert bits(0.0) != bits(-0.0) and bits(math.nan) == bits(math.nan) and bits(1) != bits(1.0)
    assert bits(Fraction(1, 2)) != bits(0.5)

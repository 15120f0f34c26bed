"""Steps field for field against a plain reference written here: random networks, every granularity.

The reference is the slowest obvious code: one loop per neuron, every text written
with `fmt`/`operand` as the tutorial writes it, nothing shared with `scalarnet.steps`.
Fields are compared by `repr`, so a 0 that became 0.0, or a NaN, is caught.
"""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from scalarnet import Network
from scalarnet.numbers import fmt, operand

ACTS = ["identity", "relu", "leaky_relu", "tanh", "sigmoid", "softmax"]
numbers = st.one_of(st.integers(-9, 9), st.floats(-9, 9, allow_nan=False).map(lambda v: round(v, 3)),
                    st.fractions(min_value=-9, max_value=9, max_denominator=7),
                    st.sampled_from([-0.0, math.nan, math.inf, 10 ** 20]))


@st.composite
def networks(draw, max_width=4):
    widths = draw(st.lists(st.integers(1, max_width), min_size=2, max_size=4))
    weights = [[[draw(numbers) for _ in range(n_in)] for _ in range(n_out)]
               for n_in, n_out in zip(widths, widths[1:])]
    biases = [[draw(st.one_of(st.just(0), numbers)) for _ in range(n_out)] for n_out in widths[1:]]
    acts = [draw(st.sampled_from(ACTS)) for _ in widths[1:]]
    x = [draw(numbers) for _ in range(widths[0])]
    return Network.from_matrices(weights, biases, acts), x, (widths, acts)


def _act_text(act, z, a, i, zs, d):
    if act.name == "identity":
        return ""
    if act.elementwise:
        return f"{act.name}({fmt(z, d)}) = {fmt(a, d)}"
    return f"{act.name}([{', '.join(fmt(v, d) for v in zs)}])[{i}] = {fmt(a, d)}"


def reference(net, x, granularity, d):
    """Every forward step as a dict of its fields, by the plainest loops."""
    values = net.input_values(x)
    known = dict(zip(net.inputs, values))
    out = []

    def add(**fields):
        fields["index"] = len(out)
        fields["values"] = dict(known)
        out.append(fields)

    for li, layer in enumerate(net.layers):
        act = layer.activation
        zs, lines, sums = [], [], []
        for ni, n in enumerate(layer.neurons):
            total, terms = 0, []
            shows_bias = n.bias != 0 or n.bias != n.bias
            for k, (v, w) in enumerate(zip(values, n.weights)):
                before = total
                total += v * w
                terms.append(f"{operand(v, d)}*{operand(w, d)}")
                last = k == len(n.weights) - 1
                if last and not shows_bias and act.name == "identity":
                    known[f"{layer.name}.{n.name}"] = total + n.bias
                if granularity == "op":
                    text = (f"{n.name}: {terms[0]} = {fmt(total, d)}" if k == 0 else
                            f"{n.name}: {fmt(before, d)} + {terms[-1]} = {fmt(total, d)}")
                    add(kind="multiply-add", layer=layer.name, layer_index=li, neuron=n.name,
                        neuron_index=ni, term=k, operands=(before, v, w), result=total, z=None,
                        text=text, arithmetic=f"{n.name}: {' + '.join(terms)} = {fmt(total, d)}")
            z = total + n.bias
            sum_text = " + ".join(terms + ([operand(n.bias, d)] if shows_bias else [])) + f" = {fmt(z, d)}"
            sums.append(sum_text)
            if shows_bias:
                if act.name == "identity":
                    known[f"{layer.name}.{n.name}"] = z
                if granularity == "op":
                    add(kind="bias", layer=layer.name, layer_index=li, neuron=n.name, neuron_index=ni,
                        term=None, operands=(total, n.bias), result=z, z=None,
                        text=f"{n.name}: {fmt(total, d)} + {operand(n.bias, d)} = {fmt(z, d)}",
                        arithmetic=f"{n.name}: {sum_text}")
            zs.append(z)
            if act.elementwise:
                a = act(z)
                known[f"{layer.name}.{n.name}"] = a
                at = _act_text(act, z, a, ni, zs, d)
                line = f"{n.name}: {sum_text}" + (f" -> {at}" if at else "")
                lines.append(line)
                if granularity == "op" and at:
                    add(kind="activation", layer=layer.name, layer_index=li, neuron=n.name,
                        neuron_index=ni, term=None, operands=(z,), result=a, z=z,
                        text=f"{n.name}: {at}", arithmetic=line)
                if granularity == "neuron":
                    add(kind="neuron", layer=layer.name, layer_index=li, neuron=n.name,
                        neuron_index=ni, term=None, operands=(values, n.weights, n.bias), result=a,
                        z=z, text=line, arithmetic=line)
        if not act.elementwise:
            outs = act.apply(zs)
            for ni, (n, z, a) in enumerate(zip(layer.neurons, zs, outs)):
                known[f"{layer.name}.{n.name}"] = a
                at = _act_text(act, z, a, ni, zs, d)
                line = f"{n.name}: {sums[ni]} -> {at}"
                lines.append(line)
                if granularity == "op":
                    add(kind="activation", layer=layer.name, layer_index=li, neuron=n.name,
                        neuron_index=ni, term=None, operands=tuple(zs), result=a, z=z,
                        text=f"{n.name}: {at}", arithmetic=line)
                elif granularity == "neuron":
                    add(kind="neuron", layer=layer.name, layer_index=li, neuron=n.name,
                        neuron_index=ni, term=None, operands=(values, n.weights, n.bias), result=a,
                        z=z, text=line, arithmetic=line)
        else:
            outs = [known[f"{layer.name}.{n.name}"] for n in layer.neurons]
        if granularity == "layer":
            add(kind="layer", layer=layer.name, layer_index=li, neuron=None, neuron_index=None,
                term=None, operands=(values,), result=outs, z=zs,
                text=f"{layer.name} ({act.name}): [{', '.join(fmt(v, d) for v in outs)}]",
                arithmetic="\n".join(lines))
        values = outs
    return out


FIELDS = ("index", "kind", "layer", "layer_index", "neuron", "neuron_index", "term", "operands",
          "result", "z", "text", "arithmetic", "values")


def fields(step) -> dict:
    return {name: getattr(step, name) for name in FIELDS}


@settings(max_examples=150, deadline=None)
@given(networks(), st.sampled_from(["op", "neuron", "layer"]), st.sampled_from([None, 3]))
def test_steps_equal_the_reference_field_for_field(case, granularity, digits):
    net, x, shape = case
    got = list(net.steps(x, granularity, digits))
    want = reference(net, x, granularity, digits)
    assert len(got) == len(want), shape
    for step, expected in zip(got, want):
        assert repr(fields(step)) == repr({k: expected[k] for k in FIELDS}), (shape, granularity, step.index)
        assert step.path == (expected["layer"] if expected["neuron"] is None
                             else f"{expected['layer']}.{expected['neuron']}")
        assert step.position == (expected["layer"], expected["neuron"], expected["term"])
        assert step.activation is net.layers[expected["layer_index"]].activation
        assert step.digits == digits
        assert str(step) == expected["text"]

"""Exercise sheets: numbers of a pass left blank for a student to work out, and their answers.

`make(net, x, target=None, kinds=("sum", "activation"), count=4, seed=0)` picks
blanks among the numbers of one forward pass (and, with a target, its backward
pass). Every answer is read from the engine's own records (`net.trace`,
`net.gradients`), never computed again here:

>>> from scalarnet import load
>>> sheet = make(load("tutorial-deep"), [3, 5], count=2, seed=1)
>>> [(b.id, b.kind, b.neuron, b.answer) for b in sheet.blanks]
[('a', 'activation', 'hidden2.node1_0', 0), ('b', 'sum', 'hidden2.node1_1', 26)]
>>> sheet.blanks[0].line
'node1_0: relu(-26) = 0'
>>> sheet.grade({"a": "26", "b": "26"}).score
1

A blank is a *slot* of the pass (a product, a weighted sum z, an activation's
value a, a layer's values, a dL/dz or a dL/dw) hidden wherever it appears on
the sheet, so no line gives it away by copying it. Blanks are chosen so that
each has at least one of the values it is worked out from shown (never a blank
whose inputs are all blank), at random but the same for the same seed.
Grading (`Sheet.grade`) is in `scalarnet.exercise_grading`, reading a sheet's
file back in `scalarnet.exercise_files`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence

from .errors import ScalarnetError
from .network import Network
from .numbers import Number, fmt, operand

__all__ = ["FORMAT", "KINDS", "DEFAULT_KINDS", "Blank", "ExerciseError", "Sheet", "make",
           "random_network"]

FORMAT = "scalarnet.exercise/1"
KINDS = ("product", "sum", "activation", "layer", "dz", "dw")
DEFAULT_KINDS = ("sum", "activation")
GRADIENT_KINDS = ("dz", "dw")
DEFAULT_COUNT = 4


class ExerciseError(ScalarnetError, ValueError):
    """An exercise that cannot be made or graded: an unknown kind, too many blanks, a bad sheet or answer."""


class Blank:
    """One blank: `id` ('a', 'b', ...), `kind`, its `layer` and `neuron` ('layer.neuron', or None
    for a layer's values), `term` (the input's index for a product or a dL/dw), `answer` (the
    engine's value; a list for a layer), and `line`, the arithmetic that gives it."""

    __slots__ = ("id", "kind", "k", "j", "term", "layer", "neuron", "answer", "line", "order")

    def __init__(self, kind: str, k: int, j: int | None, term: int | None, layer: str,
                 neuron: str | None, answer, line: str, order: int):
        self.id = ""
        self.kind = kind
        self.k = k  # the layer's index (0 = first layer)
        self.j = j  # the neuron's index in its layer
        self.term = term
        self.layer = layer
        self.neuron = neuron
        self.answer = answer
        self.line = line
        self.order = order  # where it stands on the sheet

    def slots(self, identity: bool) -> set:
        """The values this blank hides wherever they appear (an identity layer's a is its z)."""
        k, j, i = self.k, self.j, self.term
        if self.kind == "product":
            return {("p", k, j, i)}
        if self.kind == "sum":
            return {("z", k, j), ("a", k, j)} if identity else {("z", k, j)}
        if self.kind == "activation":
            return {("a", k, j)}
        if self.kind == "layer":
            n = len(self.answer)
            return {("a", k, m) for m in range(n)} | ({("z", k, m) for m in range(n)} if identity else set())
        if self.kind == "dz":
            return {("dz", k, j)}
        return {("dw", k, j, i)}

    def inputs(self, widths: list[int], identity: bool, elementwise: bool) -> list:
        """The values this blank is worked out from (weights, biases, inputs and targets are always shown)."""
        k, j, i = self.k, self.j, self.term
        before = [("a", k - 1, m) for m in range(widths[k])]  # widths[k]: what layer k reads
        if self.kind == "product":
            return [before[i]]
        if self.kind == "sum" or (self.kind == "layer" and identity):
            return before
        if self.kind == "activation":
            return [("z", k, j)] if elementwise else [("z", k, m) for m in range(widths[k + 1])]
        if self.kind == "layer":
            return [("z", k, m) for m in range(widths[k + 1])]
        if self.kind == "dz":
            return [("da", k, j), ("z", k, j)]
        return [before[i], ("dz", k, j)]

    def answer_list(self) -> list:
        return self.answer if isinstance(self.answer, list) else [self.answer]

    def where(self) -> str:
        """'hidden1.node0_1', with the term for a product or dL/dw: 'hidden1.node0_1[1]'."""
        place = self.neuron or self.layer
        return place if self.term is None else f"{place}[{self.term}]"

    def to_dict(self) -> dict:
        data = {"id": self.id, "kind": self.kind, "layer": self.layer, "neuron": self.neuron}
        if self.term is not None:
            data["term"] = self.term
        data["answer"] = [_json_number(v) for v in self.answer] if isinstance(self.answer, list) \
            else _json_number(self.answer)
        data["line"] = self.line
        return data

    def __repr__(self) -> str:
        return f"<Blank ({self.id}) {self.kind} {self.where()}: {self.answer!r}>"


def _json_number(value):
    """ints and floats as they are; a Fraction or Decimal as text ('1/3'): JSON has no exact form."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def blank_ids(n: int) -> list[str]:
    """'a', 'b', ..., 'z', 'aa', 'ab', ...: the names of n blanks in the order of the sheet."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    ids = []
    for i in range(n):
        name = ""
        i += 1
        while i:
            i, r = divmod(i - 1, 26)
            name = letters[r] + name
        ids.append(name)
    return ids


# -- the candidates ------------------------------------------------------------------------------


def all_candidates(trace, grads, kinds: Sequence[str], digits: int | None) -> list[Blank]:
    """Every number of the pass a blank may be, in the order of the sheet."""
    out: list[Blank] = []

    def add(kind, k, j, term, layer, neuron, answer, line):
        if kind in kinds:
            out.append(Blank(kind, k, j, term, layer, neuron, answer, line, len(out)))

    for k, layer in enumerate(trace.layers):
        identity = layer.activation.name == "identity"
        for j, n in enumerate(layer.neurons):
            for i, (x, w, p) in enumerate(zip(n.inputs, n.weights, n.products)):
                add("product", k, j, i, layer.name, n.path, p,
                    f"{n.name}: {operand(x, digits)}*{operand(w, digits)} = {fmt(p, digits)}")
            add("sum", k, j, None, layer.name, n.path, n.z, f"{n.name}: {n.sum_text(digits)}")
            if not identity:
                add("activation", k, j, None, layer.name, n.path, n.a,
                    f"{n.name}: {n.activation_text(digits)}")
        add("layer", k, None, None, layer.name, None, list(layer.a), layer_line(layer, digits))
    if grads is not None:
        for k in reversed(range(len(trace.layers))):
            lg = grads.layers[k]
            for j, ng in enumerate(lg.neurons):
                n = ng.record
                add("dz", k, j, None, lg.name, n.path, ng.dz, f"{n.name}: {ng.dz_text(digits)}")
                for i, x in enumerate(n.inputs):
                    add("dw", k, j, i, lg.name, n.path, ng.dw[i],
                        f"{n.name}: dL/dw[{i}] = {operand(x, digits)}*{operand(ng.dz, digits)} = "
                        f"{fmt(ng.dw[i], digits)}")
    return out


def layer_line(layer, digits: int | None = None) -> str:
    """`hidden1 (relu): values = [relu(26), relu(-13)] = [26, 0]` (identity: the sums)."""
    if layer.activation.name == "identity":
        parts = [n.sum_text(digits).rpartition(" = ")[0] for n in layer.neurons]
    elif layer.activation.elementwise:
        parts = [f"{layer.activation.name}({fmt(n.z, digits)})" for n in layer.neurons]
    else:
        zs = ", ".join(fmt(z, digits) for z in layer.z)
        parts = [f"{layer.activation.name}([{zs}])[{n.index}]" for n in layer.neurons]
    values = ", ".join(fmt(v, digits) for v in layer.a)
    return f"{layer.name} ({layer.activation.name}): values = [{', '.join(parts)}] = [{values}]"


# -- the sheet -----------------------------------------------------------------------------------


class Sheet:
    """A network, an input (and target), and the blanks chosen in its pass.

    `sheet.trace` and `sheet.gradients` (None without a target) are the engine's records;
    `sheet.hidden` maps every hidden slot to its blank. Output forms:
    `to_dict()`/`json()` here, `scalarnet.exercise_pages` for Markdown, HTML and the diagram.
    """

    def __init__(self, net: Network, x: list, target: list | None, blanks: list[Blank],
                 seed: int, kinds: tuple, digits: int | None, trace, grads):
        self.net = net
        self.input = x
        self.target = target
        self.blanks = blanks
        self.seed = seed
        self.kinds = kinds
        self.digits = digits
        self.trace = trace
        self.gradients = grads
        self.hidden: dict = {}
        for b in blanks:
            for slot in b.slots(self._identity(b.k)):
                self.hidden[slot] = b

    def _identity(self, k: int) -> bool:
        return self.trace.layers[k].activation.name == "identity"

    def blank(self, blank_id: str) -> Blank:
        for b in self.blanks:
            if b.id == blank_id:
                return b
        raise ExerciseError(f"no blank {blank_id!r} on the sheet "
                            f"(blanks: {', '.join(b.id for b in self.blanks)})")

    def to_dict(self) -> dict:
        from .files import to_dict

        data = {"format": FORMAT, "network": to_dict(self.net), "input": list(self.input)}
        if self.target is not None:
            data["target"] = list(self.target)
            data["loss"] = "mse"
        data["seed"] = self.seed
        data["kinds"] = list(self.kinds)
        data["digits"] = self.digits
        data["blanks"] = [b.to_dict() for b in self.blanks]
        return data

    def json(self) -> str:
        """The sheet as `scalarnet.exercise/1` JSON text: the network as a network file writes it,
        one blank a line."""
        from .files import dumps

        data = self.to_dict()
        try:
            network = dumps(self.net).rstrip("\n").replace("\n", "\n ")
            head = [f' "{key}": {json.dumps(value)},' for key, value in data.items()
                    if key not in ("network", "blanks")]
            rows = ",\n  ".join(json.dumps(b, ensure_ascii=False) for b in data["blanks"])
        except (ValueError, TypeError, ScalarnetError) as e:
            raise ExerciseError(f"the sheet cannot be written as JSON: {e}") from None
        head.insert(1, f' "network": {network},')
        return "{\n" + "\n".join(head) + f'\n "blanks": [\n  {rows}\n ]\n}}\n'

    def grade(self, answers: Mapping[str, object]):
        """Check `answers` ({blank id: number or text}); see `scalarnet.exercise_grading.grade`."""
        from .exercise_grading import grade

        return grade(self, answers)

    def __repr__(self) -> str:
        return f"<Sheet of {self.net.name!r}: {len(self.blanks)} blanks>"


def make(net: Network, x, target: Sequence[Number] | None = None,
         kinds: Sequence[str] = DEFAULT_KINDS, count: int | None = None, seed: int = 0,
         digits: int | None = 4) -> Sheet:
    """A sheet of `count` blanks (default: up to 4) of `kinds` in the pass of `net` on input `x`.

    With `target`, the backward pass (mse loss) is on the sheet too and gradient kinds
    ("dz", "dw") may be asked for. `digits` rounds floats on the sheet (answers stay exact).
    The same arguments give the same sheet.
    """
    if not isinstance(net, Network):
        raise ExerciseError(f"make: expected a Network, got {net!r}")
    kinds = _check_kinds(kinds)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ExerciseError(f"seed: expected a whole number, got {seed!r}")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ExerciseError(f"count: expected a whole number of at least 1, got {count!r}")
    grads = None
    if target is None:
        asked = [k for k in kinds if k in GRADIENT_KINDS]
        if asked:
            raise ExerciseError(f"blanks of kind {', '.join(map(repr, asked))} are gradients: "
                                "they need a target (--target)")
        trace = net.trace(x)
    else:
        for layer in net.layers:
            if not layer.activation.elementwise:
                raise ExerciseError(f"layer {layer.name!r}: a sheet with a target works the "
                                    f"backward pass by hand, which {layer.activation.name} "
                                    "(not one value at a time) does not fit; give no target")
        grads = net.gradients(x, target, "mse")
        trace = grads.trace
        target = list(grads.target)
    x = list(trace.input_values)
    found = all_candidates(trace, grads, kinds, digits)
    chosen = _choose(found, trace, seed, count)
    if count is not None and len(chosen) < count:
        raise ExerciseError(f"count: {count} blanks asked for, but only {len(chosen)} of kind "
                            f"{', '.join(kinds)} fit network {net.name!r} (each needs one of the "
                            "values it is worked out from shown)")
    chosen.sort(key=lambda b: b.order)
    for b, name in zip(chosen, blank_ids(len(chosen))):
        b.id = name
    return Sheet(net, x, target, chosen, seed, kinds, digits, trace, grads)


def _check_kinds(kinds) -> tuple:
    if isinstance(kinds, str):
        kinds = [kinds]
    kinds = list(kinds)
    if not kinds:
        raise ExerciseError(f"kinds: expected at least one of {', '.join(KINDS)}")
    for kind in kinds:
        if kind not in KINDS:
            raise ExerciseError(f"unknown kind of blank {kind!r} (known: {', '.join(KINDS)})")
    return tuple(k for k in KINDS if k in kinds)  # one order, whatever order they were given in


def _choose(candidates: list[Blank], trace, seed: int, count: int | None) -> list[Blank]:
    """Candidates taken in a seeded random order while each blank keeps an input shown."""
    widths = [len(trace.input_names)] + [len(layer.neurons) for layer in trace.layers]
    layers = trace.layers
    order = list(candidates)
    random.Random(seed).shuffle(order)
    want = DEFAULT_COUNT if count is None else count
    chosen: list[Blank] = []
    hidden: set = set()
    for b in order:
        if len(chosen) == want:
            break
        identity = layers[b.k].activation.name == "identity"
        slots = b.slots(identity)
        if slots & hidden:
            continue
        trial = hidden | slots
        if all(not all(s in trial for s in c.inputs(widths, layers[c.k].activation.name == "identity",
                                                     layers[c.k].activation.elementwise))
               for c in chosen + [b]):
            chosen.append(b)
            hidden = trial
    return chosen


# -- a random network for paper --------------------------------------------------------------


def random_network(widths: str | Sequence[int], seed: int = 0) -> tuple[Network, list]:
    """A network of `widths` ('2-3-1') with int weights and biases from -9 to 9, a relu or
    identity activation per layer, and an int input from -9 to 9, all from `seed`.

    >>> net, x = random_network("2-3-1", seed=7)
    >>> net.name, net.widths, len(x)
    ('random-2-3-1-seed7', [2, 3, 1], 2)
    """
    if isinstance(widths, str):
        parts = widths.split("-")
        if len(parts) < 2 or not all(p.isdecimal() and 0 < int(p) <= 64 for p in parts):
            raise ExerciseError(f"--random: expected widths like 2-3-1 (at least two, each 1 to 64), "
                                f"got {widths!r}")
        widths = [int(p) for p in parts]
    widths = list(widths)
    rng = random.Random(seed)
    matrices, biases, acts = [], [], []
    for n_in, n_out in zip(widths, widths[1:]):
        matrices.append([[rng.randint(-9, 9) for _ in range(n_in)] for _ in range(n_out)])
        biases.append([rng.randint(-9, 9) for _ in range(n_out)])
        acts.append(rng.choice(("relu", "identity")))
    x = [rng.randint(-9, 9) for _ in range(widths[0])]
    shape = "-".join(map(str, widths))
    net = Network.from_matrices(matrices, biases, acts, name=f"random-{shape}-seed{seed}",
                                description=f"A random {shape} network for paper (seed {seed}).",
                                example_input=x)
    return net, x

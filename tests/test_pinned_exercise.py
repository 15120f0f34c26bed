"""Exercise-grading behaviours mutation testing showed no test pinned (benchmarks/mutation.py
exercise_grading): the float rule at its exact boundary, exact ints and fractions, the answer forms
read, each usual slip's hint, and the messages for a malformed set of answers."""

import math
from fractions import Fraction

import pytest

from scalarnet import Layer, Network, Neuron, load
from scalarnet.exercise import ExerciseError, make
from scalarnet.exercise_grading import agrees, parse_answer


def _right(text, answer):
    given = parse_answer(text)
    return len(given) == 1 and agrees(given[0], answer)


@pytest.mark.parametrize("text, answer, right", [
    ("1.12", 1.125, True),    # exactly half a unit of the last digit written: still right
    ("1.13", 1.125, True),
    ("1.11", 1.125, False),
    ("1.14", 1.125, False),
    ("1.1", 1.125, False),    # fewer than 3 significant digits: checked to the third
    ("0.731", 0.7310585786300049, True),
    ("0.7311", 0.7310585786300049, True),
    ("0.73", 0.7310585786300049, False),
    ("0.7312", 0.7310585786300049, False),
    ("1", 1.0, True),
    ("0.999", 1.0, False),
    ("0", 0.0, True),
    ("0.0001", 0.0, False),   # a float 0 is answered by 0 only
    ("1", math.inf, False),
    ("26.0", 26, True),
    ("52/2", 26, True),
    ("26.1", 26, False),
    ("25.9999", 26, False),   # an int is exact: no rounding
    ("1/3", Fraction(1, 3), True),
    ("0.333", Fraction(1, 3), False),
], ids=lambda v: repr(v))
def test_answer_agrees(text, answer, right):
    assert _right(text, answer) is right


@pytest.mark.parametrize("answer, parsed", [
    ("[26, 0]", [(Fraction(26), 0), (Fraction(0), 0)]),
    ("26; 0", [(Fraction(26), 0), (Fraction(0), 0)]),
    (0.5, [(Fraction(1, 2), -1)]),
    ([1, 0.25], [(Fraction(1), 0), (Fraction(1, 4), -2)]),
    ("1/3", [(Fraction(1, 3), None)]),
    ("1230", [(Fraction(1230), 0)]),
    ("-1.5e-3", [(Fraction(-3, 2000), -4)]),
    (".5", [(Fraction(1, 2), -1)]),
], ids=lambda v: repr(v))
def test_parse_answer(answer, parsed):
    assert parse_answer(answer) == parsed


@pytest.mark.parametrize("answer, message", [
    ("  ", "answer: no number given"),
    ("abc", "answer: 'abc' is not a number"),
    (None, "answer: expected a number, got None"),
    ("1/0", "answer: '1/0' is not a number"),
    ("2_6", "answer: '2_6' is not a number"),
], ids=["blank", "word", "none", "over-zero", "underscore"])
def test_parse_answer_refuses(answer, message):
    with pytest.raises(ExerciseError) as info:
        parse_answer(answer)
    assert str(info.value) == message


def _net():
    # a: 3*2 + (-5)*(-3) + 1 = 22; b: 3*(-1) + (-5)*(-2) = 7; out: 22*1 + 7*(-1) + 2 = 17
    return Network([Layer("h", [Neuron("a", [2, -3], bias=1), Neuron("b", [-1, -2])], "relu"),
                    Layer("o", [Neuron("out", [1, -1], bias=2)])])


def _sheet(kind):
    return make(_net(), [3, -5], target=[1], kinds=[kind], count=1, seed=0)


SUM_RIGHT = "    right: a: 3*2 + (-5)*(-3) + 1 = 22"


@pytest.mark.parametrize("kind, answer, text", [
    ("sum", "-8", ["(a) h.a sum: wrong: -8", SUM_RIGHT, "    hint: the sign of the negative weight -3 (times -5)"]),
    ("sum", "21", ["(a) h.a sum: wrong: 21", SUM_RIGHT, "    hint: the bias 1 is missed"]),
    ("sum", "16", ["(a) h.a sum: wrong: 16", SUM_RIGHT, "    hint: a term is left out: 3*2"]),
    ("sum", "7", ["(a) h.a sum: wrong: 7", SUM_RIGHT, "    hint: a term is left out: (-5)*(-3)"]),
    ("sum", "23", ["(a) h.a sum: wrong: 23", SUM_RIGHT]),
    ("sum", "", ["(a) h.a sum: wrong: (no answer)", SUM_RIGHT]),
    ("sum", "22.0", ["(a) h.a sum: right: 22.0"]),
    ("layer", "22", ["(a) h layer: wrong: 22", "    right: h (relu): values = [relu(22), relu(7)] = [22, 7]",
                     "    hint: 2 values are asked for, one per neuron of h"]),
    ("layer", [22, 7], ["(a) h layer: right: 22 7"]),
    ("layer", "22, 8", ["(a) h layer: wrong: 22, 8",
                        "    right: h (relu): values = [relu(22), relu(7)] = [22, 7]"]),
    ("dw", -16, ["(a) h.b[0] dw: wrong: -16", "    right: b: dL/dw[0] = 3*(-16) = -48",
                 "    hint: dL/dw = input * dL/dz: the input 3 is not multiplied in"]),
], ids=["sign", "bias", "first-term", "second-term", "no-hint", "empty", "float-of-int", "layer-count",
        "layer-list", "layer-wrong", "dw-input"])
def test_grade_text_and_hint(kind, answer, text):
    grading = _sheet(kind).grade({"a": answer})
    right = len(text) == 1
    assert grading.text() == "\n".join(text + [f"score {int(right)}/1"])
    assert (grading.score, grading.total, grading.ok) == (int(right), 1, right)
    assert repr(grading) == f"<Grading score {int(right)}/1>"


def test_grade_relu_of_a_negative_and_score():
    sheet = make(load("tutorial-deep"), [3, 5], count=2, seed=1)
    assert sheet.grade({"a": "-26", "b": "26"}).text() == "\n".join([
        "(a) hidden2.node1_0 activation: wrong: -26",
        "    right: node1_0: relu(-26) = 0",
        "    hint: relu of a negative number: relu(z) = max(0, z)",
        "(b) hidden2.node1_1 sum: right: 26",
        "score 1/2"])


@pytest.mark.parametrize("answers, message", [
    ([1], "answers: expected a mapping of blank id -> answer, got [1]"),
    ({"a": 1, "z": 2}, "answers: no blank 'z' on the sheet (blanks: a)"),
    ({}, "answers: no answer for blank 'a' (every blank needs a row; an empty answer counts as wrong)"),
    ({"a": "x"}, "answers, blank 'a': 'x' is not a number"),
], ids=["a-list", "unknown-blank", "missing-blank", "not-a-number"])
def test_grade_refuses(answers, message):
    with pytest.raises(ExerciseError) as info:
        _sheet("dw").grade(answers)
    assert str(info.value) == message


# --- the sheet's file read back (exercise_files) -------------------------------------------------

from scalarnet.exercise_files import load_sheet, loads_sheet  # noqa: E402


def _deep_sheet_json():
    return make(load("tutorial-deep"), [3, 5], count=3, seed=1).json()


def _edited(change):
    import json
    data = json.loads(_deep_sheet_json())
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize("kind", ["product", "layer", "dw", "sum"])
def test_sheet_file_round_trip_keeps_every_blank(kind):
    sheet = make(_net(), [3, -5], target=[1], kinds=[kind], count=1, seed=3)
    again = loads_sheet(sheet.json())
    assert [(b.id, b.kind, b.where(), b.answer) for b in again.blanks] == \
        [(b.id, b.kind, b.where(), b.answer) for b in sheet.blanks]
    assert (again.seed, again.input, again.target) == (3, [3, -5], [1])


def test_sheet_file_read_from_disk(tmp_path):
    path = tmp_path / "sheet.json"
    path.write_text(_deep_sheet_json(), encoding="utf-8")
    assert [b.answer for b in load_sheet(path).blanks] == [0, 0, 26]
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(ExerciseError, match=r"sheet.json: not UTF-8 text \(invalid start byte\)$"):
        load_sheet(path)
    with pytest.raises(ExerciseError, match=r"^cannot read the sheet '.*nope.json' \(No such file or directory\)$"):
        load_sheet(tmp_path / "nope.json")


@pytest.mark.parametrize("text, message", [
    ("[1]", "<sheet>: not an exercise sheet (format 'list'; expected 'scalarnet.exercise/1')"),
    ('{"format": "x"}', "<sheet>: not an exercise sheet (format 'x'; expected 'scalarnet.exercise/1')"),
    ("{", "<sheet>: line 1, column 2: invalid JSON: Expecting property name enclosed in double quotes"),
    (_edited(lambda d: d["blanks"][0].update(answer=5)),
     "<sheet>: blanks[0] ('a'): the answer 5 is not the network's value 0"),
    (_edited(lambda d: d["blanks"][1].update(id="a")), "<sheet>: blanks[1]: the id 'a' is not a new non-empty string"),
    (_edited(lambda d: d["blanks"][1].update(id="")), "<sheet>: blanks[1]: the id '' is not a new non-empty string"),
    (_edited(lambda d: d["blanks"][1].update(neuron="hidden9.x")),
     "<sheet>: blanks[1]: no activation 'hidden9.x' in the pass"),
    (_edited(lambda d: d["blanks"].append(d["blanks"][0])),
     "<sheet>: blanks[3]: no activation 'hidden1.node0_1' in the pass"),
    (_edited(lambda d: d.update(blanks=5)), '<sheet>: "blanks" should be a list'),
    (_edited(lambda d: d.pop("seed")),
     "<sheet>: the sheet has no 'seed' (a sheet written by `scalarnet exercise` has it)"),
    (_edited(lambda d: d.update(seed="x")), "<sheet>: seed: expected a whole number, got 'x'"),
], ids=["a-list", "other-format", "bad-json", "edited-answer", "id-twice", "id-empty", "no-such-neuron",
        "blank-twice", "blanks-a-number", "no-seed", "seed-a-string"])
def test_sheet_file_refused(text, message):
    with pytest.raises(ExerciseError) as info:
        loads_sheet(text)
    assert str(info.value) == message


# --- making a sheet (exercise) -------------------------------------------------------------------

from scalarnet.exercise import random_network  # noqa: E402


@pytest.mark.parametrize("call, message", [
    (lambda: make(5, [3, 5]), "make: expected a Network, got 5"),
    (lambda: make(load("tutorial-deep"), [3, 5], kinds=[]),
     "kinds: expected at least one of product, sum, activation, layer, dz, dw"),
    (lambda: make(load("tutorial-deep"), [3, 5], kinds=["blank"]),
     "unknown kind of blank 'blank' (known: product, sum, activation, layer, dz, dw)"),
    (lambda: make(load("tutorial-deep"), [3, 5], kinds=["dz"]),
     "blanks of kind 'dz' are gradients: they need a target (--target)"),
    (lambda: make(load("tutorial-deep"), [3, 5], seed=True), "seed: expected a whole number, got True"),
    (lambda: make(load("tutorial-deep"), [3, 5], seed=1.5), "seed: expected a whole number, got 1.5"),
    (lambda: make(load("tutorial-deep"), [3, 5], count=0), "count: expected a whole number of at least 1, got 0"),
    (lambda: make(load("tutorial-deep"), [3, 5], count=True),
     "count: expected a whole number of at least 1, got True"),
    (lambda: make(load("tutorial-deep"), [3, 5], count=99),
     "count: 99 blanks asked for, but only 4 of kind sum, activation fit network 'tutorial-deep' "
     "(each needs one of the values it is worked out from shown)"),
    (lambda: make(Network([Layer("o", [Neuron("a", [1]), Neuron("b", [2])], "softmax")]), [1], target=[0, 1]),
     "layer 'o': a sheet with a target works the backward pass by hand, which softmax (not one value at a "
     "time) does not fit; give no target"),
    (lambda: random_network("2-0-1"), "--random: expected widths like 2-3-1 (at least two, each 1 to 64), got '2-0-1'"),
    (lambda: random_network("2"), "--random: expected widths like 2-3-1 (at least two, each 1 to 64), got '2'"),
    (lambda: random_network("2-65"), "--random: expected widths like 2-3-1 (at least two, each 1 to 64), got '2-65'"),
], ids=["not-a-network", "no-kinds", "unknown-kind", "gradient-without-target", "seed-bool", "seed-float",
        "count-zero", "count-bool", "count-too-many", "softmax-with-target", "random-zero-width",
        "random-one-width", "random-too-wide"])
def test_make_refuses(call, message):
    with pytest.raises(ExerciseError) as info:
        call()
    assert str(info.value) == message


def test_make_defaults_and_ids():
    deep = load("tutorial-deep")
    assert [b.kind for b in make(deep, [3, 5], kinds="sum", count=2).blanks] == ["sum", "sum"]
    assert len(make(deep, [3, 5]).blanks) == 4
    assert [b.id for b in make(deep, [3, 5], kinds=["activation", "sum"], count=4, seed=2).blanks] == \
        ["a", "b", "c", "d"]


def test_random_network_is_seeded_ints():
    net, x = random_network("2-3-1", seed=7)
    assert (net.widths, x, net.forward(x)) == ([2, 3, 1], [4, -7], [14])
    assert (net.layers[0].neurons[0].weights, net.layers[0].neurons[0].bias) == ([1, -5], -6)
    assert [layer.activation.name for layer in net.layers] == ["relu", "identity"]
    assert net.description == "A random 2-3-1 network for paper (seed 7)."


# --- which blanks a sheet asks for (exercise: Blank.slots, Blank.inputs, _choose) ----------------

from scalarnet.exercise import KINDS, all_candidates, blank_ids  # noqa: E402


def _hides(b, identity):
    """What a blank hides, from the rule in scalarnet.exercise's docstring: its own value wherever
    it appears; an identity layer's value a is its sum z, so hiding one hides the other."""
    k, j, i = b.k, b.j, b.term
    if b.kind == "layer":
        n = len(b.answer)
        return {("a", k, m) for m in range(n)} | ({("z", k, m) for m in range(n)} if identity else set())
    return {"product": {("p", k, j, i)}, "sum": {("z", k, j)} | ({("a", k, j)} if identity else set()),
            "activation": {("a", k, j)}, "dz": {("dz", k, j)}, "dw": {("dw", k, j, i)}}[b.kind]


def _worked_out_from(b, net):
    """The values a blank is worked out from (the network's inputs, weights, biases, targets and
    dL/da are always shown): the values a layer reads are the network's inputs or the previous
    layer's a."""
    k, j, i = b.k, b.j, b.term
    layer = net.layers[k]
    read = [("a", k - 1, m) if k else ("input", m) for m in range(len(layer.neurons[0].weights))]
    zs = [("z", k, m) for m in range(len(layer.neurons))]
    if b.kind == "product":
        return read[i:i + 1]
    if b.kind == "sum":
        return read
    if b.kind == "activation":
        return [("z", k, j)] if layer.activation.elementwise else zs
    if b.kind == "layer":
        return read if layer.activation.name == "identity" else zs
    if b.kind == "dz":
        return [("da", k, j)]  # always shown
    return read[i:i + 1] + [("dz", k, j)]


def _every_blank(net, target):
    """Every (kind, where) a sheet of `net` may ask for, in the order of the sheet."""
    out = []
    for layer in net.layers:
        for n in layer.neurons:
            where = f"{layer.name}.{n.name}"
            out += [("product", f"{where}[{i}]") for i in range(len(n.weights))] + [("sum", where)]
            if layer.activation.name != "identity":
                out.append(("activation", where))
        out.append(("layer", layer.name))
    if target is not None:  # the backward pass, from the output layer back
        for layer in reversed(net.layers):
            for n in layer.neurons:
                where = f"{layer.name}.{n.name}"
                out += [("dz", where)] + [("dw", f"{where}[{i}]") for i in range(len(n.weights))]
    return out


def _fits(blanks, net):
    hidden = []
    for b in blanks:
        hidden += _hides(b, net.layers[b.k].activation.name == "identity")
    return len(hidden) == len(set(hidden)) and \
        all(not all(s in hidden for s in _worked_out_from(b, net)) for b in blanks)


def _check_choice(net, x, target, kinds, count, seed):
    sheet = make(net, x, target, kinds, count, seed)
    assert _fits(sheet.blanks, net)
    identity = [layer.activation.name == "identity" for layer in net.layers]
    hidden = {}
    for b in sheet.blanks:
        assert b.kind in kinds
        for slot in _hides(b, identity[b.k]):
            assert slot not in hidden, (b, hidden.get(slot))  # one value, one blank
            hidden[slot] = b
    assert sheet.hidden == hidden
    for b in sheet.blanks:  # each blank keeps one of the values it is worked out from shown
        sources = _worked_out_from(b, net)
        assert not all(s in hidden for s in sources), b
    every = [c for c in _every_blank(net, target) if c[0] in kinds]
    assert [(b.kind, b.where()) for b in sheet.blanks] == [c for c in every if c in
                                                         {(b.kind, b.where()) for b in sheet.blanks}]
    assert [b.id for b in sheet.blanks] == blank_ids(len(sheet.blanks))
    return sheet, every


def test_choice_follows_the_rule_and_takes_as_many_as_fit():
    softmax = Network([Layer("h", [Neuron("p", [1, 2]), Neuron("q", [-1, 1])]),
                       Layer("o", [Neuron("a", [1, 1]), Neuron("b", [2, -1])], "softmax")])
    cases = [(random_network("2-3-2", seed=s)[0], [1, -2], [1, 0]) for s in range(4)] + \
        [(softmax, [1, 2], None)]
    sizes = set()
    for net, x, target in cases:
        for seed in range(6):
            for kinds in (KINDS if target else KINDS[:4], ("sum", "activation", "layer"), ("product", "dw") if target else ("product",),
                          ("layer",), ("activation",), ("dz", "dw") if target else ("sum",)):
                sheet, every = _check_choice(net, x, target, kinds, None, seed)
                sizes.add(len(sheet.blanks))
                if len(sheet.blanks) < 4:  # fewer than asked for: no other blank fits beside them
                    taken = {(b.kind, b.where()) for b in sheet.blanks}
                    for c in all_candidates(sheet.trace, sheet.gradients, kinds, 4):
                        if (c.kind, c.where()) not in taken:
                            assert not _fits(sheet.blanks + [c], net), (c, sheet.blanks)
    assert {1, 2, 3, 4} <= sizes


@pytest.mark.parametrize("n, last", [(1, ["a"]), (26, ["y", "z"]), (28, ["z", "aa", "ab"]),
                                     (703, ["zy", "zz", "aaa"])])
def test_blank_ids_letters_then_two_letters(n, last):
    ids = blank_ids(n)
    assert len(ids) == len(set(ids)) == n and ids[-len(last):] == last and ids[0] == "a"


def test_a_sheet_of_more_than_26_blanks():
    net, x = random_network("6-6-1", seed=3)
    sheet = make(net, x, kinds=["product"], count=30, seed=0)
    assert [b.id for b in sheet.blanks][24:] == ["y", "z", "aa", "ab", "ac", "ad"]


def test_sheet_blank_by_id():
    sheet = make(load("tutorial-deep"), [3, 5], count=2, seed=1)
    assert sheet.blank("b").where() == "hidden2.node1_1"
    with pytest.raises(ExerciseError) as info:
        sheet.blank("c")
    assert str(info.value) == "no blank 'c' on the sheet (blanks: a, b)"
    assert repr(sheet) == "<Sheet of 'tutorial-deep': 2 blanks>"
    assert repr(sheet.blanks[1]) == "<Blank (b) sum hidden2.node1_1: 26>"


def test_sheet_json_text_exactly():
    net = Network([Layer("o", [Neuron("né", [2], bias=1)])], name="tiny")
    sheet = make(net, [3], kinds=["sum"], count=1)
    assert sheet.json() == (
        '{\n'
        ' "format": "scalarnet.exercise/1",\n'
        ' "network": {\n'
        '  "format": "scalarnet.network/1",\n'
        '  "name": "tiny",\n'
        '  "inputs": ["x0"],\n'
        '  "layers": [\n'
        '   {"name": "o", "activation": "identity", "neurons": [\n'
        '     {"name": "n\\u00e9", "weights": [2], "bias": 1}]}\n'
        '  ]\n'
        ' },\n'
        ' "input": [3],\n'
        ' "seed": 0,\n'
        ' "kinds": ["sum"],\n'
        ' "digits": 4,\n'
        ' "blanks": [\n'
        '  {"id": "a", "kind": "sum", "layer": "o", "neuron": "o.né", "answer": 7, "line": "né: 3*2 + 1 = 7"}\n'
        ' ]\n'
        '}\n')


@pytest.mark.parametrize("layer, line", [
    (Layer("h", [Neuron("p", [1, 2], bias=1), Neuron("q", [-1, 1])]),
     "h (identity): values = [3*1 + 4*2 + 1, 3*(-1) + 4*1] = [12, 1]"),
    (Layer("h", [Neuron("p", [1, 2], bias=1), Neuron("q", [-1, -1])], "relu"),
     "h (relu): values = [relu(12), relu(-7)] = [12, 0]"),
    (Layer("h", [Neuron("p", [1, 0]), Neuron("q", [0, 0])], "softmax"),
     "h (softmax): values = [softmax([3, 0])[0], softmax([3, 0])[1]] = [0.9526, 0.04743]"),
], ids=["identity", "relu", "softmax"])
def test_layer_line(layer, line):
    sheet = make(Network([layer]), [3, 4], kinds=["layer"], count=1)
    assert sheet.blanks[0].line == line


def test_make_defaults_seed_0_and_one_blank():
    deep = load("tutorial-deep")
    sheet = make(deep, [3, 5])
    assert (sheet.seed, sheet.digits, sheet.kinds) == (0, 4, ("sum", "activation"))
    assert [(b.kind, b.where()) for b in sheet.blanks] == \
        [(b.kind, b.where()) for b in make(deep, [3, 5], seed=0, count=4).blanks]
    assert len(make(deep, [3, 5], count=1).blanks) == 1
    assert make(deep, [3, 5], kinds=("activation", "sum", "sum")).kinds == ("sum", "activation")


@pytest.mark.parametrize("widths, shape", [("2-3", [2, 3]), ("1-64", [1, 64]), ("3-1-1-2", [3, 1, 1, 2]),
                                          ([2, 2], [2, 2])])
def test_random_network_widths_taken(widths, shape):
    net, x = random_network(widths, seed=1)
    assert (net.widths, len(x)) == (shape, shape[0])
    assert [len(layer.neurons) for layer in net.layers] == shape[1:]


@pytest.mark.parametrize("widths", ["2-x", "2--1", "-2-3", "2-3-"])
def test_random_network_refuses_widths_that_are_not_numbers(widths):
    with pytest.raises(ExerciseError) as info:
        random_network(widths)
    assert str(info.value) == ("--random: expected widths like 2-3-1 (at least two, each 1 to 64), "
                               f"got {widths!r}")


def test_random_network_numbers_from_minus_9_to_9_and_default_seed_0():
    weights, biases, inputs, acts = set(), set(), set(), set()
    for seed in range(12):
        net, x = random_network("6-6-6", seed=seed)
        inputs.update(x)
        for layer in net.layers:
            acts.add(layer.activation.name)
            for n in layer.neurons:
                weights.update(n.weights)
                biases.add(n.bias)
    assert weights == biases == inputs == set(range(-9, 10))
    assert acts == {"relu", "identity"}
    net, x = random_network("2-3-1")
    assert net.name == "random-2-3-1-seed0" and (net, x) == random_network("2-3-1", seed=0)


@pytest.mark.parametrize("kind, where", [
    ("product", ["h.a[0]", "h.a[1]", "h.b[0]", "h.b[1]", "o.out[0]", "o.out[1]"]),
    ("sum", ["h.a", "h.b", "o.out"]),
    ("activation", ["h.a", "h.b"]),  # o is identity: its value is its sum
    ("dz", ["o.out", "h.a", "h.b"]),  # the backward pass runs from the output layer
    ("dw", ["o.out[0]", "o.out[1]", "h.a[0]", "h.a[1]", "h.b[0]", "h.b[1]"]),
])
def test_every_blank_of_a_kind_is_offered(kind, where):
    # none of these hides a value another one is worked out from, so all of them fit on one sheet
    sheet = make(_net(), [3, -5], target=[1], kinds=[kind], count=len(where), seed=0)
    assert [b.where() for b in sheet.blanks] == where
    with pytest.raises(ExerciseError, match=rf"^count: {len(where) + 1} blanks asked for, but only {len(where)} "):
        make(_net(), [3, -5], target=[1], kinds=[kind], count=len(where) + 1, seed=0)


def test_blank_inputs_of_a_softmax_value_and_a_layer_are_all_its_sums():
    # 2 inputs -> o (softmax, 3 neurons) -> p (1 neuron): what layer 0's blanks are worked out from
    net = Network([Layer("o", [Neuron("a", [1, 0]), Neuron("b", [0, 1]), Neuron("c", [1, 1])], "softmax"),
                   Layer("p", [Neuron("y", [1, 1, 1])])])
    sheet = make(net, [1, 2], kinds=["activation"], count=1, seed=0)
    b = sheet.blanks[0]
    sums = [("z", 0, 0), ("z", 0, 1), ("z", 0, 2)]
    assert b.inputs([2, 3, 1], False, False) == sums
    layer = make(net, [1, 2], kinds=["layer"], count=1, seed=0).blanks[0]
    assert layer.where() == "o" and layer.inputs([2, 3, 1], False, False) == sums


def test_to_dict_writes_a_fraction_answer_as_text():
    from fractions import Fraction
    net = Network([Layer("o", [Neuron("n", [Fraction(1, 3)])])])
    data = make(net, [1], kinds=["sum"], count=1).to_dict()
    assert data["blanks"][0]["answer"] == "1/3"
    with pytest.raises(ExerciseError, match="^the sheet cannot be written as JSON: "):
        make(net, [1], kinds=["sum"], count=1).json()

"""Reading an exercise sheet's file back (scalarnet.exercise_files), pinned where mutation testing
(benchmarks/mutation.py exercise_files) showed no test looking: every kind of blank read back
as the same blank, and a malformed sheet refused with one message naming what is wrong."""

import json

import pytest

from scalarnet import Layer, Network, Neuron
from scalarnet.exercise import KINDS, ExerciseError, make
from scalarnet.exercise_files import loads_sheet


def _net():
    return Network([Layer("h", [Neuron("a", [2, -3], bias=1), Neuron("b", [-1, -2])], "relu"),
                    Layer("o", [Neuron("out", [1, -1], bias=2)])])


def _sheet_text():
    return make(_net(), [3, -5], [1], KINDS, 6, 0).json()


def _edited(change):
    data = json.loads(_sheet_text())
    change(data)
    return json.dumps(data)


def test_every_kind_read_back():
    sheet = make(_net(), [3, -5], [1], KINDS, 6, 0)
    again = loads_sheet(sheet.json())
    assert [(b.id, b.kind, b.where(), b.answer, b.line) for b in again.blanks] == [
        ("a", "product", "h.a[0]", 6, "a: 3*2 = 6"),
        ("b", "sum", "h.b", 7, "b: 3*(-1) + (-5)*(-2) = 7"),
        ("c", "product", "o.out[1]", -7, "out: 7*(-1) = -7"),
        ("d", "dw", "h.a[1]", -80, "a: dL/dw[1] = (-5)*16 = -80"),
        ("e", "dz", "h.b", -16, "b: dL/dz = relu'(7) * dL/da = 1 * (-16) = -16"),
        ("f", "dw", "h.b[0]", -48, "b: dL/dw[0] = 3*(-16) = -48")]
    assert sorted(again.hidden) == sorted(sheet.hidden)
    assert (again.input, again.target, again.kinds, again.digits) == ([3, -5], [1], KINDS, 4)
    assert again.grade({"a": "6", "b": "7", "c": "-7", "d": "-80", "e": "-16", "f": "-48"}).ok
    assert again.json() == sheet.json()


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(kinds=5), "<sheet>: a part of the sheet has the wrong type ('int' object is not iterable)"),
    (lambda d: d["blanks"].__setitem__(0, 5),
     "<sheet>: a part of the sheet has the wrong type ('int' object is not subscriptable)"),
    (lambda d: d["blanks"][1].update(term=0), "<sheet>: blanks[1]: no sum 'h.b[0]' in the pass"),
    (lambda d: d["blanks"][0].pop("term"), "<sheet>: blanks[0]: no product 'h.a' in the pass"),
    (lambda d: d["blanks"][3].update(term=1, neuron="h.b"),
     "<sheet>: blanks[3] ('d'): the answer -80 is not the network's value 80"),
    (lambda d: d["blanks"][0].update(id=7), "<sheet>: blanks[0]: the id 7 is not a new non-empty string"),
    (lambda d: d["blanks"][0].pop("answer"),
     "<sheet>: the sheet has no 'answer' (a sheet written by `scalarnet exercise` has it)"),
    (lambda d: d.update(target=[1, 2]), "<sheet>: network 'network': 2 target values but the output layer 'o' has 1 neuron (out)"),
], ids=["kinds-a-number", "blank-a-number", "term-on-a-sum", "no-term", "other-neuron", "id-a-number",
        "no-answer", "target-too-long"])
def test_malformed_sheet_refused(change, message):
    with pytest.raises(ExerciseError) as info:
        loads_sheet(_edited(change))
    assert str(info.value) == message


def test_refusal_is_not_about_another_key():
    with pytest.raises(ExerciseError) as info:
        loads_sheet(json.dumps(["format"]))
    assert str(info.value) == "<sheet>: not an exercise sheet (format 'list'; expected 'scalarnet.exercise/1')"
    with pytest.raises(ExerciseError) as info:
        loads_sheet(json.dumps({"format": "scalarnet.network/1"}))
    assert str(info.value) == ("<sheet>: not an exercise sheet (format 'scalarnet.network/1'; expected "
                               "'scalarnet.exercise/1')")

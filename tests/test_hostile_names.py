"""Names that could break the XML or the terminal: every command draws and prints them harmlessly."""

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from scalarnet.cli import main

# (id, name): each is legal in a JSON string
HOSTILE = [
    ("escape-sequence", "esc\x1b]0;title\x07"),
    ("carriage-return", "a\rb"),
    ("line-separator", "a\u2028b"),
    ("paragraph-separator", "a\u2029b"),
    ("newline", "a\nb"),
    ("nul", "a\x00b"),
    ("noncharacter-fffe", "a\ufffeb"),
    ("noncharacter-ffff", "a\uffffb"),
    ("lone-surrogate", "a\ud800b"),
    ("backspace-del", "a\x08\x7fb"),
    ("c1-csi", "a\x9b31mb"),
    ("bidi-override", "a\u202eb"),
    ("xml-markup", "<svg onload=alert(1)>&amp;"),
    ("dot-escapes", 'x\\N\\l"}'),
]
# what a terminal must never receive raw
FORBIDDEN_ON_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# what XML 1.0 forbids
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def network_file(tmp_path, name):
    data = {"format": "scalarnet.network/1", "name": name, "inputs": [name, "x1"],
            "example_input": [3, 5],
            "layers": [{"name": name, "activation": "relu",
                        "neurons": [{"name": name, "weights": [2, 4]},
                                    {"name": "n1", "weights": [4, -5]}]},
                       {"name": "out", "neurons": [{"name": "o", "weights": [2, 7]}]}]}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # json.dumps escapes every odd character
    return str(path)


def xml_text(svg_or_html: str) -> None:
    assert not NOT_XML.search(svg_or_html)


@pytest.mark.parametrize("name", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
@pytest.mark.parametrize("command", [
    ["run"], ["explain"], ["gradients", "--target", "1"], ["step"], ["compare"],
    ["render", "--input", "nope"],
], ids=["run", "explain", "gradients", "step", "compare", "error"])
def test_terminal_text_shows_control_characters_escaped(tmp_path, capsys, monkeypatch, name, command):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("c\n"))
    path = network_file(tmp_path, name)
    code = main([command[0], path, *command[1:]])
    out, err = capsys.readouterr()
    assert code == (2 if command[-1] == "nope" else 0), err
    assert not FORBIDDEN_ON_TERMINAL.search(out + err), (out + err)[:500]
    assert err.count("\n") == (1 if code == 2 else 0)


def test_escape_sequence_is_shown_as_its_code(tmp_path, capsys):
    main(["explain", network_file(tmp_path, "esc\x1b]0;title\x07")])
    assert "esc\\x1b]0;title\\x07" in capsys.readouterr().out


@pytest.mark.parametrize("name", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_svg_is_well_formed_xml(tmp_path, capsys, name):
    path = network_file(tmp_path, name)
    out = tmp_path / "x.svg"
    assert main(["render", path, "--engine", "wasm", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    xml_text(text)
    ET.fromstring(text)
    assert main(["render", path, "--view", "ops", "--engine", "wasm", "-o", str(out)]) == 0
    ET.fromstring(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_step_pictures_are_well_formed(tmp_path, capsys, name):
    path = network_file(tmp_path, name)
    frames, page = tmp_path / "frames", tmp_path / "p.html"
    code = main(["step", path, "--granularity", "layer", "--engine", "wasm",
                 "--frames", str(frames), "--html", str(page)])
    assert code == 0, capsys.readouterr().err
    for frame in os.listdir(frames):
        ET.fromstring((frames / frame).read_text(encoding="utf-8"))
    xml_text(page.read_text(encoding="utf-8"))

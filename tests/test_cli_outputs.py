"""Every file the command line and save() write: a failure leaves the earlier files byte-identical."""

import os
import subprocess
import sys

import pytest

import scalarnet
from scalarnet.cli import main
from test_outputs import snapshot


def mark_earlier(folder):
    """Overwrite every file under `folder` with bytes no command writes, so any change shows."""
    for root, _, names in os.walk(folder):
        for n in names:
            with open(os.path.join(root, n), "wb") as f:
                f.write(b"earlier " + n.encode())


SAVE = [sys.executable, "-c", "import scalarnet, sys; "
        "net = scalarnet.load('iris-mlp'); scalarnet.save(net, 'net.json')"]

# (id, argv after `python -m scalarnet`, or a whole command; what it writes)
WRITERS = [
    ("render-o", ["render", "tutorial-deep", "-o", "x.svg"], "x.svg"),
    ("render-dot", ["render", "tutorial-deep", "--format", "dot", "-o", "x.dot"], "x.dot"),
    ("step-html", ["step", "tutorial-deep", "--html", "x.html"], "x.html"),
    ("step-frames", ["step", "tutorial-deep", "--frames", "frames"], "frames"),
    ("gallery", ["gallery", "gallery"], "gallery"),
    ("demo-out", ["demo", "--out", "demo"], "demo"),
    ("save", SAVE, "net.json"),
]


def _command(argv):
    return argv if argv[0] == sys.executable else [sys.executable, "-m", "scalarnet", *argv]


@pytest.mark.parametrize("argv, written", [w[1:] for w in WRITERS], ids=[w[0] for w in WRITERS])
def test_file_size_limit_leaves_the_earlier_output(tmp_path, argv, written):
    """Under `ulimit -f 1` (1 KiB), every writer fails with one line and changes nothing."""
    first = subprocess.run(_command(argv), cwd=tmp_path, capture_output=True, timeout=120)
    assert first.returncode == 0, first.stderr
    mark_earlier(tmp_path)
    before = snapshot(tmp_path)

    def limit():
        import resource
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    done = subprocess.run(_command(argv), cwd=tmp_path, capture_output=True, text=True,
                          preexec_fn=limit, timeout=120)
    assert snapshot(tmp_path) == before
    if argv is not SAVE:
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("scalarnet: error: "), done.stderr
        assert "File too large" in done.stderr


def test_frames_with_a_folder_in_the_way_leave_the_earlier_frames(tmp_path, capsys):
    frames = tmp_path / "frames"
    assert main(["step", "tutorial-deep", "--frames", str(frames)]) == 0
    mark_earlier(frames)
    (frames / "step-05.svg").unlink()
    (frames / "step-05.svg").mkdir()
    before = snapshot(frames)
    capsys.readouterr()
    assert main(["step", "tutorial-deep", "--frames", str(frames)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scalarnet: error: --frames: cannot write") and "step-05.svg" in err
    assert snapshot(frames) == before


def test_frames_over_a_longer_earlier_run_replace_all_of_it(tmp_path, capsys):
    frames = tmp_path / "frames"
    assert main(["step", "tutorial-deep", "--frames", str(frames)]) == 0  # 14 frames
    (frames / "keep.txt").write_text("mine")
    assert main(["step", "tutorial-deep", "--granularity", "neuron", "--frames", str(frames)]) == 0
    assert sorted(os.listdir(frames)) == ["keep.txt"] + [f"step-{i}.svg" for i in range(1, 6)]


@pytest.mark.parametrize("command", [["gallery", "{dir}"], ["demo", "--out", "{dir}"]],
                         ids=["gallery", "demo"])
def test_folder_writers_with_a_folder_in_the_way_change_nothing(tmp_path, capsys, command):
    out = tmp_path / "out"
    out.mkdir()
    (out / "tutorial-relu.svg").mkdir()  # drawn by both, after tutorial-deep
    (out / "tutorial-deep.svg").write_bytes(b"earlier")
    before = snapshot(out)
    assert main([c.format(dir=out) for c in command]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "tutorial-relu.svg" in err
    assert snapshot(out) == before


def test_save_into_a_folder_in_the_way_leaves_no_temp_file(tmp_path):
    (tmp_path / "net.json").mkdir()
    with pytest.raises(OSError):
        scalarnet.save(scalarnet.load("tutorial-deep"), tmp_path / "net.json")
    assert os.listdir(tmp_path) == ["net.json"]


@pytest.mark.parametrize("bad", ["html", "frames"])
def test_frames_and_html_together_are_all_or_nothing(tmp_path, capsys, bad):
    frames, page = tmp_path / "frames", tmp_path / "p.html"
    assert main(["step", "tutorial-deep", "--frames", str(frames), "--html", str(page)]) == 0
    mark_earlier(tmp_path)
    if bad == "html":
        page.unlink()
        page.mkdir()
    else:
        (frames / "step-05.svg").unlink()
        (frames / "step-05.svg").mkdir()
    before = snapshot(tmp_path)
    capsys.readouterr()
    assert main(["step", "tutorial-deep", "--frames", str(frames), "--html", str(page)]) == 2
    assert capsys.readouterr().err.startswith(f"scalarnet: error: --{bad}: cannot write")
    assert snapshot(tmp_path) == before

"""scalarnet.outputs: one file or a set of files written all at once; a failure changes nothing."""

import errno
import os
import resource
import stat
import subprocess
import sys
import textwrap

import pytest

from scalarnet import outputs
from scalarnet.errors import OutputError
from scalarnet.outputs import replace_dir_atomic, write_atomic


def snapshot(folder):
    """Every file under `folder` (relative path -> bytes), folders as None."""
    result = {}
    for root, dirs, names in os.walk(folder):
        for d in dirs:
            result[os.path.relpath(os.path.join(root, d), folder)] = None
        for n in names:
            path = os.path.join(root, n)
            with open(path, "rb") as f:
                result[os.path.relpath(path, folder)] = f.read()
    return result


# -- write_atomic -------------------------------------------------------------------------------


@pytest.mark.parametrize("data, expected", [("héllo", "héllo".encode()), (b"\x00\xff", b"\x00\xff")],
                         ids=["str-as-utf8", "bytes"])
def test_write_atomic_writes_and_replaces(tmp_path, data, expected):
    path = tmp_path / "out.svg"
    path.write_bytes(b"old")
    assert write_atomic(path, data) == path
    assert path.read_bytes() == expected
    assert os.listdir(tmp_path) == ["out.svg"]


def test_write_atomic_file_mode_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o644


def test_write_atomic_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "secret.json"
    path.write_bytes(b"old")
    path.chmod(0o600)
    write_atomic(path, b"new")
    assert path.stat().st_mode & 0o777 == 0o600


def test_write_atomic_folder_in_the_way_leaves_no_temp(tmp_path):
    (tmp_path / "x.svg").mkdir()
    with pytest.raises(OSError):
        write_atomic(tmp_path / "x.svg", b"data")
    assert os.listdir(tmp_path) == ["x.svg"]


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError(errno.ENOSPC, "No space left on device")],
                         ids=["ctrl-c", "disk-full"])
def test_write_atomic_failure_while_writing_keeps_the_old_file(tmp_path, monkeypatch, failure):
    path = tmp_path / "net.json"
    path.write_bytes(b"the old good file")

    def fail(fd):
        raise failure

    monkeypatch.setattr(outputs.os, "fsync", fail)
    with pytest.raises(failure if isinstance(failure, type) else OSError):
        write_atomic(path, b"new" * 1000)
    assert path.read_bytes() == b"the old good file"
    assert os.listdir(tmp_path) == ["net.json"]


def test_write_atomic_writes_through_a_device_and_keeps_it_one(tmp_path):
    before = os.stat("/dev/null")
    write_atomic("/dev/null", b"gone")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_write_atomic_follows_a_symlink(tmp_path):
    (tmp_path / "real.svg").write_bytes(b"old")
    (tmp_path / "link.svg").symlink_to("real.svg")
    write_atomic(tmp_path / "link.svg", b"new")
    assert (tmp_path / "link.svg").is_symlink()
    assert (tmp_path / "real.svg").read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["link.svg", "real.svg"]


def test_write_atomic_refuses_other_data(tmp_path):
    with pytest.raises(TypeError, match="expected bytes or str to write, got int"):
        write_atomic(tmp_path / "a", 5)
    assert os.listdir(tmp_path) == []


# -- replace_dir_atomic -------------------------------------------------------------------------


def frames(n, text="new"):
    return {f"step-{i:02d}.svg": f"<svg>{text} {i}</svg>" for i in range(1, n + 1)}


def stale_steps(names):
    return [n for n in names if n.startswith("step-")]


def test_replace_dir_new_folder_with_parents(tmp_path):
    folder = tmp_path / "a" / "b"
    paths = replace_dir_atomic(folder, frames(3))
    assert [p.name for p in paths] == ["step-01.svg", "step-02.svg", "step-03.svg"]
    assert snapshot(tmp_path) == {"a": None, os.path.join("a", "b"): None,
                                  **{os.path.join("a", "b", k): v.encode() for k, v in frames(3).items()}}


def test_replace_dir_over_an_earlier_run_removes_its_stale_frames_and_keeps_other_files(tmp_path):
    replace_dir_atomic(tmp_path, frames(14, "old"))
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "step-99.svg").mkdir()  # a folder is never removed as a stale frame
    replace_dir_atomic(tmp_path, frames(5), stale=stale_steps)
    expected = {k: v.encode() for k, v in frames(5).items()}
    assert snapshot(tmp_path) == {**expected, "notes.txt": b"mine", "step-99.svg": None}


def test_replace_dir_folder_in_the_way_changes_nothing(tmp_path):
    replace_dir_atomic(tmp_path, frames(14, "old"))
    (tmp_path / "step-05.svg").unlink()
    (tmp_path / "step-05.svg").mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match="Is a directory") as caught:  # scalarnet's, and an OSError
        replace_dir_atomic(tmp_path, frames(9), stale=stale_steps)
    assert isinstance(caught.value, OSError) and caught.value.errno == errno.EISDIR
    assert snapshot(tmp_path) == before


def test_replace_dir_failure_while_staging_removes_the_folder_it_made(tmp_path, monkeypatch):
    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", fsync)
    with pytest.raises(OSError, match="No space"):
        replace_dir_atomic(tmp_path / "new" / "frames", frames(5))
    assert os.listdir(tmp_path) == []


def test_replace_dir_failure_while_renaming_puts_back_every_file(tmp_path, monkeypatch):
    replace_dir_atomic(tmp_path, frames(6, "old"))
    before = snapshot(tmp_path)
    real = os.replace
    count = []

    def replace(src, dst):
        count.append(dst)
        if len(count) == 7:  # in the middle of the swap
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        replace_dir_atomic(tmp_path, frames(4), stale=stale_steps)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", os.path.join("..", "x")], ids=repr)
def test_replace_dir_refuses_a_path_as_a_name(tmp_path, name):
    with pytest.raises(ValueError, match="is not a plain file name"):
        replace_dir_atomic(tmp_path / "f", {name: b"x"})
    assert os.listdir(tmp_path) == []


# -- a full disk, for real -------------------------------------------------------------------------

_FSIZE_SCRIPT = textwrap.dedent("""
    import sys
    from scalarnet.outputs import write_atomic, replace_dir_atomic
    target = sys.argv[2]
    try:
        if sys.argv[1] == "file":
            write_atomic(target, b"x" * 100_000)
        else:
            replace_dir_atomic(target, {f"step-{i:02d}.svg": b"y" * (9000 if i == 5 else 3000)
                                        for i in range(1, 9)},
                               stale=lambda names: [n for n in names if n.startswith("step-")])
    except OSError as e:
        print(e.errno)
        sys.exit(3)
""")


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_rlimit_fsize_leaves_the_earlier_output_byte_identical(tmp_path, kind):
    # RLIMIT_FSIZE stops any write past 4 KiB with EFBIG (SIGXFSZ ignored, as the shell's ulimit -f)
    if kind == "file":
        target = tmp_path / "out.svg"
        target.write_bytes(b"<svg>earlier</svg>")
    else:
        target = tmp_path
        replace_dir_atomic(target, {f"step-{i:02d}.svg": b"<svg>%d</svg>" % i for i in range(1, 15)})
    before = snapshot(tmp_path)

    def limit():
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run([sys.executable, "-c", _FSIZE_SCRIPT, kind, str(target)],
                          capture_output=True, text=True, preexec_fn=limit, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (3, str(errno.EFBIG)), done.stderr
    assert snapshot(tmp_path) == before


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 64 KiB tmpfs at tmp_path/disk: a disk that really fills up (mounting needs root)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount -t tmpfs was refused here: {done.stderr.strip() or done.returncode}")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def test_full_tmpfs_keeps_the_earlier_file(small_tmpfs):
    target = small_tmpfs / "out.svg"
    write_atomic(target, b"<svg>" + b"a" * 20_000 + b"</svg>")
    before = snapshot(small_tmpfs)
    with pytest.raises(OSError) as caught:
        write_atomic(target, b"b" * 200_000)
    assert caught.value.errno == errno.ENOSPC
    assert snapshot(small_tmpfs) == before


def test_full_tmpfs_keeps_every_earlier_frame(small_tmpfs):
    replace_dir_atomic(small_tmpfs, {f"step-{i:02d}.svg": b"o" * 2000 for i in range(1, 15)})
    before = snapshot(small_tmpfs)
    with pytest.raises(OSError) as caught:
        replace_dir_atomic(small_tmpfs, {f"step-{i:02d}.svg": b"n" * 8000 for i in range(1, 10)},
                           stale=stale_steps)
    assert caught.value.errno == errno.ENOSPC
    assert snapshot(small_tmpfs) == before


def test_api_write_failures_are_scalarnet_errors(tmp_path):
    # the API raises only scalarnet's errors: a write that fails is an OutputError (also an OSError)
    import scalarnet

    net = scalarnet.load("tutorial-deep")
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(scalarnet.ScalarnetError) as caught:
        scalarnet.save(net, tmp_path / "file" / "net.json")
    assert isinstance(caught.value, OSError) and caught.value.filename == str(tmp_path / "file" / "net.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]

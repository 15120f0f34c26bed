"""Writing output files atomically: a failed write leaves what was there before, and no temp file.

`write_atomic` writes one file: the bytes go to a new file in the same folder, which
is flushed to disk and then renamed over the target (`os.replace`, atomic on POSIX and
Windows), so a reader sees the old file or the new one, never a part. A full disk, a
folder in the way or Ctrl-C leaves the old file byte-identical and removes the temp file.

`replace_dir_atomic` writes a set of files into one folder (the frames of a pass, a
gallery): all of them are written beside the target first, and only when every one
is whole are they renamed in; a failure while renaming puts back the files it had
replaced. Files named stale (an earlier run's frames) are removed only on success.

Errors are `OutputError`: a `ScalarnetError` that is also the `OSError` that caused it
(same errno, strerror and filename), so the caller can name the option or path.
"""

from __future__ import annotations

import errno
import functools
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from .errors import OutputError

__all__ = ["StagedFile", "replace_dir_atomic", "write_atomic"]

_TEMP_PREFIX = ".scalarnet-"  # short: a temp name must fit wherever the target's name fits


def _bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"expected bytes or str to write, got {type(data).__name__}")


def _temp_file(folder: str, data: bytes) -> str:
    """A new file in `folder` holding `data`, flushed to disk; removed again on any failure."""
    while True:
        temp = os.path.join(folder, f"{_TEMP_PREFIX}{secrets.token_hex(6)}.tmp")
        try:
            # 0o666 less the umask, as open(path, "w") would give the file
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:  # KeyboardInterrupt too: never leave the temp file
        _remove(temp)
        raise
    return temp


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (best effort: not every system opens a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _output_errors(function):
    """An OSError from `function` comes out as an OutputError with the same errno and text; its
    filename is the one asked for when the error is about one of our temp files."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except OutputError:
            raise
        except OSError as e:
            filename = e.filename
            if filename is not None and os.path.basename(str(filename)).startswith(_TEMP_PREFIX):
                target = args[0] if not isinstance(args[0], StagedFile) else args[0].path
                filename = str(target)
            raise OutputError(e.errno, e.strerror or str(e), filename) from e
    return wrapper


@_output_errors
def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write `data` (str as UTF-8) to `path` all at once; returns the path.

    The folder must exist. On any failure, `path` is as it was and no temp file is left.
    A symbolic link is followed (the file it points to is replaced); a device or a pipe
    (`/dev/stdout`) is written to as it is.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> write_atomic(os.path.join(folder, "a.txt"), "hello").read_text()
    'hello'
    >>> os.listdir(folder)
    ['a.txt']
    """
    return StagedFile(path, data).commit()


class StagedFile:
    """A file written in full beside `path` but not yet in place: `commit()` or `discard()` it.

    For outputs that must all succeed together, e.g. `step --frames DIR --html FILE`:
    stage the page, write the frames, then commit the page (or discard it when the
    frames failed). Raises OutputError, with the temp file removed, when it cannot be written.
    """

    @_output_errors
    def __init__(self, path: str | os.PathLike, data: bytes | str):
        self.path = Path(path)
        self._data = _bytes(data)
        self._temp: str | None = None
        try:
            mode = os.stat(self.path).st_mode
        except OSError:
            mode = None
        if mode is not None and stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(self.path))
        if mode is not None and not stat.S_ISREG(mode):
            return  # /dev/stdout, /dev/null, a named pipe: written through at commit, never replaced
        if self.path.is_symlink():  # replace the file it points to, not the link
            self.path = Path(os.path.realpath(self.path))
        self._temp = _temp_file(str(self.path.parent), self._data)
        if mode is not None:  # the file it replaces keeps its permissions (0600 stays 0600)
            try:
                os.chmod(self._temp, stat.S_IMODE(mode))
            except BaseException:
                self.discard()
                raise

    @_output_errors
    def commit(self) -> Path:
        """Put the file in place (atomically, for a regular file); returns its path."""
        if self._temp is None:
            with open(self.path, "wb") as f:
                f.write(self._data)
            return self.path
        try:
            os.replace(self._temp, self.path)
        except BaseException:
            self.discard()
            raise
        self._temp = None
        _sync_folder(str(self.path.parent))
        return self.path

    def discard(self) -> None:
        """Remove the staged file: `path` stays as it was."""
        if self._temp is not None:
            _remove(self._temp)
            self._temp = None


@_output_errors
def replace_dir_atomic(target_dir: str | os.PathLike, files: Mapping[str, bytes | str],
                       stale: Callable[[list[str]], Iterable[str]] | None = None) -> list[Path]:
    """Write every file of `files` (name -> data) into `target_dir`, all or none; returns the paths.

    `target_dir` is made when missing (with its parents). Other files in it stay, except
    the names `stale(names now in the folder)` returns, which are removed after every new
    file is in place. On any failure the folder holds exactly what it held before (a
    folder this call made is removed again) and no temp file or folder is left.

    >>> import tempfile
    >>> folder = os.path.join(tempfile.mkdtemp(), "frames")
    >>> [p.name for p in replace_dir_atomic(folder, {"a.svg": "<svg/>", "b.svg": b"<svg/>"})]
    ['a.svg', 'b.svg']
    """
    target = Path(target_dir)
    datas = {name: _bytes(data) for name, data in files.items()}
    for name in datas:
        if not name or name in (".", "..") or os.sep in name or (os.altsep and os.altsep in name):
            raise ValueError(f"replace_dir_atomic: {name!r} is not a plain file name")
    if target.exists() and not target.is_dir():
        raise FileExistsError(errno.EEXIST, "File exists", str(target))
    made = _make_folders(target)
    try:
        stage = _stage_folder(target)
        try:
            for name, data in datas.items():
                temp = _temp_file(stage, data)
                os.replace(temp, os.path.join(stage, name))
            # only plain files: a folder that happens to match is not an earlier run's output
            doomed = [] if stale is None else [
                n for n in stale(os.listdir(target))
                if n not in datas and os.path.isfile(os.path.join(target, n))]
            _swap_in(target, stage, list(datas), doomed)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    except BaseException:
        for folder in reversed(made):
            try:
                os.rmdir(folder)
            except OSError:
                pass
        raise
    _sync_folder(str(target))
    return [target / name for name in datas]


def _make_folders(target: Path) -> list[Path]:
    """Make `target` and any missing parents; returns those made, outermost first."""
    missing = []
    folder = target
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    missing.reverse()
    made = []
    try:
        for folder in missing:
            os.mkdir(folder)
            made.append(folder)
    except BaseException:
        for folder in reversed(made):
            os.rmdir(folder)
        raise
    return made


def _stage_folder(target: Path) -> str:
    # Inside the target: the same file system (renames, no copies) and no other folder to write.
    while True:
        stage = os.path.join(target, f"{_TEMP_PREFIX}{secrets.token_hex(6)}.tmp")
        try:
            os.mkdir(stage)
            return stage
        except FileExistsError:
            continue
        except OSError as e:  # named by the folder the user gave, not by the temp name
            raise type(e)(e.errno, e.strerror, str(target)) from None


def _swap_in(target: Path, stage: str, names: list[str], doomed: list[str]) -> None:
    """Rename the staged files in, keeping each replaced or stale file aside until all are in."""
    kept, gone = os.path.join(stage, ".kept"), os.path.join(stage, ".gone")
    os.mkdir(kept)
    os.mkdir(gone)
    done: list[tuple[str, str, bool]] = []  # (what, name, whether an earlier file was set aside)
    try:
        for name in names:
            dest = os.path.join(target, name)
            if os.path.isdir(dest) and not os.path.islink(dest):
                raise IsADirectoryError(21, "Is a directory", dest)
            had = os.path.lexists(dest)
            if had:
                os.replace(dest, os.path.join(kept, name))
            done.append(("new", name, had))
            os.replace(os.path.join(stage, name), dest)
        for name in doomed:
            os.replace(os.path.join(target, name), os.path.join(gone, name))
            done.append(("stale", name, True))
    except BaseException:
        for what, name, had in reversed(done):
            dest = os.path.join(target, name)
            if what == "stale":
                os.replace(os.path.join(gone, name), dest)
                continue
            if os.path.lexists(dest):
                os.remove(dest)
            if had:
                os.replace(os.path.join(kept, name), dest)
        raise

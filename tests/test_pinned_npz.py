"""Reading layer outputs from an .npz (scalarnet.npz), pinned where mutation testing
(benchmarks/mutation.py npz) showed no test looking: which members are read, both .npy
header versions, and each header check with its message, before any data is read."""

import io
import zipfile

import numpy as np
import pytest

from scalarnet.errors import FileFormatError, InputError, ScalarnetError
from scalarnet.npz import read_layers


def _npz(path, members):
    """An .npz of {member name: array}, each written as .npy with the format version given
    (`(array, version)`) or 1.0."""
    with zipfile.ZipFile(path, "w") as z:
        for member, value in members.items():
            array, version = value if isinstance(value, tuple) else (value, (1, 0))
            data = io.BytesIO()
            np.lib.format.write_array(data, array, version=version)
            z.writestr(member, data.getvalue())
    return str(path)


def test_only_the_layers_asked_for_are_read(tmp_path):
    path = _npz(tmp_path / "a.npz", {"hidden1.npy": np.array([[26, 0]]), "junk.npy": np.array([1.5]),
                                     "odd": np.array([[7]])})
    got = read_layers(path, {"hidden1": (1, 2), "odd": (1, 1)})
    assert list(got) == ["hidden1", "junk", "odd"]
    assert got["hidden1"].tolist() == [[26, 0]] and got["odd"].tolist() == [[7]]
    assert got["junk"] is None


def test_npy_versions_1_and_2_read_3_refused(tmp_path):
    path = _npz(tmp_path / "a.npz", {"one.npy": (np.array([[1, 2]]), (1, 0)),
                                     "two.npy": (np.array([[3.5, 4]]), (2, 0))})
    got = read_layers(path, {"one": (1, 2), "two": (1, 2)})
    assert got["one"].tolist() == [[1, 2]] and got["two"].tolist() == [[3.5, 4.0]]
    path = _npz(tmp_path / "b.npz", {"three.npy": (np.array([[1, 2]]), (3, 0))})
    with pytest.raises(FileFormatError) as info:
        read_layers(path, {"three": (1, 2)})
    assert str(info.value) == f"{path}: array 'three' has .npy format version 3.0 (this scalarnet reads 1.0, 2.0)"


@pytest.mark.parametrize("array, shape", [
    (np.array([[1, 2, 3]]), (1, 3)),
    (np.array([1, 2, 3]), (1, 3)),          # one row may be a (width,) array
    (np.array([[1, 2], [3, 4]]), (2, 2)),
    (np.array([[1 + 2j, 3]]), (1, 2)),      # complex128: 16 bytes, the widest number taken
    (np.array([[True, False]]), (1, 2)),
    (np.array([[1, 2]], dtype=np.uint8), (1, 2)),
], ids=["rows", "one-row-flat", "two-rows", "complex128", "bools", "uint8"])
def test_shapes_and_dtypes_taken(tmp_path, array, shape):
    path = _npz(tmp_path / "a.npz", {"h.npy": array})
    assert read_layers(path, {"h": shape})["h"].tolist() == array.tolist()


@pytest.mark.parametrize("array, shape, message", [
    (np.array([1, 2, 3, 4]), (2, 2), "against: layer 'h' has shape (4,) but expected (2, 2) (2 rows x 2 neurons)"),
    (np.array([[1, 2]]), (1, 3), "against: layer 'h' has shape (1, 2) but expected (1, 3) (1 rows x 3 neurons)"),
    (np.array([[1], [2], [3]]), (1, 3), "against: layer 'h' has shape (3, 1) but expected (1, 3) (1 rows x 3 neurons)"),
    (np.array([1, 2]), (2, 1), "against: layer 'h' has shape (2,) but expected (2, 1) (2 rows x 1 neurons)"),
    (np.array([[b"a", b"b"]]), (1, 2), "against: layer 'h' has dtype |S1 (expected numbers: ints or floats)"),
    (np.array([[1, 2]], dtype=np.clongdouble), (1, 2),
     f"against: layer 'h' has dtype {np.dtype(np.clongdouble)} (expected numbers: ints or floats)"),
], ids=["flat-for-two-rows", "too-narrow", "transposed", "flat-for-a-column", "bytes", "complex-wider-than-16"])
def test_header_refused_with_its_message(tmp_path, array, shape, message):
    path = _npz(tmp_path / "a.npz", {"h.npy": array})
    with pytest.raises(InputError) as info:
        read_layers(path, {"h": shape})
    assert str(info.value) == message


def test_object_array_refused_as_a_pickle(tmp_path):
    path = _npz(tmp_path / "a.npz", {"h.npy": np.array([[1, None]], dtype=object)})
    with pytest.raises(FileFormatError) as info:
        read_layers(path, {"h": (1, 2)})
    assert str(info.value) == (f"{path}: array 'h' holds Python objects, which only pickle can read "
                               "(refused: loading a pickle can run any code); save numbers")
    assert issubclass(FileFormatError, ScalarnetError)


class _Alarm:
    """Unpickling this writes a file: the test sees whether any unpickling happened."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_the_read_itself_never_unpickles_even_past_the_header_check(tmp_path, monkeypatch):
    """Two guards keep pickles out: the header check refuses object dtypes, and the data is read
    with allow_pickle=False. Each must hold alone, so the second is tested with the first out of
    the way (were the header check ever loosened, a pickle would still not run)."""
    import scalarnet.npz

    alarm = tmp_path / "unpickled"
    hidden1 = np.empty((1, 2), dtype=object)
    hidden1[0, 0], hidden1[0, 1] = _Alarm(str(alarm)), 0
    path = _npz(tmp_path / "a.npz", {"hidden1.npy": hidden1})
    monkeypatch.setattr(scalarnet.npz, "_check_header", lambda *args: None)
    with pytest.raises(ValueError, match="allow_pickle=False"):
        read_layers(path, {"hidden1": (1, 2)})
    assert not alarm.exists()

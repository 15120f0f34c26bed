"""Reading layer outputs from an .npz file: only the arrays asked for, each checked from its header first.

An .npz is a zip of .npy files, and numpy.load would read any member asked for in
full. A file of a few MiB can hold a compressed array of GiBs, so each wanted
member's header (shape and dtype) is read and checked before its data, and
members that no layer names are never read. Object arrays need pickle: refused.
"""

from __future__ import annotations

import zipfile

import numpy as np

from .errors import FileFormatError, InputError

__all__ = ["read_layers"]

_MAX_ITEMSIZE = 16  # complex128: wider dtypes (long strings, records) are not layer outputs


def read_layers(path: str, shapes: dict[str, tuple[int, int]]) -> dict[str, np.ndarray | None]:
    """Layer name -> its array, for each name in `shapes` (name -> (rows, width)) found in the file.

    The names of other members map to None (their data is not read). An array whose
    header gives another shape (a (width,) array for one row is fine), or a dtype that
    is not a number, raises before any of its data is read.
    """
    fmt = np.lib.format
    result: dict[str, np.ndarray | None] = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            name = member[:-4] if member.endswith(".npy") else member
            if name not in shapes:
                result[name] = None
                continue
            with archive.open(member) as f:
                version = fmt.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = fmt.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, _, dtype = fmt.read_array_header_2_0(f)
                else:
                    raise FileFormatError(f"{path}: array {name!r} has .npy format version "
                                          f"{version[0]}.{version[1]} (this scalarnet reads 1.0, 2.0)")
            _check_header(name, shape, dtype, shapes[name], path)
            with archive.open(member) as f:
                result[name] = fmt.read_array(f, allow_pickle=False)
    return result


def _check_header(name: str, shape: tuple, dtype: np.dtype, expected: tuple[int, int],
                  path: str) -> None:
    rows, width = expected
    if dtype.hasobject:
        raise FileFormatError(f"{path}: array {name!r} holds Python objects, which only pickle "
                              "can read (refused: loading a pickle can run any code); save numbers")
    if dtype.kind not in "biufc" or dtype.itemsize > _MAX_ITEMSIZE:
        raise InputError(f"against: layer {name!r} has dtype {dtype} (expected numbers: ints or floats)")
    if shape != (rows, width) and not (rows == 1 and shape == (width,)):
        raise InputError(f"against: layer {name!r} has shape {shape} but expected "
                         f"{(rows, width)} ({rows} rows x {width} neurons)")

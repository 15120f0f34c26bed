"""The `scalarnet convert` command: a network file to JSON or ONNX (and Keras files read)."""

from __future__ import annotations

import argparse
import os

from . import files
from .cli import CLIError, load_net, print  # print: names escaped for the terminal

#: What convert writes, by the output file's suffix.
OUTPUTS = (".json", ".onnx")


def add_commands(sub) -> None:
    p = sub.add_parser("convert", help="convert a network file: .json <-> .onnx; reads .keras and "
                       ".h5 too (ONNX weights are float64: ints become floats)")
    p.add_argument("net", metavar="IN", help="a network file (.json, .onnx, .keras, .h5) or a "
                   "bundled example's name")
    p.add_argument("output", metavar="OUT", help="the file to write: .json or .onnx")
    p.set_defaults(func=cmd_convert)


def cmd_convert(args: argparse.Namespace) -> int:
    suffix = os.path.splitext(args.output)[1].lower()
    if suffix not in OUTPUTS:
        raise CLIError(f"OUT {args.output!r}: convert writes {' or '.join(OUTPUTS)} files, "
                       f"not {suffix or 'a file without a suffix'!r}")
    net = load_net(args)  # read (and checked) before anything is written
    if suffix == ".onnx":
        from .onnx_io import to_onnx

        data = to_onnx(net).SerializeToString()
    else:
        data = files.dumps(net).encode("utf-8")
    try:
        _write_atomic(args.output, data)
    except OSError as e:
        raise CLIError(f"OUT: cannot write {args.output!r} ({e.strerror})") from None
    print(f"{args.output}: {net.name} ({'-'.join(map(str, net.widths))}), "
          f"{len(data) / 1024:.1f} KiB")
    return 0


def _write_atomic(path: str, data: bytes) -> None:
    from .onnx_io import _write_atomic as write

    write(path, data)

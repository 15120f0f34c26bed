"""The `scalarnet` command: the only place in the package that prints.

Every command takes NET, a network file or a bundled example's name. A bad input
of any kind prints one line, `scalarnet: error: ...`, on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import builtins
import csv
import io
import json
import os
import re
import sys
from fractions import Fraction

from . import files, limits
from .backprop import LOSSES, gradients
from .errors import InputError, ScalarnetError
from .network import Network
from .numbers import MAX_DIGITS, fmt
from .outputs import replace_dir_atomic, write_atomic
from .terminal import one_line, terminal_text
from .trace import values_text


class CLIError(ScalarnetError, ValueError):
    """A command-line argument that cannot be used."""


def print(*values, sep: str = " ", end: str = "\n", file=None, flush: bool = False) -> None:
    """The built-in print, but names from a file cannot send escape sequences to the terminal.

    Every print of this module goes through here; SVG and DOT written to stdout do not.
    """
    text = sep.join(str(v) for v in values)
    builtins.print(terminal_text(text), end=end, file=file, flush=flush)


# -- arguments shared by the commands ---------------------------------------------------------


def parse_number(text: str, place: str = "--input") -> int | float | Fraction:
    """A number typed on the command line: `40` is an int, `0.5` and `nan` floats, `1/3` exact."""
    for kind in (int, Fraction, float):
        if kind is Fraction and "/" not in text:
            continue
        try:
            return kind(text)
        except (ValueError, ZeroDivisionError):
            pass
    raise CLIError(f"{place}: {text!r} is not a number")


def parse_input(tokens: list[str], net: Network) -> list:
    """`--input 40 0` in input order, or `--input age=40 retired=0` by name."""
    if any("," in t for t in tokens):  # --input 3,5: a newcomer's first try
        spaced = " ".join(v for t in tokens for v in t.split(",") if v)
        raise CLIError(f"--input: {' '.join(tokens)!r}: separate values with spaces "
                       f"(--input {spaced}); a decimal point is '.'")
    named = ["=" in t for t in tokens]
    if any(named) and not all(named):
        raise CLIError("--input: give every value by position (40 0) or every one by name "
                       "(age=40 retired=0), not a mix")
    if not all(named):
        return net.input_values([parse_number(t) for t in tokens])
    by_name = {}
    for t in tokens:
        name, _, value = t.partition("=")
        if name in by_name:
            raise CLIError(f"--input: {name!r} is given twice")
        by_name[name] = parse_number(value, f"--input {name}")
    return net.input_values(by_name)


def csv_rows(path: str, option: str):
    """(header, rows) of a CSV file: the header's names stripped, then (line number, cells) for
    each row that is not blank. Read whole but capped (`--inputs /dev/zero` never ends), a BOM
    (as Excel writes) skipped; every problem is one CLIError naming the file and line."""
    try:
        text = limits.read_capped(path, path).decode("utf-8-sig")
    except OSError as e:
        raise CLIError(f"{option}: cannot read {path!r} ({e.strerror})") from None
    except UnicodeDecodeError as e:
        raise CLIError(f"{path}: not UTF-8 text ({e.reason})") from None
    limits.check_lines(text, path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        rows = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as e:
        raise CLIError(f"{path}, line {reader.line_num}: {e}") from None
    return (None if header is None else [h.strip() for h in header]), rows


def read_rows(path: str, net: Network) -> list[list]:
    """The rows of a CSV file whose header names the network's inputs (in any order)."""
    header, lines = csv_rows(path, "--inputs")
    if header is None:
        raise CLIError(f"{path}: empty file (expected a header naming the inputs: "
                       f"{', '.join(net.inputs)})")
    if header and all(_is_number(h) for h in header):
        raise CLIError(f"{path}, line 1: {','.join(header)!r} is data, but line 1 must be a "
                       f"header naming the inputs: {','.join(net.inputs)}")
    _check_header(header, net, f"{path}, line 1")
    rows = []
    for line, cells in lines:
        if len(cells) != len(header):
            count = "1 value" if len(cells) == 1 else f"{len(cells)} values"
            raise CLIError(f"{path}, line {line}: {count} but the header has {len(header)} columns")
        values = {h: parse_number(c.strip(), f"{path}, line {line}, column {h!r}")
                  for h, c in zip(header, cells)}
        rows.append(net.input_values(values))
    if not rows:
        raise CLIError(f"{path}: no rows after the header")
    return rows


def _is_number(text: str) -> bool:
    try:
        parse_number(text)
    except CLIError:
        return False
    return True


def _check_header(header: list[str], net: Network, place: str) -> None:
    """Every column names an input, once, and every input has a column."""
    for i, name in enumerate(header):
        if name in header[:i]:
            raise CLIError(f"{place}: column {name!r} is given twice")
    try:
        net.input_values(dict.fromkeys(header, 0))  # the names checked as for an input by name
    except InputError as e:
        raise CLIError(f"{place}: {e}") from None


def load_net(args: argparse.Namespace) -> Network:
    return files.load(args.net, activation=getattr(args, "activation", None))


def one_input(args: argparse.Namespace, net: Network) -> list:
    """The --input values, or the network's example input when none are given."""
    if args.input:
        return parse_input(args.input, net)
    if net.example_input is not None:
        return net.example_input
    raise CLIError(f"--input is needed: network {net.name!r} has no example input "
                   f"(its inputs: {', '.join(net.inputs)})")


def all_rows(args: argparse.Namespace, net: Network) -> list[list]:
    """The rows of --inputs CSV, or the one row of --input (or the example input)."""
    if args.inputs and args.input:
        raise CLIError("give either --input or --inputs, not both")
    return read_rows(args.inputs, net) if args.inputs else [one_input(args, net)]


def _json(data) -> str:
    # Fractions and Decimals are written as strings ("1/3"): JSON has no exact form for them.
    try:
        return json.dumps(data, default=str)
    except ValueError:  # an int longer than str() writes
        raise CLIError(f"--json: an int of more than {sys.get_int_max_str_digits()} digits cannot "
                       "be written as JSON (without --json its first and last digits and its length are printed)") from None


def _jobs(text: str) -> int:
    """--jobs: a whole number of processes, 1 or more."""
    if not (text.isdecimal() and len(text) <= 4 and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"expected a whole number of processes from 1 up, got {text!r}")
    return int(text)


def _digits(text: str) -> int:
    """--digits: a whole number of significant digits, 1 to 17."""
    if not (text.isdecimal() and len(text) <= 2 and 1 <= int(text) <= MAX_DIGITS):
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_DIGITS}, got {text!r}")
    return int(text)


def add_net_arguments(p: argparse.ArgumentParser, inputs_file: bool = False) -> None:
    p.add_argument("net", metavar="NET", help="a network file (.json, .onnx, .keras, .h5) or a "
                   "bundled example's name")
    p.add_argument("--input", nargs="+", metavar="VALUE",
                   help="input values in order (40 0) or by name (age=40 retired=0); "
                        "default: the network's example input")
    if inputs_file:
        p.add_argument("--inputs", metavar="CSV",
                       help="a CSV file of rows; its header names the inputs")
        p.add_argument("--jobs", type=_jobs, metavar="N",
                       help="processes for the rows of --inputs (default: one per core for more"
                            " than a few hundred rows of a network big enough, else 1)")
    p.add_argument("--activation", help="replace the hidden layers' activation "
                   "(for a tutorial weight dict: its hidden activation)")


# -- commands -----------------------------------------------------------------------------------


def cmd_examples(args: argparse.Namespace) -> int:
    for name in files.examples():
        print(f"{name:18} {files.load(name).description}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .parallel import run_rows

    net = load_net(args)
    rows = all_rows(args, net)
    if args.inputs:
        if args.json:
            print(_json(run_rows(net, rows, _trace_dict, args.jobs, progress=True)))
            return 0
        # many rows (a 1 MB CSV holds ~150,000): the outputs alone, not every row's trace
        outputs = net.forward_many(rows, workers=args.jobs, progress=True)
        for row, output in zip(rows, outputs):
            given = " ".join(f"{k}={fmt(v)}" for k, v in zip(net.inputs, row))
            print(f"{given} -> {values_text(output, args.digits)}")
        return 0
    trace = net.trace(rows[0])
    if args.json:
        print(_json(trace.to_dict()))
    else:
        for layer in trace.layers:
            print(f"{layer.name} ({layer.activation.name}): {values_text(layer.a, args.digits)}")
        print(f"output: {values_text(trace.output, args.digits)}")
    return 0


def _trace_dict(net: Network, row: list) -> dict:
    """One row of `run --inputs` (computed in a worker process when there are --jobs)."""
    return net.trace(row).to_dict()


def cmd_explain(args: argparse.Namespace) -> int:
    net = load_net(args)
    print(net.trace(one_input(args, net)).text(args.digits))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .crosscheck import compare

    net = load_net(args)
    report = compare(net, all_rows(args, net), against=args.against, rtol=args.rtol,
                     atol=args.atol, workers=args.jobs, progress=True)
    print(report.text(args.digits))
    return 0 if report.ok else 1


def cmd_gradients(args: argparse.Namespace) -> int:
    net = load_net(args)
    x = one_input(args, net)
    target = [parse_number(t, "--target") for t in args.target]
    g = gradients(net, x, target, args.loss)
    if args.json:
        print(_json(g.to_dict()))
    else:
        print(g.trace.text(args.digits))
        print()
        print(g.text(args.digits))
    return 0


ENGINES = ("auto", "system", "wasm")
ENGINE_HELP = ("auto (default): the system Graphviz when 'dot' is installed, else the embedded "
               "one; system; wasm (embedded, SVG only)")


def _write(path: str, data: bytes, option: str) -> str:
    """Write `data` to `path` atomically (making its folder); returns the path. Errors name the option."""
    try:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        write_atomic(path, data)
    except OSError as e:
        raise CLIError(f"{option}: cannot write {path!r} ({e.strerror})") from None
    return path


def _write_files(folder: str, data: dict[str, bytes | str], option: str, stale=None) -> list[str]:
    """Write a set of files into `folder`, all or none (see outputs.replace_dir_atomic)."""
    try:
        written = replace_dir_atomic(folder, data, stale)
    except OSError as e:
        where = e.filename if e.filename is not None else folder
        raise CLIError(f"{option}: cannot write {str(where)!r} ({e.strerror})") from None
    return [str(p) for p in written]


# -- the parser -----------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 2 like every other bad input.

    A value like -1/3, -1e3 or -inf is a number, not an option (argparse's own test
    knows only -1 and -1.5), so `--input -1/3 5` works.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)

    def error(self, message: str):
        raise CLIError(message)


class _Version(argparse.Action):
    """--version: looked up only when asked for (importlib.metadata costs start-up time)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from .version import __version__

        print(f"scalarnet {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="scalarnet",
        description="See exactly what a neural network computes, one neuron at a time.")
    parser.add_argument("--version", action=_Version, help="print scalarnet's version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("examples", help="list the bundled example networks")
    p.set_defaults(func=cmd_examples)

    p = sub.add_parser("run", help="each layer's values and the output")
    add_net_arguments(p, inputs_file=True)
    p.add_argument("--json", action="store_true", help="print JSON: inputs, layers (z, a), output")
    p.add_argument("--digits", type=_digits, help="significant digits for floats")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("explain", help="the whole arithmetic, layer by layer, as in the tutorial")
    add_net_arguments(p)
    p.add_argument("--digits", type=_digits, help="significant digits for floats")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("compare", help="check the numpy matrix pass, or your own layer outputs "
                       "(--against), against the scalar engine; exit 1 on a difference")
    add_net_arguments(p, inputs_file=True)
    p.add_argument("--against", metavar="NPZ",
                   help="an .npz file with each layer's outputs (after the activation), "
                        "rows x width, named by layer; default: scalarnet's own numpy pass")
    p.add_argument("--rtol", type=float, help="relative tolerance (default by dtype: 1e-9 for "
                   "float64, 1e-5 for float32)")
    p.add_argument("--atol", type=float, help="absolute tolerance (default: the dtype's smallest "
                   "normal number, 2.2e-308 for float64, 1.2e-38 for float32)")
    p.add_argument("--digits", type=_digits, default=6,
                   help="significant digits for floats in the arithmetic line (default 6)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("gradients", help="the backward pass for one input and target: every "
                       "dL/da, dL/dz, dL/dw and dL/dbias, worked out like the forward pass")
    add_net_arguments(p)
    p.add_argument("--target", nargs="+", required=True, metavar="VALUE",
                   help="the output wanted, one value per output neuron (cross_entropy: "
                        "probabilities adding up to 1, e.g. 0 1 0)")
    p.add_argument("--loss", choices=LOSSES, default="mse",
                   help="mse (default, 1/2*sum (a - t)^2, any output), cross_entropy (softmax "
                        "output) or binary_cross_entropy (sigmoid output)")
    p.add_argument("--json", action="store_true", help="print JSON: the loss, each layer's "
                   "da, dz, dw and dbias, the inputs' gradients")
    p.add_argument("--digits", type=_digits, help="significant digits for floats")
    p.set_defaults(func=cmd_gradients)

    # the command groups import this module's helpers, so they are imported here
    from . import cli_exercise, cli_models, cli_render, cli_step, cli_train
    for group in (cli_render, cli_step, cli_train, cli_exercise, cli_models):
        group.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 a difference found, 2 bad input)."""
    # A name in a network file may hold anything JSON can, a lone surrogate too: print it
    # escaped rather than die with UnicodeEncodeError halfway through the output.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except ScalarnetError as e:
        print(f"scalarnet: error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # not a bad input but the machine (a limit, a device): still one line
        where = f"{e.filename}: " if e.filename else ""
        print(f"scalarnet: error: {one_line(where + (e.strerror or str(e)))}", file=sys.stderr)
        return 2
    except MemoryError:
        print("scalarnet: error: out of memory (the input is too big for this machine's memory "
              "or its ulimit -v)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

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
from .debugger import STOP_ON, Console, Debugger
from .errors import InputError, ScalarnetError
from .network import Network
from .numbers import MAX_DIGITS, fmt
from .outputs import StagedFile, replace_dir_atomic, write_atomic
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


GRANULARITIES = ("op", "neuron", "layer")  # finest first
#: --frames/--html draw at most this many steps by default: each is a whole diagram (~30 ms)
MAX_PICTURE_STEPS = 200


def _count(text: str) -> int:
    """A whole number >= 1 (--max-steps)."""
    if not (text.isdecimal() and 1 <= int(text)):
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


TUTORIAL = ("tutorial-forward", "tutorial-tanh", "tutorial-relu", "tutorial-deep")
ENGINES = ("auto", "system", "wasm")
ENGINE_HELP = ("auto (default): the system Graphviz when 'dot' is installed, else the embedded "
               "one; system; wasm (embedded, SVG only)")


def cmd_demo(args: argparse.Namespace) -> int:
    from . import player
    from .diagram import diagram
    from .rendering import RenderError, render

    pictures, text = {}, []
    for number, name in enumerate(TUTORIAL, start=1):
        net = files.load(name)
        trace = net.trace(net.example_input)
        text += [f"== Example {number}: {name} ==", net.description, trace.text(args.digits), ""]
        pictures[f"{name}.svg"] = diagram(net, trace)
    try:
        svgs = {name: render(picture, "svg", args.engine) for name, picture in pictures.items()}
        deep = files.load("tutorial-deep")
        built = player.frames(deep, deep.example_input)
        page = player.player_html(deep, built, player.render_frames(built, args.engine))
        sheet = cli_exercise.demo_sheet(args.engine)
    except RenderError as e:  # the arithmetic stands; only the drawings are missing
        print("\n".join(text))
        print(f"scalarnet: diagrams not drawn: {e}", file=sys.stderr)
        return 0
    # written before anything is printed: a folder that cannot be written is one line, not half a demo
    page_name, sheet_name = "tutorial-deep-steps.html", "tutorial-deep-exercise.html"
    paths = _write_files(args.out, {page_name: page, sheet_name: sheet, **svgs}, "--out")
    print("\n".join(text))
    print(f"The deep network step by step (open it in a browser): {paths[0]}")
    print(f"An exercise: the deep network with blanks to fill in and check: {paths[1]}")
    print("Diagrams:")
    for path in paths[2:]:
        print(path)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from .diagram import diagram

    net = load_net(args)
    if args.diff or args.sgd_step:  # what changed: drawn by diagram_diff
        from .cli_train import change_picture

        return _output_picture(args, change_picture(args, net))
    if args.weights_only and args.input:
        raise CLIError("give either --input or --weights-only, not both")
    if args.target and args.weights_only:
        raise CLIError("--target draws gradients, which need the values: drop --weights-only")
    if args.target and args.view in ("network", "layers"):
        raise CLIError(f"--target draws gradients in the ops view: drop --view {args.view}")
    trace = grads = None
    if not args.weights_only and (args.input or net.example_input is not None):
        trace = net.trace(one_input(args, net))
    if args.target:
        if trace is None:
            raise CLIError(f"--target needs --input: network {net.name!r} has no example input")
        target = [parse_number(t, "--target") for t in args.target]
        grads, trace = gradients(net, trace.input_values, target, args.loss), None
    view = args.view or ("ops" if args.neuron or args.layer or grads else "network")
    format = args.format or _format_of(args.output) or "svg"
    if format in ("png", "pdf") and args.output in (None, "-"):
        raise CLIError(f"--format {format}: give the file to write with -o FILE")
    picture = diagram(net, trace, view=view, neuron=args.neuron, layer=args.layer,
                      threshold=args.threshold, digits=args.digits, gradients=grads)
    return _output_picture(args, picture, format)


def _output_picture(args: argparse.Namespace, picture, format: str | None = None) -> int:
    """Render the picture and write it to -o (or stdout); one line saying what was written."""
    from .rendering import choose_engine, render

    format = format or args.format or _format_of(args.output) or "svg"
    if format in ("png", "pdf") and args.output in (None, "-"):
        raise CLIError(f"--format {format}: give the file to write with -o FILE")
    data = render(picture, format, args.engine)
    if args.output in (None, "-"):
        text = data.decode("utf-8")
        # into a file or a pipe as rendered; on a terminal, a name's C1 controls shown escaped
        sys.stdout.write(terminal_text(text) if sys.stdout.isatty() else text)
        return 0
    engine = choose_engine(args.engine, format)
    how = "DOT source" if engine == "none" else f"Graphviz engine {engine!r}"
    # `-o out`: no extension to tell the format, so SVG, and the line says so
    chosen = ("," if args.format or _format_of(args.output)
              else ", format svg: the name has no extension, --format chooses another;")
    print(f"{_write(args.output, data, '-o')} ({len(data) / 1024:.1f} KiB{chosen} {how})")
    return 0


def cmd_gallery(args: argparse.Namespace) -> int:
    from . import gallery

    for path in _write_files(args.dir, gallery.render_all(args.engine), "DIR"):
        print(path)
    return 0


def _format_of(path: str | None) -> str | None:
    """The image format a file name asks for (`deep.png` -> png), or None when it has no suffix."""
    suffix = os.path.splitext(path or "")[1].lower().lstrip(".")
    if not suffix:
        return None
    if suffix not in ("svg", "png", "pdf", "dot", "gv"):
        # writing SVG into deep.jpeg would make a file that no viewer opens as a JPEG
        raise CLIError(f"-o {path}: unknown image format {suffix!r} (known: svg, png, pdf, dot); "
                       "name the file .svg, .png, .pdf or .dot, or give --format")
    return {"gv": "dot"}.get(suffix, suffix)


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


def cmd_step(args: argparse.Namespace) -> int:
    net = load_net(args)
    x = one_input(args, net)
    target = None if args.target is None else [parse_number(t, "--target") for t in args.target]
    net.trace(x)  # a pass that cannot be computed (e.g. 10**400 * 1.5) is one line, before any prompt
    if args.frames or args.html:
        return _step_pictures(args, net, x, target)
    from . import cli_step

    bounded = [name for name in args.stop_on or () if name in ("magnitude", "vanishing", "exploding")]
    if bounded and args.bound is None:
        what = {"magnitude": "the magnitude past which to stop",
                "vanishing": "the |dL/dz| below which to stop",
                "exploding": "the |dL/dz| above which to stop"}[bounded[0]]
        raise CLIError(f"--stop-on {bounded[0]} needs --bound N: {what} "
                       f"(e.g. --stop-on {bounded[0]} --bound 1000)")
    bound = None if args.bound is None else parse_number(args.bound, "--bound")
    dbg = Debugger(net, x, args.granularity, stop_on=args.stop_on or (), bound=bound,
                   digits=args.digits, target=target, loss=args.loss)
    for name in args.breakpoints or ():
        dbg.break_at(name)
    console = Console(dbg)
    print(console.start(go=bool(args.breakpoints or args.stop_on)), flush=True)
    cli_step.session(console)
    return 0


def _step_pictures(args: argparse.Namespace, net: Network, x: list, target: list | None) -> int:
    """--frames DIR (one SVG per step) and --html FILE (the player): the whole pass, no session."""
    from . import player

    if args.breakpoints or args.stop_on:
        raise CLIError("--frames and --html draw the whole pass: --break and --stop-on are "
                       "for the interactive session")
    digits = player.DIGITS if args.digits is None else args.digits
    _check_step_count(args, net, x, target)
    built = player.frames(net, x, args.granularity, digits, target=target, loss=args.loss)
    svgs = player.render_frames(built, args.engine)
    page = None
    if args.html:  # written in full first, put in place only once the frames are: all or nothing
        try:
            page = StagedFile(args.html, player.player_html(net, built, svgs))
        except OSError as e:
            raise CLIError(f"--html: cannot write {args.html!r} ({e.strerror})") from None
    try:
        if args.frames:
            names = player.frame_names(len(svgs))
            # all frames or none; an earlier run's frames would mix with these: removed on success
            _write_files(args.frames, dict(zip(names, svgs)), "--frames",
                         stale=lambda found: player.stale_frames(found, len(svgs)))
            count = f"{len(svgs)} frame{'s' if len(svgs) != 1 else ''}"
            print(f"{count}: {os.path.join(args.frames, names[0])} ... {names[-1]}")
        if page is not None:
            try:
                page.commit()
            except OSError as e:
                raise CLIError(f"--html: cannot write {args.html!r} ({e.strerror})") from None
            print(f"{args.html}: a player of {len(svgs)} steps")
    finally:
        if page is not None:
            page.discard()
    return 0


def _check_step_count(args: argparse.Namespace, net: Network, x: list, target: list | None) -> None:
    """Refuse --frames/--html past --max-steps before drawing: every step is a whole diagram."""
    import itertools

    def steps(granularity):
        return net.steps(x, granularity, target=target, loss=args.loss)

    limit = args.max_steps
    if sum(1 for _ in itertools.islice(steps(args.granularity), limit + 1)) <= limit:
        return
    option = "--html" if args.html else "--frames"
    coarser = GRANULARITIES[GRANULARITIES.index(args.granularity) + 1:]
    advice = " or ".join(f"--granularity {g} ({sum(1 for _ in steps(g))} steps)" for g in coarser)
    raise CLIError(f"{option}: network {net.name!r} has more than {limit} steps at --granularity "
                   f"{args.granularity}, and each is a whole diagram: use {advice + ', or ' if advice else ''}"
                   f"--max-steps N to draw more (slow: about 30 ms a step)")


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
    from . import cli_models
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

    p = sub.add_parser("demo", help="walk through the tutorial's four examples, and draw them")
    p.add_argument("--digits", type=_digits, help="significant digits for floats")
    p.add_argument("--out", metavar="DIR", default="scalarnet-demo",
                   help="the folder for the four diagrams (default: ./scalarnet-demo)")
    p.add_argument("--engine", choices=ENGINES, default="auto", help=ENGINE_HELP)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("render", help="draw the network with every weight and, for an input, "
                       "every value (SVG, PNG, PDF or DOT)")
    add_net_arguments(p)
    p.add_argument("--weights-only", action="store_true",
                   help="draw weights and biases only, no values (also for an example)")
    p.add_argument("--view", choices=("network", "ops", "layers"),
                   help="network: neurons and weights (default); ops: every multiply, add, "
                        "bias and activation as its own node; layers: one box per layer "
                        "(for big networks)")
    p.add_argument("--neuron", metavar="LAYER.NEURON", help="ops view of this neuron only")
    p.add_argument("--layer", metavar="NAME", help="ops view of this layer only")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="the file to write (default: SVG or DOT to stdout)")
    p.add_argument("--format", choices=("svg", "png", "pdf", "dot"),
                   help="default: from the -o file name, else svg; pdf needs the system "
                        "Graphviz; png uses it when installed, else resvg")
    p.add_argument("--engine", choices=ENGINES, default="auto", help=ENGINE_HELP)
    p.add_argument("--target", nargs="+", metavar="VALUE",
                   help="also draw every gradient for this target (the ops view)")
    p.add_argument("--loss", choices=LOSSES, default="mse",
                   help="the loss for --target (default mse)")
    p.add_argument("--threshold", type=int, default=12, metavar="N",
                   help="draw a layer or sum of more than N items as its first and last few "
                        "(default 12)")
    p.add_argument("--digits", type=_digits, default=4,
                   help="significant digits for floats (default 4)")
    p.add_argument("--diff", metavar="OLD", help="draw what changed from network OLD: every "
                   "weight and bias as old -> new")
    p.add_argument("--sgd-step", metavar="LR", help="draw one gradient-descent step for --input "
                   "and --target: before - LR*gradient = after")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("gallery", help="remake the gallery of diagrams (render/ in the repository)")
    p.add_argument("dir", metavar="DIR", nargs="?", default="render",
                   help="the folder to write (default: render)")
    p.add_argument("--engine", choices=ENGINES, default="wasm",
                   help="default wasm: the same bytes on any machine, which the gallery test checks")
    p.set_defaults(func=cmd_gallery)

    p = sub.add_parser("step", help="step through the forward (and backward) pass: next, back, "
                       "breakpoints, frames")
    add_net_arguments(p)
    p.add_argument("--granularity", choices=GRANULARITIES, default="op",
                   help="a step is one multiply-add (op, the default), a neuron or a layer")
    p.add_argument("--break", dest="breakpoints", action="append", metavar="NAME",
                   help="start at the first step of this layer or neuron (repeatable)")
    p.add_argument("--target", nargs="+", metavar="VALUE",
                   help="go on into the backward pass for this target (one value per output)")
    p.add_argument("--loss", choices=LOSSES, default="mse",
                   help="the loss for --target (default mse)")
    p.add_argument("--stop-on", action="append", choices=STOP_ON,
                   help="start at the first NaN/infinity (nan), a dead ReLU (dead-relu), a "
                        "value beyond --bound (magnitude), or with --target a dL/dz below "
                        "(vanishing) or above (exploding) --bound; repeatable")
    p.add_argument("--bound", metavar="NUMBER",
                   help="the bound for --stop-on magnitude, vanishing and exploding")
    p.add_argument("--digits", type=_digits, help="significant digits for floats "
                   "(default: in full; 4 in --frames and --html)")
    p.add_argument("--frames", metavar="DIR", help="write one SVG per step into DIR and exit")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML player of the "
                   "steps and exit")
    p.add_argument("--engine", choices=ENGINES, default="auto",
                   help="the Graphviz for --frames and --html: " + ENGINE_HELP)
    p.add_argument("--max-steps", type=_count, default=MAX_PICTURE_STEPS, metavar="N",
                   help=f"--frames and --html draw at most N steps (default {MAX_PICTURE_STEPS}): "
                        "a bigger pass is refused before any drawing")
    p.set_defaults(func=cmd_step)
    cli_exercise.add_commands(sub)

    from . import cli_train  # here: cli_train imports this module's helpers
    cli_train.add_commands(sub)
    cli_models.add_commands(sub)
    return parser


from . import cli_exercise  # noqa: E402  (it imports this module's helpers)


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

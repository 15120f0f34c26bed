"""The `scalarnet` command: the only place in the package that prints.

Every command takes NET, a network file or a bundled example's name. A bad input
of any kind prints one line, `scalarnet: error: ...`, on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from fractions import Fraction

from . import files
from .backprop import LOSSES, gradients
from .debugger import STOP_ON, Console, Debugger
from .errors import InputError, ScalarnetError
from .network import Network
from .numbers import MAX_DIGITS, fmt
from .trace import values_text


class CLIError(ScalarnetError, ValueError):
    """A command-line argument that cannot be used."""


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


def read_rows(path: str, net: Network) -> list[list]:
    """The rows of a CSV file whose header names the network's inputs (in any order)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: a BOM, as Excel writes
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise CLIError(f"{path}: empty file (expected a header naming the inputs: "
                               f"{', '.join(net.inputs)})")
            header = [h.strip() for h in header]
            _check_header(header, net, f"{path}, line 1")
            rows = []
            for cells in reader:
                line = reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    count = "1 value" if len(cells) == 1 else f"{len(cells)} values"
                    raise CLIError(f"{path}, line {line}: {count} but the header has {len(header)} columns")
                values = {h: parse_number(c.strip(), f"{path}, line {line}, column {h!r}")
                          for h, c in zip(header, cells)}
                rows.append(net.input_values(values))
    except OSError as e:
        raise CLIError(f"--inputs: cannot read {path!r} ({e.strerror})") from None
    except UnicodeDecodeError as e:
        raise CLIError(f"{path}: not UTF-8 text ({e.reason})") from None
    except csv.Error as e:
        raise CLIError(f"{path}, line {reader.line_num}: {e}") from None
    if not rows:
        raise CLIError(f"{path}: no rows after the header")
    return rows


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
                       "be written as JSON (without --json it prints in full)") from None


def _digits(text: str) -> int:
    """--digits: a whole number of significant digits, 1 to 17."""
    if not (text.isdecimal() and len(text) <= 2 and 1 <= int(text) <= MAX_DIGITS):
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_DIGITS}, got {text!r}")
    return int(text)


def add_net_arguments(p: argparse.ArgumentParser, inputs_file: bool = False) -> None:
    p.add_argument("net", metavar="NET", help="a network file or a bundled example's name")
    p.add_argument("--input", nargs="+", metavar="VALUE",
                   help="input values in order (40 0) or by name (age=40 retired=0); "
                        "default: the network's example input")
    if inputs_file:
        p.add_argument("--inputs", metavar="CSV",
                       help="a CSV file of rows; its header names the inputs")
    p.add_argument("--activation", help="replace the hidden layers' activation "
                   "(for a tutorial weight dict: its hidden activation)")


# -- commands -----------------------------------------------------------------------------------


def cmd_examples(args: argparse.Namespace) -> int:
    for name in files.examples():
        print(f"{name:18} {files.load(name).description}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    net = load_net(args)
    traces = [net.trace(row) for row in all_rows(args, net)]
    if args.json:
        data = [t.to_dict() for t in traces]
        print(_json(data if args.inputs else data[0]))
    elif args.inputs:
        for t in traces:
            given = " ".join(f"{k}={fmt(v)}" for k, v in t.inputs.items())
            print(f"{given} -> {values_text(t.output, args.digits)}")
    else:
        for layer in traces[0].layers:
            print(f"{layer.name} ({layer.activation.name}): {values_text(layer.a, args.digits)}")
        print(f"output: {values_text(traces[0].output, args.digits)}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    net = load_net(args)
    print(net.trace(one_input(args, net)).text(args.digits))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare

    net = load_net(args)
    report = compare(net, all_rows(args, net), against=args.against, rtol=args.rtol,
                     atol=args.atol)
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


TUTORIAL = ("tutorial-forward", "tutorial-tanh", "tutorial-relu", "tutorial-deep")
ENGINES = ("auto", "system", "wasm")
ENGINE_HELP = ("auto (default): the system Graphviz when 'dot' is installed, else the embedded "
               "one; system; wasm (embedded, SVG only)")


def cmd_demo(args: argparse.Namespace) -> int:
    from . import player
    from .diagram import diagram
    from .rendering import RenderError, render

    pictures = {}
    for number, name in enumerate(TUTORIAL, start=1):
        net = files.load(name)
        trace = net.trace(net.example_input)
        print(f"== Example {number}: {name} ==")
        print(net.description)
        print(trace.text(args.digits))
        print()
        pictures[f"{name}.svg"] = diagram(net, trace)
    try:
        svgs = {name: render(picture, "svg", args.engine) for name, picture in pictures.items()}
        deep = files.load("tutorial-deep")
        built = player.frames(deep, deep.example_input)
        page = player.player_html(deep, built, player.render_frames(built, args.engine))
    except RenderError as e:  # the arithmetic above stands; only the drawings are missing
        print(f"scalarnet: diagrams not drawn: {e}", file=sys.stderr)
        return 0
    path = _write(os.path.join(args.out, "tutorial-deep-steps.html"), page.encode("utf-8"), "--out")
    print(f"The deep network step by step (open it in a browser): {path}")
    sheet = cli_exercise.demo_sheet(os.path.join(args.out, "tutorial-deep-exercise.html"), args.engine)
    print(f"An exercise: the deep network with blanks to fill in and check: {sheet}")
    print("Diagrams:")
    for name, svg in svgs.items():
        print(_write(os.path.join(args.out, name), svg, "--out"))
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from .diagram import diagram
    from .rendering import choose_engine, render

    net = load_net(args)
    if args.weights_only and args.input:
        raise CLIError("give either --input or --weights-only, not both")
    if args.target and args.weights_only:
        raise CLIError("--target draws gradients, which need the values: drop --weights-only")
    if args.target and args.view == "network":
        raise CLIError("--target draws gradients in the ops view: drop --view network")
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
    data = render(picture, format, args.engine)
    if args.output in (None, "-"):
        sys.stdout.write(data.decode("utf-8"))
        return 0
    engine = choose_engine(args.engine, format)
    how = "DOT source" if engine == "none" else f"Graphviz engine {engine!r}"
    print(f"{_write(args.output, data, '-o')} ({len(data) / 1024:.1f} KiB, {how})")
    return 0


def cmd_gallery(args: argparse.Namespace) -> int:
    from . import gallery

    try:
        written = gallery.write(args.dir, args.engine)
    except OSError as e:
        raise CLIError(f"DIR: cannot write {e.filename!r} ({e.strerror})") from None
    for path in written:
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
    """Write `data` to `path` (making its folder); returns the path. Errors name the option."""
    try:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise CLIError(f"{option}: cannot write {path!r} ({e.strerror})") from None
    return path


def cmd_step(args: argparse.Namespace) -> int:
    net = load_net(args)
    x = one_input(args, net)
    if args.frames or args.html:
        return _step_pictures(args, net, x)
    bound = None if args.bound is None else parse_number(args.bound, "--bound")
    dbg = Debugger(net, x, args.granularity, stop_on=args.stop_on or (), bound=bound,
                   digits=args.digits)
    for name in args.breakpoints or ():
        dbg.break_at(name)
    console = Console(dbg)
    print(console.start(go=bool(args.breakpoints or args.stop_on)), flush=True)
    for line in _command_lines():
        reply, over = console.do(line)
        if reply:
            print(reply, flush=True)
        if over:
            break
    return 0


def _step_pictures(args: argparse.Namespace, net: Network, x: list) -> int:
    """--frames DIR (one SVG per step) and --html FILE (the player): the whole pass, no session."""
    from . import player

    if args.breakpoints or args.stop_on:
        raise CLIError("--frames and --html draw the whole pass: --break and --stop-on are "
                       "for the interactive session")
    digits = player.DIGITS if args.digits is None else args.digits
    built = player.frames(net, x, args.granularity, digits)
    svgs = player.render_frames(built, args.engine)
    if args.frames:
        names = player.frame_names(len(svgs))
        for name, svg in zip(names, svgs):
            _write(os.path.join(args.frames, name), svg.encode("utf-8"), "--frames")
        for name in player.stale_frames(os.listdir(args.frames), len(svgs)):
            try:  # an earlier run's frames would mix with these
                os.remove(os.path.join(args.frames, name))
            except OSError as e:
                raise CLIError(f"--frames: cannot remove {name!r} of an earlier run "
                               f"({e.strerror})") from None
        count = f"{len(svgs)} frame{'s' if len(svgs) != 1 else ''}"
        print(f"{count}: {os.path.join(args.frames, names[0])} ... {names[-1]}")
    if args.html:
        _write(args.html, player.player_html(net, built, svgs).encode("utf-8"), "--html")
        print(f"{args.html}: a player of {len(svgs)} steps")
    return 0


def _command_lines():
    """Commands typed at a terminal (after a prompt), or read from a pipe line by line (echoed)."""
    if sys.stdin.isatty():
        while True:
            try:
                yield input(Console.PROMPT)
            except EOFError:
                print()
                return
    for line in sys.stdin:
        line = line.rstrip("\r\n")
        print(f"{Console.PROMPT}{line}")
        yield line


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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="scalarnet",
        description="See exactly what a neural network computes, one neuron at a time.")
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
    p.add_argument("--atol", type=float, help="absolute tolerance (default 1e-12 for float64, "
                   "1e-7 for float32)")
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
    p.add_argument("--view", choices=("network", "ops"),
                   help="network: neurons and weights (default); ops: every multiply, add, "
                        "bias and activation as its own node")
    p.add_argument("--neuron", metavar="LAYER.NEURON", help="ops view of this neuron only")
    p.add_argument("--layer", metavar="NAME", help="ops view of this layer only")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="the file to write (default: SVG or DOT to stdout)")
    p.add_argument("--format", choices=("svg", "png", "pdf", "dot"),
                   help="default: from the -o file name, else svg; png and pdf need the "
                        "system Graphviz")
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
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("gallery", help="remake the gallery of diagrams (render/ in the repository)")
    p.add_argument("dir", metavar="DIR", nargs="?", default="render",
                   help="the folder to write (default: render)")
    p.add_argument("--engine", choices=ENGINES, default="wasm",
                   help="default wasm: the same bytes on any machine, which the gallery test checks")
    p.set_defaults(func=cmd_gallery)

    p = sub.add_parser("step", help="step through the forward pass: next, back, breakpoints, frames")
    add_net_arguments(p)
    p.add_argument("--granularity", choices=("op", "neuron", "layer"), default="op",
                   help="a step is one multiply-add (op, the default), a neuron or a layer")
    p.add_argument("--break", dest="breakpoints", action="append", metavar="NAME",
                   help="start at the first step of this layer or neuron (repeatable)")
    p.add_argument("--stop-on", action="append", choices=STOP_ON,
                   help="start at the first NaN/infinity (nan), a dead ReLU (dead-relu) or a "
                        "value beyond --bound (magnitude); repeatable")
    p.add_argument("--bound", metavar="NUMBER",
                   help="the magnitude bound for --stop-on magnitude")
    p.add_argument("--digits", type=_digits, help="significant digits for floats "
                   "(default: in full; 4 in --frames and --html)")
    p.add_argument("--frames", metavar="DIR", help="write one SVG per step into DIR and exit")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML player of the "
                   "steps and exit")
    p.add_argument("--engine", choices=ENGINES, default="auto",
                   help="the Graphviz for --frames and --html: " + ENGINE_HELP)
    p.set_defaults(func=cmd_step)
    cli_exercise.add_commands(sub)
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
        print(f"scalarnet: error: {_one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _one_line(message: str) -> str:
    return " ".join(message.split("\n"))


if __name__ == "__main__":
    sys.exit(main())

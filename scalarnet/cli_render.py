"""The drawing commands: `render` (a network, a pass, its gradients or what changed), `gallery` and `demo`."""

from __future__ import annotations

import argparse
import os
import sys

from . import cli_exercise, files
from .backprop import LOSSES, gradients
from .cli import (ENGINE_HELP, ENGINES, CLIError, _digits, _write, _write_files, add_net_arguments,
                  load_net, one_input, parse_number, print)
from .terminal import terminal_text

TUTORIAL = ("tutorial-forward", "tutorial-tanh", "tutorial-relu", "tutorial-deep")


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


def add_commands(sub) -> None:
    """The `demo`, `render` and `gallery` subcommands."""
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

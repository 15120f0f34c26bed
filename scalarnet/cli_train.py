"""The `train` and `diff` commands: gradient descent from a CSV file, and what it changed.

    scalarnet train NET --data rows.csv --target COL [COL ...] -o trained.json
    scalarnet diff OLD.json NEW.json

Progress goes to stderr: a tqdm bar (epochs, loss) when stderr is a terminal;
otherwise, and with `--quiet`, no bar: without `--quiet` one line per epoch at
most once a second (the first and last epochs always), with `--quiet` nothing
but warnings (each warning once). Exit codes: 0 trained, 1 stopped because the
loss became non-finite (the last finite weights are written), 2 bad input
(nothing written), 130 Ctrl-C (the last completed epoch's weights are written).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import signal
import sys
import time

from . import files
from .backprop import LOSSES
from .changes import changes_text
from .cli import CLIError, _digits, csv_rows, load_net, parse_number, print  # print: names escaped
from .datasets import data_path
from .errors import ScalarnetError
from .network import Network
from .numbers import fmt, is_finite, is_number

PLOT_MISSING = ("--plot needs matplotlib, which is not installed "
                "(pip install 'scalarnet[plot]' or pip install matplotlib)")


def add_commands(sub) -> None:
    p = sub.add_parser("train", help="train a network by gradient descent on the rows of a CSV file")
    p.add_argument("net", metavar="NET", help="a network file or a bundled example's name")
    p.add_argument("--data", required=True, metavar="CSV",
                   help="a CSV file (or a bundled data set: xor, loan) whose header names the "
                        "network's inputs and the target columns, and nothing else")
    p.add_argument("--target", nargs="+", required=True, metavar="COL",
                   help="the target columns, one per output neuron, in order")
    p.add_argument("--loss", choices=LOSSES, default="mse",
                   help="mse (default, any output), cross_entropy (softmax output) or "
                        "binary_cross_entropy (sigmoid output)")
    p.add_argument("--lr", default="0.1", metavar="RATE", help="the learning rate (default 0.1)")
    p.add_argument("--epochs", default="100", metavar="N", help="passes over the data (default 100)")
    p.add_argument("--batch-size", default="1", metavar="B",
                   help="rows per step; a step follows the mean of their gradients (default 1)")
    p.add_argument("--shuffle", action="store_true", help="shuffle the rows before each epoch")
    p.add_argument("--seed", metavar="N", help="the seed of --shuffle (default 0)")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the trained network (scalarnet JSON), written at the end")
    p.add_argument("--history", metavar="CSV", help="write epoch, loss and diagnostics per epoch")
    p.add_argument("--plot", metavar="SVG", help="draw the loss curve and dead ReLUs (needs matplotlib)")
    p.add_argument("--quiet", action="store_true", help="no progress, only warnings")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("diff", help="every weight and bias that differs between two networks, "
                       "largest change first")
    p.add_argument("old", metavar="OLD", help="a network file or a bundled example's name")
    p.add_argument("new", metavar="NEW", help="the same network after training")
    p.add_argument("--digits", type=_digits, help="significant digits for floats")
    p.set_defaults(func=cmd_diff)


# -- reading the command line and the data ------------------------------------------------------


def _whole(text: str, option: str, least: int) -> int:
    if not (text.isdecimal() and int(text) >= least):
        raise CLIError(f"{option}: expected a whole number of at least {least}, got {text!r}")
    return int(text)


def _rate(text: str, option: str = "--lr") -> float | int:
    value = parse_number(text, option) if text.strip() else None
    if value is None or not value > 0 or not is_finite(value):
        raise CLIError(f"{option}: expected a positive number, got {text!r}")
    return value


def read_data(path: str, net: Network, target_columns: list[str]) -> tuple[list, list, list]:
    """The input rows, target rows and line numbers of a CSV file whose header names exactly the
    inputs and the targets."""
    for i, name in enumerate(target_columns):
        if name in target_columns[:i]:
            raise CLIError(f"--target: column {name!r} is given twice")
        if name in net.inputs:
            raise CLIError(f"--target: {name!r} is an input of network {net.name!r}, not a target")
    width = len(net.layers[-1].neurons)
    if len(target_columns) != width:
        raise CLIError(f"--target: {len(target_columns)} columns but network {net.name!r} has "
                       f"{width} outputs")
    xs, ts, lines = [], [], []
    header, rows = csv_rows(path, "--data")
    header = header or []
    _check_header(header, net, target_columns, path)
    for line, cells in rows:
        if len(cells) != len(header):
            raise CLIError(f"{path}, line {line}: {len(cells)} values but the header has "
                           f"{len(header)} columns")
        values = {h: parse_number(c.strip(), f"{path}, line {line}, column {h!r}")
                  for h, c in zip(header, cells)}
        xs.append([values[name] for name in net.inputs])
        ts.append([values[name] for name in target_columns])
        lines.append(line)
    if not xs:
        raise CLIError(f"{path}: no rows after the header")
    return xs, ts, lines


def _check_header(header: list[str], net: Network, targets: list[str], path: str) -> None:
    expected = f"the inputs ({', '.join(net.inputs)}) and the targets ({', '.join(targets)})"
    if not header:
        raise CLIError(f"{path}: empty file (expected a header naming {expected})")
    for i, name in enumerate(header):
        if name in header[:i]:
            raise CLIError(f"{path}, line 1: column {name!r} is given twice")
        if name not in net.inputs and name not in targets:
            raise CLIError(f"{path}, line 1: unknown column {name!r} (expected {expected})")
    for name in list(net.inputs) + targets:
        if name not in header:
            raise CLIError(f"{path}, line 1: no column {name!r} (expected {expected})")


# -- writing ------------------------------------------------------------------------------------


def write_atomic(path: str, data: bytes, option: str) -> None:
    """Write beside `path`, then os.replace (scalarnet.outputs): a failure leaves no partial file and
    the old one intact; missing folders are made."""
    from .outputs import write_atomic as write

    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        write(path, data)
    except OSError as e:
        raise CLIError(f"{option}: cannot write {path!r} ({e.strerror})") from None


def history_csv(history) -> bytes:
    """The history as CSV: numbers in full (`fmt`), one row per epoch."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(history.columns())
    for row in history.rows():
        writer.writerow([fmt(v) if is_number(v) else v for v in row])
    return out.getvalue().encode("utf-8")


# -- progress -----------------------------------------------------------------------------------


def epoch_line(epoch, epochs: int) -> str:
    """`epoch 3/100: loss 0.2764, hidden1: 2 dead ReLUs`."""
    dead = "".join(f", {name}: {count} dead ReLU{'s' if count != 1 else ''}"
                   for name, count in epoch.dead.items() if count)
    return f"epoch {epoch.epoch}/{epochs}: loss {fmt(epoch.loss, 4)}{dead}"


class _Progress:
    """Reports epochs on stderr: a tqdm bar on a terminal, else throttled lines; warnings once."""

    def __init__(self, epochs: int, quiet: bool):
        self.epochs, self.quiet = epochs, quiet
        self.bar = None
        self.last = -1.0
        self.said: set[str] = set()
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm  # only here: a terminal bar is the only use

            self.bar = tqdm(total=epochs, desc="training", unit="epoch", file=sys.stderr,
                            dynamic_ncols=True)

    def __call__(self, epoch) -> None:
        for warning in epoch.warnings:
            kind = warning.split(" gradient norm")[0]  # a vanishing layer is said once
            if kind not in self.said:
                self.said.add(kind)
                self.say(f"scalarnet: warning: epoch {epoch.epoch}: {warning}")
        if self.bar is not None:
            if epoch.epoch:
                self.bar.update(1)
            self.bar.set_postfix_str(epoch_line(epoch, self.epochs).partition(": ")[2], refresh=True)
        elif not self.quiet:
            now = time.monotonic()
            if epoch.epoch in (0, self.epochs) or now - self.last >= 1.0:
                self.last = now
                print(epoch_line(epoch, self.epochs), file=sys.stderr, flush=True)

    def say(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# -- the commands -------------------------------------------------------------------------------


def cmd_train(args: argparse.Namespace) -> int:
    from .training import fit

    lr = _rate(args.lr)
    epochs = _whole(args.epochs, "--epochs", 1)
    batch_size = _whole(args.batch_size, "--batch-size", 1)
    if args.seed is not None and not args.shuffle:
        raise CLIError("--seed is the seed of --shuffle: give --shuffle too")
    seed = 0 if args.seed is None else _whole(args.seed, "--seed", 0)
    if args.plot:
        _check_matplotlib()
    for option, path in (("-o", args.output), ("--history", args.history), ("--plot", args.plot)):
        if path is not None:
            _check_writable(path, option)
    net = load_net(args)
    path = str(data_path(args.data))
    xs, ts, lines = read_data(path, net, args.target)
    progress = _Progress(epochs, args.quiet)
    stop = _ctrl_c()
    try:
        history = fit(net, xs, ts, args.loss, lr, epochs, batch_size, args.shuffle, seed,
                      on_epoch=progress, stop=stop)
    except ScalarnetError as e:  # "row 3: ..." is the data's line 5
        row, sep, rest = str(e).partition(": ")
        if sep and row.startswith("row ") and row[4:].isdecimal():
            raise type(e)(f"{path}, line {lines[int(row[4:])]}: {rest}") from None
        raise
    finally:
        stop.restore()
        progress.close()
    # exploding in an epoch: the network holds the epoch's before (epoch 0's, the starting weights,
    # if it was epoch 0); exploding after the last epoch (its loss finite): that epoch's
    exploded = history.stopped == "exploding" and not is_finite(history.epochs[-1].loss)
    last = history.epochs[-2] if exploded and len(history.epochs) > 1 else history.epochs[-1]
    write_atomic(args.output, files.dumps(net).encode("utf-8"), "-o")
    if args.history:
        write_atomic(args.history, history_csv(history), "--history")
    if args.plot:
        from .training_plot import plot_svg

        write_atomic(args.plot, plot_svg(history, net.name), "--plot")
    if history.stopped == "interrupted":
        print(f"scalarnet: interrupted: wrote {args.output}, the network after epoch {last.epoch}",
              file=sys.stderr)
        return 130
    if history.stopped == "exploding":
        when = "in" if exploded else "after"
        print(f"scalarnet: the loss became non-finite {when} epoch {history.epochs[-1].epoch}: wrote "
              f"{args.output} with the weights of epoch {last.epoch}", file=sys.stderr)
        return 1
    first = history.epochs[0]
    print(f"{args.output}: loss {fmt(first.loss, 4)} -> {fmt(history.final_loss, 4)} after "
          f"{last.epoch} epoch{'s' if last.epoch != 1 else ''}")
    return 0


def _check_writable(path: str, option: str) -> None:
    """Refuse before training, not after it, a file that cannot be written."""
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(folder):  # write_atomic makes the missing folders
        folder = os.path.dirname(folder)
    if os.path.isdir(path) or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise CLIError(f"{option}: cannot write {path!r} "
                       f"({'a folder' if os.path.isdir(path) else 'no writable folder'})")


def _check_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CLIError(PLOT_MISSING) from None


class _ctrl_c:
    """Ctrl-C sets a flag that training reads after each batch (a second Ctrl-C ends at once)."""

    def __init__(self):
        self.pressed = False
        self.previous = None
        try:
            self.previous = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread: Ctrl-C stays a KeyboardInterrupt
            pass

    def _handler(self, signum, frame):
        if self.pressed:
            raise KeyboardInterrupt
        self.pressed = True

    def __call__(self) -> bool:
        return self.pressed

    def restore(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def cmd_diff(args: argparse.Namespace) -> int:
    old = files.load(args.old)
    new = files.load(args.new)
    print(changes_text(old, new, args.digits))
    return 0


def change_picture(args: argparse.Namespace, net: Network):
    """`render NET --diff OLD` or `render NET --input ... --target ... --sgd-step LR`: the diagram."""
    import copy

    from .backprop import gradients, sgd_step
    from .cli import one_input
    from .diagram_diff import diff_diagram

    if args.diff and args.sgd_step:
        raise CLIError("give either --diff or --sgd-step, not both")
    others = [name for name, given in (("--view", args.view), ("--neuron", args.neuron),
                                       ("--layer", args.layer), ("--weights-only", args.weights_only))
              if given]
    if others:
        raise CLIError(f"{'--diff' if args.diff else '--sgd-step'} draws the network view of every "
                       f"weight: drop {', '.join(others)}")
    if args.diff:
        if args.input or args.target:
            raise CLIError("--diff draws weights and biases, not values: drop --input and --target")
        return diff_diagram(files.load(args.diff), net, digits=args.digits, threshold=args.threshold)
    lr = _rate(args.sgd_step, "--sgd-step")
    if not args.target:
        raise CLIError("--sgd-step needs --target (and --input, or the network's example input)")
    x = one_input(args, net)
    target = [parse_number(t, "--target") for t in args.target]
    grads = gradients(net, x, target, args.loss)
    after = copy.deepcopy(net)
    sgd_step(after, x, target, lr, args.loss)
    return diff_diagram(net, after, gradients=grads, lr=lr, digits=args.digits,
                        threshold=args.threshold)

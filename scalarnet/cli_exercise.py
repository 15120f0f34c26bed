"""The `scalarnet exercise` and `scalarnet grade` commands: make a sheet, grade its answers."""

from __future__ import annotations

import argparse
import csv
import os
import tempfile

from . import files
from .cli import ENGINE_HELP, ENGINES, CLIError, _digits, parse_input, parse_number
from .exercise import DEFAULT_COUNT, DEFAULT_KINDS, KINDS, Sheet, make, random_network
from .exercise_files import load_sheet

SUFFIXES = (".json", ".html", ".md")


def add_commands(sub) -> None:
    """Add `exercise` and `grade` to the `scalarnet` subcommands."""
    p = sub.add_parser("exercise", help="a sheet of the pass's arithmetic with blanks to fill "
                       "(JSON to grade, a self-checking HTML page, printable Markdown)")
    p.add_argument("net", metavar="NET", nargs="?",
                   help="a network file or a bundled example's name (or give --random)")
    p.add_argument("--random", metavar="WIDTHS",
                   help="a random network of these widths, e.g. 2-3-1: int weights and biases "
                        "from -9 to 9, relu or identity per layer, from --seed")
    p.add_argument("--input", nargs="+", metavar="VALUE",
                   help="input values in order or by name; default: the example input")
    p.add_argument("--target", nargs="+", metavar="VALUE",
                   help="put the backward pass (mse loss) on the sheet, for dz and dw blanks")
    p.add_argument("--blank", nargs="+", choices=KINDS, metavar="KIND",
                   help=f"the kinds of blank: {', '.join(KINDS)} "
                        f"(default: {' '.join(DEFAULT_KINDS)})")
    p.add_argument("--count", type=int, metavar="N",
                   help=f"how many blanks (default: up to {DEFAULT_COUNT})")
    p.add_argument("--seed", type=int, default=0, help="which blanks (and --random network); "
                   "the same seed gives the same files (default 0)")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="sheet.json (to grade), sheet.html (checks itself in a browser) or "
                        "sheet.md (printable, with sheet.svg beside it)")
    p.add_argument("--answers", metavar="KEY.md", help="also write the answer key (Markdown)")
    p.add_argument("--digits", type=_digits, default=4,
                   help="significant digits for floats on the sheet (default 4; answers are exact)")
    p.add_argument("--engine", choices=ENGINES, default="auto", help=ENGINE_HELP)
    p.set_defaults(func=cmd_exercise)

    p = sub.add_parser("grade", help="grade a CSV of answers (id,answer[,student]) against a "
                       "sheet: exit 0 all right, 1 any wrong")
    p.add_argument("sheet", metavar="SHEET.json", help="a sheet written by `scalarnet exercise`")
    p.add_argument("answers", metavar="ANSWERS.csv",
                   help="a header id,answer (and optionally student), then one row per blank")
    p.set_defaults(func=cmd_grade)


def build_sheet(args: argparse.Namespace) -> Sheet:
    """The sheet the `exercise` arguments ask for."""
    if (args.net is None) == (args.random is None):
        raise CLIError("exercise: give NET or --random WIDTHS (one of them)")
    if args.random is not None:
        net, x = random_network(args.random, args.seed)
    else:
        net = files.load(args.net)
        x = net.example_input
    if args.input:
        x = parse_input(args.input, net)
    if x is None:
        raise CLIError(f"--input is needed: network {net.name!r} has no example input "
                       f"(its inputs: {', '.join(net.inputs)})")
    target = None if args.target is None else [parse_number(t, "--target") for t in args.target]
    return make(net, x, target, args.blank or DEFAULT_KINDS, args.count, args.seed, args.digits)


def cmd_exercise(args: argparse.Namespace) -> int:
    from . import exercise_pages as pages
    from .exercise_html import html_page
    from .rendering import render

    suffix = os.path.splitext(args.output)[1].lower()
    if suffix not in SUFFIXES:
        raise CLIError(f"-o {args.output}: unknown kind of sheet {suffix or '(no suffix)'!r} "
                       "(known: .json, .html, .md)")
    if args.answers is not None and not args.answers.lower().endswith(".md"):
        raise CLIError(f"--answers {args.answers}: the answer key is Markdown: name it .md")
    sheet = build_sheet(args)
    out: dict[str, bytes] = {}
    if suffix == ".json":
        out[args.output] = sheet.json().encode("utf-8")
    else:
        svg = render(pages.diagram(sheet), "svg", args.engine)
        if suffix == ".html":
            out[args.output] = html_page(sheet, svg.decode("utf-8")).encode("utf-8")
        else:
            svg_path = os.path.splitext(args.output)[0] + ".svg"
            out[args.output] = pages.markdown(sheet, os.path.basename(svg_path)).encode("utf-8")
            out[svg_path] = svg
    if args.answers is not None:
        out[args.answers] = pages.answers_markdown(sheet).encode("utf-8")
    write_all(out)
    kinds = ", ".join(sorted({b.kind for b in sheet.blanks}, key=KINDS.index))
    print(f"{', '.join(out)}: {len(sheet.blanks)} blanks ({kinds}) in network "
          f"{sheet.net.name!r}, seed {sheet.seed}")
    return 0


def demo_sheet(path: str, engine: str = "auto") -> str:
    """`scalarnet demo`'s sheet: the deep network, four blanks, as a self-checking page."""
    from .exercise_html import html_page
    from .exercise_pages import diagram
    from .rendering import render

    deep = files.load("tutorial-deep")
    sheet = make(deep, deep.example_input, seed=1)
    svg = render(diagram(sheet), "svg", engine).decode("utf-8")
    write_all({path: html_page(sheet, svg).encode("utf-8")})
    return path


def write_all(out: dict[str, bytes]) -> None:
    """Write every file, or none: each goes to a temporary file beside it first; then all are
    moved into place (os.replace), and if one of those moves fails, the ones already moved
    are put back as they were."""
    for path in out:
        if os.path.isdir(path):
            raise CLIError(f"cannot write {path!r}: it is a folder")
    temps: list[tuple[str, str]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for path, data in out.items():
            folder = os.path.dirname(path) or "."
            os.makedirs(folder, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".scalarnet-", suffix=".tmp", dir=folder)
            temps.append((temp, path))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(temp, 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600
        before = {target: _old(target) for _, target in temps}
        done: list[str] = []
        try:
            for temp, path in temps:
                os.replace(temp, path)
                done.append(path)
        except OSError:
            for moved in done:
                if before[moved] is None:
                    os.remove(moved)
                else:
                    with open(moved, "wb") as f:
                        f.write(before[moved])
            raise
    except OSError as e:
        for temp, _ in temps:
            if os.path.exists(temp):
                os.remove(temp)
        raise CLIError(f"cannot write {path!r} ({e.strerror})") from None


def _old(path: str) -> bytes | None:
    """What a file held before it is replaced (None: there was none)."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def read_answers(path: str) -> dict[str, dict[str, str]]:
    """{student: {blank id: answer text}} from a CSV with a header id,answer[,student]
    (student '' when there is no student column)."""
    by_student: dict[str, dict[str, str]] = {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            if "id" not in header or "answer" not in header:
                raise CLIError(f"{path}, line 1: expected a header with the columns id and answer "
                               f"(and optionally student), got {','.join(header)!r}")
            for name in header:
                if name not in ("id", "answer", "student") or header.count(name) > 1:
                    raise CLIError(f"{path}, line 1: column {name!r} "
                                   f"{'is given twice' if header.count(name) > 1 else 'is unknown'}"
                                   " (expected: id, answer, student)")
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                line = reader.line_num
                if len(cells) != len(header):
                    raise CLIError(f"{path}, line {line}: {len(cells)} values but the header has "
                                   f"{len(header)} columns")
                row = dict(zip(header, (c.strip() for c in cells)))
                answers = by_student.setdefault(row.get("student", ""), {})
                if row["id"] in answers:
                    who = f" for student {row['student']!r}" if "student" in row else ""
                    raise CLIError(f"{path}, line {line}: blank {row['id']!r} is answered twice{who}")
                answers[row["id"]] = row["answer"]
    except OSError as e:
        raise CLIError(f"cannot read {path!r} ({e.strerror})") from None
    except UnicodeDecodeError as e:
        raise CLIError(f"{path}: not UTF-8 text ({e.reason})") from None
    except csv.Error as e:
        raise CLIError(f"{path}: {e}") from None
    if not by_student:
        raise CLIError(f"{path}: no answers after the header")
    return by_student


def cmd_grade(args: argparse.Namespace) -> int:
    sheet = load_sheet(args.sheet)
    by_student = read_answers(args.answers)
    # every student checked before anything prints: a bad row anywhere is exit 2, no half report
    gradings = [(student, sheet.grade(answers) if not student else
                 _grade_named(sheet, student, answers, args.answers))
                for student, answers in by_student.items()]
    if len(gradings) == 1 and not gradings[0][0]:
        print(gradings[0][1].text())
    else:
        for student, g in gradings:
            print(f"== {student or '(no name)'} ==")
            print(g.text())
            print()
        for student, g in gradings:
            print(f"{student or '(no name)'}: score {g.score}/{g.total}")
    return 0 if all(g.ok for _, g in gradings) else 1


def _grade_named(sheet: Sheet, student: str, answers: dict, path: str):
    from .exercise_grading import grade

    return grade(sheet, answers, f"{path}, student {student!r}")

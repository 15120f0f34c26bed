"""Bundled training data: xor.csv and loan.csv beside the example networks, and the rule that made loan.csv.

`scalarnet train xor --data xor --target y` finds both by name, as `run` finds
example networks. The files are in `scalarnet/examples/`:

- `xor.csv`: x0, x1 and y = x0 XOR x1, four rows (network `xor`, 2-4-1, tanh
  then sigmoid, starting weights drawn once with random.Random(1) that train to
  within 0.1 of every target).
- `loan.csv`: 300 loan applications in the tutorial's terms, made by
  `loan_csv()` (tests/test_datasets.py checks that it still makes the same
  file). For each row, with random.Random(11):

  - age: a whole number of years, uniform from 20 to 79;
  - retired: 1 from 65 on, and a quarter of those from 55 to 64; else 0;
  - salary (thousands a year): 0 when retired, else a normal draw around
    20 + 0.8*(age - 20) with spread 12, rounded, at least 10;
  - balance (thousands saved): a normal draw around 0.8*(age - 18) with
    spread 20, at least 0, to one decimal;
  - approved = 1 when salary + balance/2 - 2*max(0, age - 60) plus noise
    (normal, spread 5) is over 45, else 0.

  Network `loan` (4-8-1, relu then sigmoid) starts from small weights drawn with
  random.Random(1); trained with binary_cross_entropy and lr 0.001 it gets to
  about 90% right, and some of its ReLUs die on the way (the diagnostics show it).

>>> loan_csv(3)
'age,retired,salary,balance,approved\\n48,0,58,0.0,1\\n74,1,0,23.3,0\\n52,0,42,0.0,0\\n'
"""

from __future__ import annotations

import os
import random
from importlib import resources
from pathlib import Path

__all__ = ["DATASETS", "data_path", "load_rows", "loan_csv", "xor_csv"]

#: The bundled data sets, by name.
DATASETS = ("loan", "xor")


def data_path(source: str | os.PathLike) -> str | os.PathLike:
    """A CSV file's path as given, or a bundled data set's file when `source` is its name."""
    if isinstance(source, str) and source in DATASETS and not Path(source).exists():
        return str(resources.files("scalarnet") / "examples" / f"{source}.csv")
    return source


def xor_csv() -> str:
    """The text of xor.csv."""
    return "x0,x1,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"


def loan_csv(rows: int = 300, seed: int = 11) -> str:
    """The text of loan.csv: `rows` applications drawn by the rule in the module doc."""
    rng = random.Random(seed)
    lines = ["age,retired,salary,balance,approved"]
    for _ in range(rows):
        age = rng.randint(20, 79)
        retired = 1 if age >= 65 or (age >= 55 and rng.random() < 0.25) else 0
        salary = 0 if retired else max(10, round(rng.gauss(20 + 0.8 * (age - 20), 12)))
        balance = round(max(0.0, rng.gauss(0.8 * (age - 18), 20)), 1)
        score = salary + 0.5 * balance - 2 * max(0, age - 60) + rng.gauss(0, 5)
        lines.append(f"{age},{retired},{salary},{balance},{int(score > 45)}")
    return "\n".join(lines) + "\n"


def load_rows(name: str) -> tuple[list[str], list[list]]:
    """A bundled data set's header and rows of numbers (ints where the text is whole).

    >>> header, rows = load_rows("xor")
    >>> header, rows[1]
    (['x0', 'x1', 'y'], [0, 1, 1])
    """
    if name not in DATASETS:
        from .errors import InputError

        raise InputError(f"no bundled data set {name!r} (known: {', '.join(DATASETS)})")
    lines = Path(data_path(name)).read_text(encoding="utf-8").splitlines()
    rows = [[float(v) if "." in v else int(v) for v in line.split(",")] for line in lines[1:]]
    return lines[0].split(","), rows

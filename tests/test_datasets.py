"""The bundled data: loan.csv and xor.csv are what their documented rules make, and fit their networks."""

from importlib import resources

import pytest

import scalarnet
from scalarnet.datasets import DATASETS, data_path, loan_csv, xor_csv


def bundled(name: str) -> str:
    return (resources.files("scalarnet") / "examples" / f"{name}.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("name, make", [("loan", loan_csv), ("xor", xor_csv)], ids=["loan", "xor"])
def test_bundled_data_is_what_the_rule_makes(name, make):
    assert bundled(name) == make()


def test_loan_rule():
    lines = loan_csv().splitlines()
    assert lines[0] == "age,retired,salary,balance,approved" and len(lines) == 301
    for line in lines[1:]:
        age, retired, salary, balance, approved = (float(v) for v in line.split(","))
        assert 20 <= age <= 79 and retired in (0, 1) and balance >= 0 and approved in (0, 1)
        assert retired == 1 if age >= 65 else True
        assert (salary == 0) == (retired == 1), line
    assert 0.2 < sum(line.endswith(",1") for line in lines[1:]) / 300 < 0.8  # both outcomes occur


@pytest.mark.parametrize("name, target", [("loan", "approved"), ("xor", "y")], ids=["loan", "xor"])
def test_bundled_data_has_a_network_of_its_inputs(name, target):
    header = bundled(name).splitlines()[0].split(",")
    assert header == scalarnet.load(name).inputs + [target]


def test_data_path_by_name_or_file(tmp_path, monkeypatch):
    assert set(DATASETS) == {"loan", "xor"}
    assert data_path("xor").endswith("xor.csv") and data_path("rows.csv") == "rows.csv"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "xor").write_text("a file of that name wins")
    assert data_path("xor") == "xor"

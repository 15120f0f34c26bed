"""Rows across processes: the same results, in order, errors naming the row, one process as fallback."""

import concurrent.futures
import random
import sys
from fractions import Fraction

import pytest

from scalarnet import InputError, Layer, Network, Neuron, compare, get_activation, load, parallel
from scalarnet.cli import main


def random_network(seed: int, widths: list[int], activations: str = "tanh") -> Network:
    rng = random.Random(seed)
    weights = [[[rng.uniform(-2, 2) for _ in range(n_in)] for _ in range(n_out)]
               for n_in, n_out in zip(widths, widths[1:])]
    biases = [[rng.uniform(-1, 1) for _ in range(n_out)] for n_out in widths[1:]]
    return Network.from_matrices(weights, biases, activations=activations, name=f"random-{seed}")


def random_rows(seed: int, n: int, width: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-3, 3) for _ in range(width)] for _ in range(n)]


def bits(outputs: list) -> list:
    """Floats as their exact hex form (NaN equals NaN), other numbers as they are."""
    return [[v.hex() if isinstance(v, float) else v for v in out] for out in outputs]


@pytest.mark.parametrize("seed, widths, activations, n", [
    (0, [3, 5, 2], "tanh", 97),
    (1, [8, 16, 16, 4], "relu", 250),
    (2, [4, 6, 3], "sigmoid", 5),
], ids=["3-5-2 tanh", "8-16-16-4 relu", "fewer rows than chunks"])
@pytest.mark.parametrize("workers", [2, 3])
def test_forward_many_workers_bit_identical_in_order(seed, widths, activations, n, workers):
    net = random_network(seed, widths, activations)
    rows = random_rows(seed, n, widths[0])
    one = net.forward_many(rows)
    assert bits(net.forward_many(rows, workers=workers)) == bits(one)
    assert bits(one) == bits([net.forward(row) for row in rows])


def test_forward_many_workers_keep_exact_numbers():
    net = load("tutorial-deep")
    rows = [[Fraction(i, 3), i] for i in range(40)] + [{"x0": 3, "x1": 5}]
    got = net.forward_many(rows, workers=2)
    assert got == [net.forward(row) for row in rows]
    assert got[-1] == [182] and type(got[-1][0]) is int and type(got[3][0]) is Fraction


@pytest.mark.parametrize("activation", [
    get_activation(name) for name in ("identity", "relu", "tanh", "sigmoid", "softmax")
] + [get_activation("leaky_relu", slope=0.2)], ids=lambda a: a.name)
def test_network_pickles_for_spawned_workers(activation):
    # Where workers are spawned (macOS, Windows, forkserver), the network travels pickled.
    import pickle

    net = Network([Layer("h", [Neuron("n0", [1.0, -2.0], 0.5), Neuron("n1", [0.5, 0.25])], activation),
                   Layer("out", [Neuron("o", [1.0, -1.0])])])
    copy = pickle.loads(pickle.dumps(net))
    assert copy == net and copy.forward([3.0, -1.5]) == net.forward([3.0, -1.5])


def test_compare_workers_same_report():
    net = random_network(3, [6, 10, 3], "relu")
    rows = random_rows(3, 120, 6)
    one, two = compare(net, rows), compare(net, rows, workers=2)
    assert two.text() == one.text() and two.ok


@pytest.mark.parametrize("workers", [1, 2])
def test_forward_many_error_names_the_row(workers):
    net = load("tutorial-deep")
    rows = [[1, 2]] * 7 + [[1, 2, 3]] + [[1, 2]] * 30
    with pytest.raises(InputError, match=r"^row 7: network 'tutorial-deep': 3 input values") as caught:
        net.forward_many(rows, workers=workers)
    assert caught.value.__cause__ is None  # no worker traceback chained to it


@pytest.mark.parametrize("failure", [
    OSError(38, "Function not implemented"), NotImplementedError("no sem_open"),
    PermissionError(1, "Operation not permitted"),
], ids=["oserror", "notimplemented", "permission"])
def test_workers_fall_back_to_one_process_when_pool_cannot_start(monkeypatch, failure):
    def cannot_start(*args, **kwargs):
        raise failure

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", cannot_start)
    net = random_network(4, [3, 4, 2])
    rows = random_rows(4, 50, 3)
    assert bits(net.forward_many(rows, workers=2)) == bits(net.forward_many(rows))


def test_workers_fall_back_when_the_pool_breaks(monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    class Broken:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def map(self, *args):
            raise BrokenProcessPool("A child process terminated abruptly")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Broken)
    net = load("tutorial-deep")
    assert net.forward_many([[3, 5], [1, 1]], workers=2) == [[182], [42]]


@pytest.mark.parametrize("workers", [0, -1, True, 1.5, "2"], ids=["zero", "negative", "bool", "float", "str"])
def test_workers_bad_value(workers):
    with pytest.raises(InputError, match=rf"workers: expected a whole number of processes from 1 up .*got {workers!r}"):
        load("tutorial-deep").forward_many([[3, 5]], workers=workers)


def test_workers_auto():
    tiny, big = load("tutorial-deep"), random_network(5, [784, 128, 64, 10], "relu")
    assert parallel.choose_workers(None, tiny, 100_000) == 1  # not worth a process
    assert parallel.choose_workers(None, big, parallel.AUTO_ROWS) == 1
    assert parallel.choose_workers(None, big, parallel.AUTO_ROWS + 1) == parallel.cores()
    assert parallel.choose_workers(8, big, 3) == 3


def test_progress_not_shown_when_stderr_is_not_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(parallel, "PROGRESS_DELAY", 0)
    net = load("tutorial-deep")
    assert net.forward_many([[3, 5]] * 20, workers=2, progress=True) == [[182]] * 20
    assert capsys.readouterr() == ("", "")


@pytest.mark.skipif(sys.platform == "win32", reason="tqdm's bar needs a POSIX terminal here")
def test_progress_bar_on_stderr(monkeypatch, capsys):
    import tqdm

    monkeypatch.setattr(parallel, "PROGRESS_DELAY", 0)
    real = tqdm.tqdm
    monkeypatch.setattr(tqdm, "tqdm", lambda *a, **k: real(*a, **{**k, "disable": False}))
    load("tutorial-deep").forward_many([[3, 5]] * 20, progress=True)
    assert "/20 [" in capsys.readouterr().err  # tqdm's "0/20 [00:00<?, ?row/s]"


def test_cli_jobs_same_output(tmp_path, capsys):
    csv = tmp_path / "rows.csv"
    csv.write_text("x0,x1\n" + "".join(f"{i},{i % 7 - 3}\n" for i in range(60)))
    outputs = []
    for jobs in ("1", "2"):
        for extra in ([], ["--json"]):
            assert main(["run", "tutorial-deep", "--inputs", str(csv), "--jobs", jobs, *extra]) == 0
            outputs.append(capsys.readouterr().out)
    assert outputs[:2] == outputs[2:]
    assert outputs[0].splitlines()[3] == f"x0=3 x1=0 -> {load('tutorial-deep').forward([3, 0])}"
    assert main(["compare", "tutorial-deep", "--inputs", str(csv), "--jobs", "2"]) == 0


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_cli_jobs_bad_value(capsys, value):
    assert main(["run", "tutorial-deep", "--inputs", "x.csv", f"--jobs={value}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scalarnet: error: argument --jobs: expected a whole number of processes")
    assert f"got {value!r}" in err


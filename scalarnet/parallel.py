"""Many rows on every core: rows split into chunks across worker processes, results in order.

The scalar engine is pure Python, so one process uses one core: 10,000 rows of
784-128-64-10 take about 40 s. `run_rows` hands contiguous chunks of rows to a pool of
processes (`concurrent.futures.ProcessPoolExecutor`), sends the network once to each
worker (its initializer), and puts the results back in row order. Each row is computed
by the same code as in one process, so the results are identical, bit for bit.

Where processes cannot start (no ``fork``/semaphores on the platform, a sandbox,
a network that cannot be pickled for a spawned worker), the rows are computed in this
process instead, silently. Errors in the rows themselves are scalarnet's own and name
the row, as in one process.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import InputError, ScalarnetError

if TYPE_CHECKING:
    from .network import Network

__all__ = ["AUTO_ROWS", "cores", "choose_workers", "run_rows"]

# workers=None ("auto") uses every core only for more rows than this and at least
# AUTO_WORK multiply-adds in all (about a tenth of a second on one core): below that,
# starting the processes costs more than it saves.
AUTO_ROWS = 300
AUTO_WORK = 2_000_000
# Each worker gets about this many chunks: enough for an even finish and a moving
# progress bar, few enough that sending chunks costs nothing next to computing them.
CHUNKS_PER_WORKER = 8
# The progress bar appears only when a run is still going after this many seconds.
PROGRESS_DELAY = 2.0

_net: Network | None = None  # in a worker process: the network, sent once by _start


def cores() -> int:
    """The number of CPUs this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def choose_workers(workers: int | None, net: Network, n_rows: int) -> int:
    """Check ``workers`` and resolve None (auto); never more workers than rows.

    >>> from scalarnet import load
    >>> choose_workers(None, load("tutorial-deep"), 10_000)  # tiny network: not worth it
    1
    >>> choose_workers(4, load("tutorial-deep"), 3)
    3
    """
    if workers is None:
        work = n_rows * sum(len(n.weights) for layer in net.layers for n in layer.neurons)
        workers = cores() if n_rows > AUTO_ROWS and work >= AUTO_WORK else 1
    elif isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers: expected a whole number of processes from 1 up (or None for"
                         f" one per core above {AUTO_ROWS} rows), got {workers!r}")
    return max(1, min(workers, n_rows))


def run_rows(net: Network, rows: Sequence, task: Callable[[Network, Any], Any],
             workers: int | None = 1, progress: bool = False) -> list:
    """Return ``[task(net, row) for row in rows]``, computed by up to ``workers`` processes.

    ``task`` must be a module-level function (it is sent to the workers by name).
    ``workers=None`` picks one per core when the run is big enough (see
    `choose_workers`). A `ScalarnetError` from a row is raised again here with
    ``row N:`` in front. ``progress`` shows a bar on stderr (tqdm) for runs still
    going after a couple of seconds, when stderr is a terminal.

    >>> from scalarnet import load
    >>> from scalarnet.network import Network
    >>> run_rows(load("tutorial-deep"), [[3, 5], [1, 1]], Network.forward, workers=2)
    [[182], [42]]
    """
    rows = list(rows)
    workers = choose_workers(workers, net, len(rows))
    bar = _progress_bar(len(rows)) if progress else None
    try:
        if workers > 1:
            try:
                return _in_processes(net, rows, task, workers, bar)
            except _cannot_start():
                if bar is not None:
                    bar.reset()
        return _in_this_process(net, rows, task, bar)
    finally:
        if bar is not None:
            bar.close()


def _in_this_process(net: Network, rows: list, task: Callable, bar) -> list:
    if bar is None:
        return _chunk(task, 0, rows, net)
    step = max(1, len(rows) // 100)
    results = []
    for start in range(0, len(rows), step):
        results += _chunk(task, start, rows[start:start + step], net)
        bar.update(min(step, len(rows) - start))
    return results


def _in_processes(net: Network, rows: list, task: Callable, workers: int, bar) -> list:
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(rows) // (workers * CHUNKS_PER_WORKER))  # ceiling division
    starts = range(0, len(rows), size)
    results: list = []
    with ProcessPoolExecutor(max_workers=workers, initializer=_start, initargs=(net,)) as pool:
        try:
            for part in pool.map(_chunk, [task] * len(starts), starts,
                                 [rows[s:s + size] for s in starts]):
                results += part
                if bar is not None:
                    bar.update(len(part))
        except ScalarnetError as error:
            # Raised again without the worker's remote traceback chained to it.
            raise type(error)(str(error)) from None
    return results


def _start(net: Network) -> None:
    """A worker's initializer: keep the network for every chunk this worker computes."""
    global _net
    _net = net


def _chunk(task: Callable, start: int, rows: list, net: Network | None = None) -> list:
    net = _net if net is None else net
    results = []
    for r, row in enumerate(rows, start):
        try:
            results.append(task(net, row))
        except ScalarnetError as error:
            raise type(error)(f"row {r}: {error}") from None
    return results


def _cannot_start() -> tuple[type[BaseException], ...]:
    """The errors that mean the worker processes could not start or receive their work."""
    from concurrent.futures.process import BrokenProcessPool

    return (OSError, NotImplementedError, ImportError, BrokenProcessPool, pickle.PicklingError)


def _progress_bar(total: int):
    try:
        from tqdm import tqdm
    except ImportError:  # a dependency, but a bar is not worth failing a run for
        return None

    # disable=None: no bar when stderr is not a terminal (a log, a pipe, a test).
    return tqdm(total=total, unit="row", delay=PROGRESS_DELAY, disable=None, leave=False)

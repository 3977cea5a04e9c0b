"""Worker processes for `kpack check --jobs`: the same function over chunks, in order.

Imported only when a run uses more than one job, so a pre-commit run never loads
multiprocessing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from kpack.signals import deferred_signals

Item = TypeVar("Item")
Result = TypeVar("Result")

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
QUEUED_PER_WORKER = 4  # items submitted ahead to each worker


def map_in_order(
    function: Callable[[Item], Result], items: Iterable[Item], jobs: int
) -> list[Result]:
    """`[function(item) for item in items]`, computed by `jobs` processes: this one and
    `jobs - 1` workers.

    Items are taken as they come (`items` may still be producing them: the workers start
    meanwhile). This process takes its share instead of waiting on the workers; they get
    the next items as they finish theirs. Results come back in the order of `items`. An
    error raised by `function` or by `items` is raised here. On Ctrl-C or SIGTERM the
    workers are stopped and KeyboardInterrupt is raised: no worker outlives the run.
    """
    workers = max(1, jobs - 1)
    remaining = iter(items)
    results: dict[int, Result] = {}
    pending: dict[int, tuple[Future[Result], Item]] = {}
    taken = 0  # items taken so far, by a worker or by this process
    exhausted = False
    pool = ProcessPoolExecutor(
        workers, mp_context=_context(), initializer=_init_worker, initargs=(os.getpid(),)
    )
    try:
        with _sigterm_interrupts():
            while not exhausted or pending:
                # Enough queued that a worker never waits while this process works on
                # an item of its own (it refills only between its items).
                while not exhausted and len(pending) < QUEUED_PER_WORKER * workers:
                    try:
                        item = next(remaining)
                    except StopIteration:
                        exhausted = True
                        break
                    # The first submission forks the workers; a signal during the fork
                    # would be swallowed by the at-fork handlers: hold it until after.
                    with deferred_signals():
                        pending[taken] = (pool.submit(function, item), item)
                    taken += 1
                if not exhausted:  # this process's turn
                    try:
                        item = next(remaining)
                    except StopIteration:
                        exhausted = True
                    else:
                        results[taken] = function(item)
                        taken += 1
                elif pending:
                    # No new items: take back the latest one no worker has started
                    # rather than wait for it; wait only when every one has started.
                    index = next((i for i in reversed(pending) if pending[i][0].cancel()), None)
                    if index is not None:
                        results[index] = function(pending.pop(index)[1])
                    else:
                        futures = [future for future, _ in pending.values()]
                        wait(futures, return_when=FIRST_COMPLETED)
                for index in [i for i, (future, _) in pending.items() if future.done()]:
                    results[index] = pending.pop(index)[0].result()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_workers(pool)
        raise
    pool.shutdown()
    return [results[index] for index in range(taken)]


def _context() -> multiprocessing.context.BaseContext:
    # A forked worker starts with kpack already imported; a spawned one imports it again
    # (0.2 s). macOS forks unsafely (system frameworks), so it keeps its default, spawn.
    if sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a CI job cancelled) interrupts like Ctrl-C, so the workers are stopped."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: the caller owns the signals
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    # The executor has no public way to stop running workers before Python 3.14.
    processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(OSError, ValueError):
            process.terminate()


def _init_worker(parent: int) -> None:
    # Ctrl-C reaches every process of the terminal's group: the main process handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # forked while map_in_order held them
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    if sys.platform.startswith("linux"):
        # Should the main process be killed outright (SIGKILL), end with it, not wait
        # forever for work that will never come.
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)

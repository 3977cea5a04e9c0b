"""Worker processes for `kpack check --jobs`: the same function over chunks, in order.

Imported only when a run uses more than one job, so a pre-commit run never loads
multiprocessing. Each worker has its own connection, and this process does all the
sending and receiving on its main thread, between items of its own: no helper thread
competes with it for the GIL (concurrent.futures' pool needs two).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from kpack.errors import WorkerError
from kpack.signals import deferred_signals

Item = TypeVar("Item")
Result = TypeVar("Result")

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Items sent ahead to each worker: it must not run dry while this process works on an
# item of its own (it refills only between its items), nor hold many at the end, when
# this process has nothing left but to wait for them.
QUEUED_PER_WORKER = 2
# Room in each connection for what is sent ahead and for results not read yet, so that
# neither side waits on a full buffer (a result of 100 files is about 65 KB).
_BUFFER_BYTES = 1024 * 1024


class _Worker(Generic[Item, Result]):
    def __init__(
        self,
        context: multiprocessing.context.BaseContext,
        function: Callable[[Item], Result],
    ):
        self.connection, child = context.Pipe()
        for end in (self.connection, child):
            _enlarge(end)
        self.process: Any = context.Process(  # type: ignore[attr-defined]
            target=_serve, args=(function, child, os.getpid()), daemon=True
        )
        # Starting forks; a signal during the fork would be swallowed by the at-fork
        # handlers: hold it until after.
        with deferred_signals():
            self.process.start()
        child.close()
        self.queued: list[int] = []  # indexes sent, not answered yet, oldest first

    def send(self, index: int, item: Item) -> None:
        self.connection.send((index, item))
        self.queued.append(index)

    def receive(self) -> tuple[int, Result]:
        try:
            index, ok, value = self.connection.recv()
        except (EOFError, OSError):
            self.process.join(timeout=1)  # for its exit code
            raise WorkerError(
                f"a worker process ended unexpectedly (exit code {self.process.exitcode})"
            ) from None
        self.queued.remove(index)
        if not ok:
            error, text = value
            raise error from WorkerError(f"in a worker process:\n{text}")
        return index, value

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.process.join(timeout=5)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        self.connection.close()


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
    context = _context()
    remaining = iter(items)
    results: dict[int, Result] = {}
    workers: list[_Worker[Item, Result]] = []
    taken = 0  # items taken so far, by a worker or by this process
    exhausted = False

    def take() -> tuple[bool, Any]:
        nonlocal exhausted
        try:
            return True, next(remaining)
        except StopIteration:
            exhausted = True
            return False, None

    try:
        with _sigterm_interrupts():
            workers.extend(_Worker(context, function) for _ in range(max(1, jobs - 1)))
            while True:
                for worker in workers:  # keep each worker fed
                    while not exhausted and len(worker.queued) < QUEUED_PER_WORKER:
                        found, item = take()
                        if found:
                            worker.send(taken, item)
                            taken += 1
                busy = [worker.connection for worker in workers if worker.queued]
                ready = wait(busy, timeout=0) if busy else []
                if not ready:
                    if not exhausted:  # this process's turn
                        found, item = take()
                        if found:
                            results[taken] = function(item)
                            taken += 1
                        continue
                    if not busy:
                        break
                    ready = wait(busy)  # nothing left to do here but wait
                for worker in workers:
                    if worker.connection in ready:
                        index, result = worker.receive()
                        results[index] = result
    except BaseException:
        for worker in workers:
            worker.kill()
        raise
    for worker in workers:
        worker.stop()
    return [results[index] for index in range(taken)]


def _serve(function: Callable[[Any], Any], connection: Connection, parent: int) -> None:
    """A worker's loop: items in, results out, until told to stop or orphaned."""
    _init_worker(parent)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, item = message
        try:
            result = function(item)
        except Exception as exc:  # sent back to be raised in the main process
            text = traceback.format_exc()
            try:
                connection.send((index, False, (exc, text)))
            except Exception:  # the exception itself cannot be pickled: its text can
                connection.send((index, False, (WorkerError(text), text)))
        else:
            connection.send((index, True, result))


def _enlarge(connection: Connection) -> None:
    # Connections are socket pairs on POSIX; elsewhere keep the platform's buffers.
    with contextlib.suppress(OSError, ValueError):
        sock = socket.socket(fileno=connection.fileno())
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _BUFFER_BYTES)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _BUFFER_BYTES)
        finally:
            sock.detach()  # the connection still owns the descriptor


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

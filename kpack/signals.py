"""Holding Ctrl-C and SIGTERM across the few steps an interruption must not split."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM during the block; they are delivered when it ends.

    For steps that an interruption would leave half done: a temporary output created but
    not yet recorded by its owner (nobody would discard it), or a fork whose at-fork
    handlers would swallow the KeyboardInterrupt. Only the main thread handles signals:
    elsewhere this holds nothing.
    """
    if not hasattr(signal, "pthread_sigmask") or (
        threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)

"""Errors that the command line turns into a message and exit code 2, defined apart from
the modules raising them so that catching one imports nothing heavy."""

from __future__ import annotations


class WorkerError(RuntimeError):
    """A worker process of `kpack check --jobs` failed in a way that cannot be raised in
    the main process as it was: it died (killed, out of memory), or its error could not
    be sent back."""

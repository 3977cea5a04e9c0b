"""What every command prints through: errors, the report's destination, colour."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import NoReturn, TextIO

from kpack.status import ExitStatus


class CommandError(Exception):
    """A usage or environment error: `kpack: error: <message>` on stderr, exit 2."""


def print_error(message: str) -> ExitStatus:
    """Print a usage/environment error on stderr (one line, escaped); return exit 2."""
    from kpack.escape import printable

    print(f"kpack: error: {printable(message)}", file=sys.stderr)
    return ExitStatus.USAGE


def write_bytes(raw: bytes) -> None:
    """Bytes on stdout as they are (`kpack check --fix -`: the fixed buffer, BOM, line
    endings and all)."""
    sys.stdout.flush()
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # a text-only stream (an embedding): the text it stands for
        sys.stdout.write(raw.decode("utf-8", "replace"))
        sys.stdout.flush()
        return
    binary.write(raw)
    binary.flush()


def warn(message: str) -> None:
    from kpack.escape import printable

    print(f"kpack: warning: {printable(message)}", file=sys.stderr)


def use_color(choice: str, stream: object) -> bool:
    """--color always/never, else NO_COLOR, FORCE_COLOR and the TTY (kpack.terminal)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    from kpack.terminal import auto_color

    return auto_color(stream)


def write_output(
    text: str, output_file: Path | None, inputs: Collection[tuple[int, int]] = (),
    stream: TextIO | None = None,
) -> None:
    """`stream` (stdout by default), or `--output-file` through kpack.fsutil (never one
    of `inputs`)."""
    if output_file is None:
        out = sys.stdout if stream is None else stream
        out.write(text)
        out.flush()
        return
    from kpack.fsutil import write_file

    try:
        write_file(output_file, text.encode("utf-8"), inputs)
    except OSError as exc:
        raise CommandError(f"cannot write {output_file}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Let the garbage collector run less often during a check.

    A check builds hundreds of thousands of small objects that live until its end
    (documents, diagnostics, what workers send back) and few reference cycles; with the
    default threshold (a collection every 700 allocations) the collector walks them over
    and over: 0.13 s of a 1.7 s run on 6,000 files, 0.3 s in a parallel run's main
    process. Restored afterwards (tests call `main` many times in one process).
    """
    previous = gc.get_threshold()
    gc.freeze()  # what exists now (the imported modules) is not garbage
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def leave(code: int) -> NoReturn:
    """End the `kpack` process with `code`: flush the output, then a quick exit.

    Once a command returns there is nothing left to do: reports and bundles are written
    atomically, workers are joined, temporary files removed. What the interpreter would
    still do is free every object of the run, one by one: 30-70 ms after checking
    thousands of files, 15 ms after one connector, on every commit. So flush the output and
    leave, as mypy does.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # the reader went away: not an error of ours
            pass
        except OSError as exc:  # e.g. a full disk under a redirection: the report is cut
            with contextlib.suppress(OSError):
                os.write(2, f"kpack: error: cannot write the output: {exc}\n".encode())
            code = ExitStatus.USAGE
    os._exit(code)

"""The progress bar: on a terminal, for large trees only."""

from __future__ import annotations

import io

import pytest

from kpack.bundle.progress import LARGE_BYTES, Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_shown_on_a_terminal_for_a_large_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    stream = Terminal()
    progress = Progress(LARGE_BYTES * 2, 3, stream)
    progress(LARGE_BYTES)
    progress(LARGE_BYTES)
    progress.close()
    text = stream.getvalue()
    assert "[###############               ]  50%" in text
    assert " 100% 16.0/16.0 MiB" in text
    assert text.endswith("\r")  # the line is cleared for the summary


def test_silent_for_a_small_tree_or_a_pipe() -> None:
    small, pipe = Terminal(), io.StringIO()
    for progress in (Progress(1000, 3, small), Progress(LARGE_BYTES * 2, 3, pipe)):
        progress(500)
        progress.close()
    assert small.getvalue() == "" and pipe.getvalue() == ""

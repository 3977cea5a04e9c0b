"""A dependency-free progress bar on stderr, shown only on a terminal and for large trees."""

from __future__ import annotations

import os
from typing import TextIO

LARGE_BYTES = 8 * 1024 * 1024
LARGE_FILES = 2000
WIDTH = 30


class Progress:
    def __init__(self, total: int, files: int, stream: TextIO):
        isatty = getattr(stream, "isatty", None)
        self.enabled = (
            bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
            and (total >= LARGE_BYTES or files >= LARGE_FILES) and total > 0
        )
        self.total = total
        self.done = 0
        self.stream = stream
        self.shown = -1

    def __call__(self, count: int) -> None:
        if not self.enabled:
            return
        self.done += count
        percent = min(100, self.done * 100 // self.total)
        if percent != self.shown:
            self.shown = percent
            filled = WIDTH * percent // 100
            mib = 1024 * 1024
            self.stream.write(
                f"\r[{'#' * filled}{' ' * (WIDTH - filled)}] {percent:3d}% "
                f"{self.done / mib:.1f}/{self.total / mib:.1f} MiB"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.shown >= 0:
            self.stream.write("\r" + " " * (WIDTH + 40) + "\r")
            self.stream.flush()

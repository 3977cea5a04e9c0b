"""The entries' mtime: `SOURCE_DATE_EPOCH`, else the connector's last git commit, else
1980-01-01 (what makes the archive's bytes reproducible)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path

from kpack.bundle.common import BuildError

FIXED_EPOCH = 315532800  # 1980-01-01T00:00:00Z: when there is neither env nor git


def resolve_mtime(connector_dir: Path, environ: dict[str, str]) -> tuple[int, str]:
    """The entries' mtime and where it comes from."""
    lookup = MtimeLookup(connector_dir, environ)
    try:
        return lookup.result()
    finally:
        lookup.close()


class MtimeLookup:
    """`resolve_mtime` in two steps: `git log` starts here and runs while the build checks
    (a path-limited log can walk a long history); `result()` waits for it. An invalid
    SOURCE_DATE_EPOCH is reported by `result()`, where the build used to look. `close()`
    stops git if the build ends before asking."""

    def __init__(self, connector_dir: Path, environ: dict[str, str]):
        value = environ.get("SOURCE_DATE_EPOCH")
        self.value = value if value is not None and value.strip() else None
        self.process: subprocess.Popen[str] | None = None
        git = shutil.which("git") if self.value is None else None
        if git is not None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                from kpack.git import git_argv, git_env  # no program the folder names runs

                self.process = subprocess.Popen(
                    git_argv(connector_dir, ["log", "-1", "--format=%ct", "--", "."], git),
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=git_env(),
                )

    def result(self) -> tuple[int, str]:
        if self.value is not None:
            try:
                epoch = int(self.value.strip())
            except ValueError:
                raise BuildError(
                    f"SOURCE_DATE_EPOCH must be an integer number of seconds, not {self.value!r}"
                ) from None
            if epoch < 0:
                raise BuildError("SOURCE_DATE_EPOCH must not be negative")
            return epoch, "SOURCE_DATE_EPOCH"
        if self.process is not None:
            try:
                out, _ = self.process.communicate(timeout=30)
                if self.process.returncode == 0 and out.strip().isdigit():
                    return int(out.strip()), "last git commit"
            except (OSError, subprocess.SubprocessError):
                pass
        return FIXED_EPOCH, "fixed epoch (no SOURCE_DATE_EPOCH, no git history)"

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.communicate()  # reaps it and closes the pipe

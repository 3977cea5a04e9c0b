"""What the modules that write a bundle share: the error that is the environment's (exit
2), and the modes every entry gets (the archive's bytes depend on them)."""

from __future__ import annotations

FILE_MODE, EXEC_MODE, DIR_MODE = 0o644, 0o755, 0o755


class BuildError(Exception):
    """A problem of the environment (cannot write, file changed while read...): exit 2."""

"""`kpack build`: the bundle, with SIGTERM handled as Ctrl-C. The work is in
`kpack.bundle.run` (imported on use); `BuildOptions` is the command's request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpack.status import ExitStatus

if TYPE_CHECKING:
    from kpack.bundle.run import BuildOptions


def run(options: BuildOptions) -> ExitStatus:
    import signal

    from kpack.bundle.run import run_build

    def _terminate(signum: int, frame: object) -> None:
        # SIGTERM (CI cancel) cleans up like Ctrl-C: the temporary output is removed.
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (e.g. embedded): keep the default
        previous = None
    try:
        return ExitStatus(run_build(options))
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)

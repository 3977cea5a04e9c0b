"""Temporary outputs: an interruption while one is created still lets its owner discard it."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from kpack.bundle.archive import Pending, write_marker
from kpack.signals import deferred_signals


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("is_dir", [False, True])
def test_an_interrupt_during_creation_lands_after_the_owner_knows(
    tmp_path: Path, is_dir: bool
) -> None:
    pending = None
    with pytest.raises(KeyboardInterrupt), deferred_signals():
        os.kill(os.getpid(), signal.SIGINT)  # held until the block ends
        pending = Pending(tmp_path / "out", is_dir=is_dir)
    assert pending is not None and pending.temp.exists()
    pending.discard()
    assert list(tmp_path.iterdir()) == []


def test_a_commit_is_never_half_made(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    (final / "old.js").write_text("old")
    write_marker(final)  # a bundle folder kpack wrote: it may be replaced
    pending = Pending(final, is_dir=True)
    (pending.temp / "new.js").write_text("new")
    with pytest.raises(KeyboardInterrupt), deferred_signals():
        os.kill(os.getpid(), signal.SIGINT)
        pending.commit()  # inside: the swap completes before the interrupt lands
    pending.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.kpack-bundle", "out"]
    assert [p.name for p in final.iterdir()] == ["new.js"]

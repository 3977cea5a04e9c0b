"""`kpack provision`: account-type payloads (curl, http, json) or a safe upsert (--apply).
The work is in `kpack.provision.run` (imported on use); its `Request` is the command's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpack.status import ExitStatus

if TYPE_CHECKING:
    from kpack.provision.run import Request


def run(request: Request) -> ExitStatus:
    from kpack.provision.run import run as provision

    return ExitStatus(provision(request))

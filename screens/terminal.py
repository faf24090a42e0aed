"""The terminal under the desk: whether there is one, and whether it hung up (an SSH session or a
window closed), so the desk can sign him off and leave instead of spinning on a dead input."""

from __future__ import annotations

import os
import select
import sys
import time


def terminal_fd() -> int | None:
    """The terminal the desk reads its keys from, if it is one."""
    stream = sys.__stdin__
    try:
        fd = stream.fileno() if stream is not None else -1
    except (OSError, ValueError):
        return None
    return fd if fd >= 0 and os.isatty(fd) else None


def leave_anyway(after: float) -> None:
    """The last resort after a hang-up: if a clean exit has not ended the process by then, end it
    (he has been signed off by then, or his login expires by itself; the scheduler's lease too)."""
    time.sleep(after)
    os._exit(1)


def terminal_gone(fd: int) -> bool:
    """The terminal hung up (its SSH session or window closed): poll says HUP or ERR without reading
    anything, so no key is taken from Textual's input thread."""
    poller = select.poll()
    poller.register(fd, 0)  # no events asked: only HUP, ERR and NVAL are reported
    return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _fd, mask in poller.poll(0))

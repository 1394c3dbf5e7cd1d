"""``flock`` locks that die with the process holding them and are never inherited by its workers.

A lock is an ``flock`` on a file descriptor opened close-on-exec; the kernel drops it when the
holder exits (even by ``kill -9``). Forked pool workers get a copy of every descriptor, which
would keep the lock alive after the holder died, so every descriptor held here is listed in
:data:`HELD_LOCK_FDS` and :mod:`sim.experiments.executors` closes them in each worker it forks.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

#: File descriptors of the locks this process holds (forked workers close them at start).
HELD_LOCK_FDS: set[int] = set()


class FileLock:
    """An ``flock`` on ``path`` (created if missing), taken without blocking."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    def acquire(self, shared: bool = False) -> bool | None:
        """True if taken, False if another process holds it, None if the file system has no locks."""
        if self.fd < 0:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            HELD_LOCK_FDS.add(self.fd)
        try:
            fcntl.flock(self.fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            self.release()
            return False
        except OSError:
            return None

    def release(self) -> None:
        if self.fd >= 0:
            HELD_LOCK_FDS.discard(self.fd)
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1


def is_held(path: Path) -> bool:
    """Whether another live process holds the lock at ``path`` (False if the file is missing)."""
    if not path.exists():
        return False
    lock = FileLock(path)
    try:
        return lock.acquire() is False
    finally:
        lock.release()

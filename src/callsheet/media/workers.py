"""A bounded pool of threads that claim durable jobs, renew their leases and run them.

The pool knows nothing of the database: it is given `claim(worker)` (a job or None), `renew(job,
worker)` (False once the lease is lost) and `run(job, worker)`. Jobs live in a table any server
process can claim from (store/media_jobs.py), so the pool is only a way to spend this process's
threads on them; with nothing to do it polls, cheaply, every `poll_s`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger("callsheet.media")
J = TypeVar("J")


class JobWorkers(Generic[J]):
    """`count` threads running claimed jobs until `stop()`; each renews its job's lease every
    third of `lease_s` while the job runs."""

    def __init__(
        self,
        count: int,
        *,
        claim: Callable[[str], J | None],
        renew: Callable[[J, str], bool],
        run: Callable[[J, str], None],
        lease_s: float,
        poll_s: float = 1.0,
    ) -> None:
        self.count = count
        self.claim, self.renew, self.run = claim, renew, run
        self.lease_s = lease_s
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        prefix = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.names = [f"{prefix}:{n}" for n in range(count)]

    def start(self) -> None:
        """Start the threads (daemon threads: they never hold up an exit)."""
        for name in self.names:
            thread = threading.Thread(target=self._loop, args=(name,), name=f"media {name}")
            thread.daemon = True
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        """Look for work now (a job was just queued by this process)."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop taking jobs and wait for running ones (up to `timeout_s`; a job cut short is
        claimed again once its lease passes)."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads.clear()

    def _loop(self, name: str) -> None:
        while not self._stop.is_set():
            try:
                job = self.claim(name)
            except Exception:
                log.exception("claiming a media job failed")
                job = None
            if job is None:
                self._wake.wait(self.poll_s)
                self._wake.clear()
                continue
            self._run_with_lease(job, name)

    def _run_with_lease(self, job: J, name: str) -> None:
        done = threading.Event()

        def keep_lease() -> None:
            while not done.wait(self.lease_s / 3):
                try:
                    if not self.renew(job, name):
                        log.warning("media job %s: lease lost to another worker", job)
                        return
                except Exception:
                    log.exception("renewing the lease of media job %s failed", job)

        keeper = threading.Thread(target=keep_lease, name=f"lease {name}", daemon=True)
        keeper.start()
        try:
            self.run(job, name)
        except Exception:
            log.exception("media job %s failed", job)
        finally:
            done.set()
            keeper.join()

"""Progress of an import, made visible while its all-or-nothing transaction is still open.

Rows written inside the import's transaction are invisible to the web process until commit,
so progress is written from a helper thread that has its own database connection (Django
connections are per thread) and commits each update at once. On SQLite the import holds the
only write lock, so there the bar moves at commit only.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from django.db import connection, connections

from intermediary.imports.models import PersonImport

# Callers also get each step: the CLI drives a tqdm bar with it.
Listener = Callable[[str, int, int], None]
_STOP = object()
INTERVAL = 0.5  # seconds between two writes of the counters


class ProgressWriter:
    """Records rows_checked / rows_done on the job at most every ``interval`` seconds."""

    def __init__(self, job: PersonImport, listener: Listener | None = None) -> None:
        self.job_pk = job.pk
        self.listener = listener
        self.interval = INTERVAL
        self._last = 0.0
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ProgressWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def report(self, phase: str, done: int, total: int, *, force: bool = False) -> None:
        """``phase`` is "checked" or "done": which counter ``done`` is."""
        if self.listener is not None:
            self.listener(phase, done, total)
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        self._write({f"rows_{phase}": done})

    def _write(self, fields: dict[str, int]) -> None:
        # SQLite: the import's transaction holds the only write lock, so an update from
        # elsewhere would wait for the commit anyway; write it in the same transaction.
        if not connection.in_atomic_block or connection.vendor == "sqlite":
            PersonImport.objects.filter(pk=self.job_pk).update(**fields)
        else:
            self._ensure_thread()
            self._queue.put(fields)

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._drain, name="import-progress", daemon=True)
            self._thread.start()

    def _drain(self) -> None:
        try:
            while (item := self._queue.get()) is not _STOP:
                PersonImport.objects.filter(pk=self.job_pk).update(**item)
        finally:
            connections.close_all()

    def close(self) -> None:
        """Flush and stop the helper thread. Must run before the import's transaction touches
        the job row itself, or the helper would wait on that row lock forever."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

"""An in-process task worker for `intermediary demo` and single-host `serve`: the same loop as
`manage.py db_worker` (django-tasks-db), in a daemon thread, so queued imports run without a
second process. Production with several web processes runs `db_worker` on its own instead."""

from __future__ import annotations

import logging
import threading

from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)


def start_worker_thread(*, interval: float = 1.0) -> threading.Thread | None:
    """Start the worker loop if the default task backend is the database one (the immediate
    backend runs tasks on enqueue and needs none); returns the thread, or None."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.management.commands.db_worker import Worker

    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return None
    worker = Worker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME],
        interval=interval,
        batch=False,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    thread = threading.Thread(target=worker.run, name="tasks-worker", daemon=True)
    thread.start()
    logger.info("background task worker running in-process (thread %s)", thread.name)
    return thread

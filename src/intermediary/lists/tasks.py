"""Background tasks of lists (django-tasks): the reconciliation job."""

from __future__ import annotations

from django_tasks import task

from intermediary.lists.reconcile import run_reconciliation


@task()
def reconcile_list(run_pk: int) -> None:
    """Run one queued reconciliation (``ReconciliationRun`` primary key)."""
    run_reconciliation(run_pk)

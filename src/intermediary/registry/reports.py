"""The figures as CSV: the same Figures object the dashboard and the API show."""

from __future__ import annotations

import csv
import io

from intermediary.registry.selectors import Figures

CSV_HEAD = ["reference_date", "holding_party", "status", "total"]


def figures_csv(figures: Figures) -> str:
    """One row per holding party and status; one column per category the reader may see."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_HEAD, *figures.categories])
    for row in figures.rows:
        writer.writerow(
            [
                figures.reference_date.isoformat(),
                row.holding_party,
                row.status,
                row.total,
                *(row.counts[c] for c in figures.categories),
            ]
        )
    return out.getvalue()

"""Runs as the terminal shows them: a table whose rows end with the last line of output, and one run in full
(every stored field, its result and its whole stored output)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from core.durations import format_duration
from core.runs import OUTPUT_TAIL_BYTES, RunRecord
from core.text_table import text_table

_CELL = 60


def runs_table(runs: Sequence[RunRecord]) -> str:
    if not runs:
        return "no runs"
    rows = [
        (
            str(run.id),
            str(run.status),
            str(run.trigger),
            when(run.started_at or run.scheduled_at),
            format_duration(run.duration) if run.duration is not None else "-",
            _last_line(run.error_message) if run.status.is_failure else _last_line(run.output_tail),
        )
        for run in runs
    ]
    table = text_table(("RUN", "STATUS", "TRIGGER", "STARTED", "DURATION", "ERROR / LAST OUTPUT LINE"), rows)
    return f"{table}\n(schedops runs show RUN prints a run's whole output and result)"


def run_text(run: RunRecord) -> str:
    """Everything stored about ``run``, ending with its output (the last 8 KiB a run keeps)."""
    fields = [
        ("run", f"{run.id} of {run.job_id}"),
        ("status", str(run.status)),
        ("trigger", f"{run.trigger} (attempt {run.attempt})"),
        ("requested by", run.requested_by or "-"),
        ("scheduled", when(run.scheduled_at)),
        ("started", when(run.started_at)),
        ("finished", when(run.finished_at)),
        ("duration", format_duration(run.duration) if run.duration is not None else "-"),
    ]
    fields += [(name, str(value)) for name, value in _optional(run) if value is not None]
    lines = [f"{name + ':':<14}{value}" for name, value in fields]
    if run.result is not None:
        lines += ["result:", json.dumps(run.result, indent=2, ensure_ascii=False, default=str)]
    output = run.output_tail or ""
    kept = f" (the last {OUTPUT_TAIL_BYTES // 1024} KiB are kept)" if len(output.encode()) >= OUTPUT_TAIL_BYTES else ""
    lines.append(f"output{kept}:" if output else "output: (none)")
    text = "\n".join(lines) + "\n"
    return text + output + ("" if not output or output.endswith("\n") else "\n")


def _optional(run: RunRecord) -> list[tuple[str, object]]:
    return [
        ("exit code", run.exit_code),
        ("http status", run.http_status),
        ("error class", run.error_class),
        ("error", run.error_message),
        ("retry of", run.retry_of),
        ("retry at", when(run.retry_at) if run.retry_at else None),
        ("fix-it plan", run.fixit_plan_id),
    ]


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[-1].strip()
    return line if len(line) <= _CELL else line[: _CELL - 1] + "…"

"""Jobs to and from YAML in jobs-file form: export for review or version control, import as run-time edits.

An export parses back (``parse_jobs_document``) to exactly the same definitions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import yaml

from core.jobs.jobsfile import JOB_CLASSES
from core.jobs.spec import JobSpec, job_to_data
from core.jobs.sync import Outcome, SyncReport, check_unique_ids
from core.redaction import redacted_job_data
from core.storage.jobs_store import JobStore, spec_hash

_COMMON_FIELDS = set.intersection(*(set(job_class.model_fields) for job_class in JOB_CLASSES.values()))
_LEADING = ("id", "name", "kind")
_INLINE = {"schedule", "retries"}


class _Inline(dict[str, Any]):
    """A mapping written on one line: ``schedule: {cron: 0 2 * * *, timezone: Europe/Berlin}``."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # "  - item" under its key, as people write jobs files


def _represent_inline(dumper: _Dumper, data: _Inline) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


def _represent_list(dumper: _Dumper, data: list[Any]) -> yaml.Node:
    scalars = not any(isinstance(item, dict | list) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=scalars)


def _represent_str(dumper: _Dumper, data: str) -> yaml.Node:
    # Multi-line shell scripts read best as literal blocks; the emitter falls back to quotes when it must.
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_Dumper.add_representer(_Inline, _represent_inline)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def export_jobs_yaml(jobs: list[JobSpec], *, redact: bool = False) -> str:
    """``jobs`` as a jobs file: defaults left out, keys in reading order (id, name, kind, the kind's own
    fields, schedule, then the rest), one blank line between jobs. ``redact`` hides credential-bearing
    values (for showing in chat; such a file no longer round-trips)."""
    if not jobs:
        return "jobs: []\n"
    blocks = [
        _indented(yaml.dump([_ordered(job, redact)], Dumper=_Dumper, sort_keys=False, width=4096, allow_unicode=True))
        for job in jobs
    ]
    return "jobs:\n" + "\n".join(blocks)


def _ordered(spec: JobSpec, redact: bool) -> dict[str, Any]:
    data = redacted_job_data(spec) if redact else job_to_data(spec)
    own = [name for name in type(spec).model_fields if name not in _COMMON_FIELDS]
    order = [*_LEADING, *own, "schedule", *type(spec).model_fields]
    ordered = {key: data[key] for key in dict.fromkeys(order) if key in data}
    return {key: _Inline(value) if key in _INLINE else value for key, value in ordered.items()}


def _indented(text: str) -> str:
    return "".join(line if line == "\n" else f"  {line}" for line in text.splitlines(keepends=True))


async def import_jobs(store: JobStore, specs: list[JobSpec], *, now: datetime, actor: str | None) -> SyncReport:
    """Create or replace each of ``specs``; jobs not listed are never touched (nothing is disabled).

    New jobs belong to the API. A job that came from the jobs file stays the file's, its file hash kept, so an
    import is a run-time edit like any other: it holds until the file itself changes that job (rather than
    being overwritten by the file's unchanged definition at the next start).
    """
    check_unique_ids(specs)
    outcomes: dict[Outcome, list[str]] = {"created": [], "updated": [], "unchanged": []}
    for spec in specs:
        existing = await store.get(spec.id)
        if existing is None:
            await store.save(spec, now=now, actor=actor, source="api", via="import")
            outcomes["created"].append(spec.id)
        elif spec_hash(existing.spec) == spec_hash(spec):
            outcomes["unchanged"].append(spec.id)
        else:
            await store.save(
                spec, now=now, actor=actor, source=existing.source, file_hash=existing.file_hash, via="import"
            )
            outcomes["updated"].append(spec.id)
    return SyncReport(**outcomes)

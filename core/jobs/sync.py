"""Bringing the database in line with the jobs file, without undoing what people did at run time.

The file owns the definitions it lists, but only what it changes: each file-sourced job remembers the hash of
the definition last read from the file, and a sync rewrites a job only when that hash changes. So an edit made
through Slack survives restarts until someone edits that job in the file. Pause state is never touched. A job
taken out of the file is disabled, never deleted, so its history stays readable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from core.jobs.spec import JobSpec
from core.storage.jobs_store import JobStore, StoredJob, spec_hash

Outcome = Literal["created", "updated", "unchanged"]
_SUMMARY_IDS = 10  # a first sync can create hundreds of jobs; the summary stays one readable line


@dataclass(frozen=True, slots=True)
class SyncReport:
    """Which job ids a sync or import created, updated, left unchanged and disabled."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.disabled)

    def summary(self) -> str:
        """One line, e.g. ``2 created (a, b), 1 disabled (c), 4 unchanged``."""
        parts = [
            f"{len(ids)} {label} ({_some(ids)})"
            for label, ids in (("created", self.created), ("updated", self.updated), ("disabled", self.disabled))
            if ids
        ]
        if self.unchanged or not parts:
            parts.append(f"{len(self.unchanged)} unchanged")
        return ", ".join(parts)


def _some(ids: list[str]) -> str:
    shown = ", ".join(ids[:_SUMMARY_IDS])
    return shown if len(ids) <= _SUMMARY_IDS else f"{shown} and {len(ids) - _SUMMARY_IDS} more"


async def sync_jobs(store: JobStore, specs: list[JobSpec], *, now: datetime, actor: str = "jobs-file") -> SyncReport:
    """Apply the jobs file's ``specs`` (already validated as a whole) to ``store``.

    New ids are created; file-sourced jobs whose file definition changed are rewritten; jobs the file did not
    change keep any run-time edits; API-created jobs the file now lists are taken over by the file; file-sourced
    jobs the file no longer lists are disabled (never deleted) and reported once. Pause state is left alone.
    """
    check_unique_ids(specs)
    stored = {job.id: job for job in await store.list()}
    outcomes: dict[Outcome, list[str]] = {"created": [], "updated": [], "unchanged": []}
    for spec in specs:
        outcome = await _apply_file_spec(store, spec, stored.get(spec.id), now=now, actor=actor)
        outcomes[outcome].append(spec.id)
    listed = {spec.id for spec in specs}
    missing = [job for job in stored.values() if job.source == "file" and job.id not in listed]
    disabled = await _disable(store, missing, now=now, actor=actor)
    return SyncReport(**outcomes, disabled=disabled)


async def _apply_file_spec(
    store: JobStore, spec: JobSpec, existing: StoredJob | None, *, now: datetime, actor: str
) -> Outcome:
    file_hash = spec_hash(spec)
    if existing is not None and existing.source == "file" and existing.file_hash == file_hash:
        return "unchanged"
    await store.save(spec, now=now, actor=actor, source="file", file_hash=file_hash, via="jobs file")
    return "created" if existing is None else "updated"


async def _disable(store: JobStore, missing: Iterable[StoredJob], *, now: datetime, actor: str) -> list[str]:
    disabled: list[str] = []
    for job in missing:
        if job.file_hash is None:
            continue  # retired by an earlier sync; whatever was done to it since is a run-time edit
        # file_hash None marks it retired: if the job comes back to the file, the file's definition applies.
        spec = job.spec.model_copy(update={"enabled": False})
        await store.save(spec, now=now, actor=actor, source="file", file_hash=None, via="jobs file")
        if job.enabled:
            disabled.append(job.id)
    return disabled


def check_unique_ids(specs: list[JobSpec]) -> None:
    """Raise ValueError when two of ``specs`` share an id (the jobs file reports this more kindly)."""
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            raise ValueError(f"job id {spec.id!r} is given twice")
        seen.add(spec.id)

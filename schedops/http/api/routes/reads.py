"""The sitrep (whole and per job), health, job kinds and schedule presets."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from application.schedule_presets import PRESETS
from core.durations import DurationError, parse_duration
from core.jobs.spec import CeleryJob, DigestJob, HttpJob, PythonJob, ShellJob
from core.sitrep.model import Health, JobReport, Sitrep
from schedops.http.api.auth import Ops, Reader
from schedops.http.api.models import KindOut, PresetOut
from schedops.http.api.problems import ApiProblem

router = APIRouter(tags=["situation"])

Window = Annotated[str, Query(description="How far back to look, e.g. 30m, 24h, 7d", max_length=16)]


def _window(value: str) -> timedelta:
    try:
        window = parse_duration(value)
    except DurationError as error:
        raise ApiProblem(422, f"window: {error}") from None
    if window.total_seconds() <= 0:
        raise ApiProblem(422, "window: must be positive")
    return window


@router.get("/sitrep", response_model=Sitrep, summary="The situation report")
async def sitrep(ops: Ops, _caller: Reader, window: Window = "24h") -> Sitrep:
    return await ops.sitrep(window=_window(window))


@router.get("/sitrep/{job_id}", response_model=JobReport, summary="One job's report")
async def job_report(job_id: str, ops: Ops, _caller: Reader) -> JobReport:
    return await ops.job_report(job_id)


@router.get("/health", response_model=Health, summary="healthy, degraded or unhealthy, with the reasons")
async def health(ops: Ops, _caller: Reader) -> Health:
    return (await ops.sitrep()).health


@router.get("/job-kinds", response_model=list[KindOut], tags=["catalogue"], summary="The kinds of job")
async def job_kinds(ops: Ops, _caller: Reader) -> list[KindOut]:
    kinds = []
    for model in (ShellJob, HttpJob, PythonJob, CeleryJob, DigestJob):
        kind = model.model_fields["kind"].annotation.__args__[0]  # type: ignore[union-attr]
        refusal = ops.refused_kind(kind)
        kinds.append(
            KindOut(
                kind=kind,
                description=" ".join((model.__doc__ or "").split()),
                allowed=refusal is None,
                refusal=refusal,
                json_schema=model.model_json_schema(),
            )
        )
    return kinds


@router.get("/schedule-presets", response_model=list[PresetOut], tags=["catalogue"], summary="Common schedules")
async def schedule_presets(_caller: Reader) -> list[PresetOut]:
    return [PresetOut(name=p.name, label=p.label, schedule=p.schedule) for p in PRESETS]

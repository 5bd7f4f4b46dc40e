"""The sitrep and job reports as the running service sees them (shared by Slack, the Home tab, digests)."""

from __future__ import annotations

from datetime import timedelta

from application.services import Services
from core.sitrep.health import HealthRules
from core.sitrep.job_report import build_job_report
from core.sitrep.model import JobReport, Sitrep
from core.sitrep.report import build_sitrep


async def current_sitrep(services: Services, *, window: timedelta = timedelta(hours=24)) -> Sitrep:
    settings = services.settings
    return await build_sitrep(
        services.db,
        now=services.engine.clock(),
        window=window,
        scheduler_running=services.engine.running,
        default_timezone=settings.timezone,
        rules=HealthRules.from_settings(settings),
        misfire_grace=settings.misfire_grace,
    )


async def job_report(services: Services, job_id: str) -> JobReport:
    """Raises JobLookupError for an unknown job."""
    settings = services.settings
    return await build_job_report(
        services.db,
        job_id,
        now=services.engine.clock(),
        default_timezone=settings.timezone,
        misfire_grace=settings.misfire_grace,
        rules=HealthRules.from_settings(settings),
    )

"""The sitrep and job reports as the running service sees them (shared by Slack, the Home tab, digests)."""

from __future__ import annotations

from datetime import timedelta

from bot.services import Services
from core.sitrep.health import HealthRules
from core.sitrep.job_report import build_job_report
from core.sitrep.model import JobReport, Sitrep
from core.sitrep.report import build_sitrep, replicas_now


async def current_sitrep(services: Services, *, window: timedelta = timedelta(hours=24)) -> Sitrep:
    settings = services.settings
    now, replica = services.engine.clock(), services.replica
    return await build_sitrep(
        services.db,
        now=now,
        window=window,
        # A standby's own scheduler is meant to be idle: whether the cluster fires is the no_leader rule's.
        scheduler_running=services.engine.running or not replica.leading,
        replicas=await replicas_now(replica.store, now=now, alive_within=replica.timings.alive_within),
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

"""The situation report: health by explicit rules, run figures, failing, running, upcoming and paused jobs,
and one job explained; built from indexed aggregate SQL and rendered as plain text. No Slack here."""

from core.sitrep.health import HealthRules, evaluate_health
from core.sitrep.job_report import build_job_report
from core.sitrep.model import (
    FailingJob,
    Health,
    HealthLevel,
    HealthReason,
    JobCounts,
    JobReport,
    OnTimeStats,
    PausedJob,
    ReasonCode,
    RunningRun,
    RunStats,
    RunSummary,
    Sitrep,
    UpcomingRun,
)
from core.sitrep.report import build_sitrep
from core.sitrep.text import render_job_report, render_sitrep

__all__ = [
    "FailingJob",
    "Health",
    "HealthLevel",
    "HealthReason",
    "HealthRules",
    "JobCounts",
    "JobReport",
    "OnTimeStats",
    "PausedJob",
    "ReasonCode",
    "RunStats",
    "RunSummary",
    "RunningRun",
    "Sitrep",
    "UpcomingRun",
    "build_job_report",
    "build_sitrep",
    "evaluate_health",
    "render_job_report",
    "render_sitrep",
]

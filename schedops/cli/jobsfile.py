"""Reading the configured jobs file, its problems as CLI errors."""

from __future__ import annotations

from pathlib import Path

from core.config import Settings
from core.jobs.jobsfile import JobsFileError, load_jobs_file
from core.jobs.spec import JobSpec
from schedops.cli import EXIT_BAD_INPUT, CommandError


def file_variables(settings: Settings) -> dict[str, str]:
    """What ``${NAME}`` may name in a jobs file: PORT, the port of schedops' own health server."""
    return {"PORT": str(settings.port)}


def read_jobs_file(path: Path, settings: Settings) -> list[JobSpec]:
    try:
        return load_jobs_file(path, file_variables(settings))
    except JobsFileError as error:
        raise CommandError(error.lines, EXIT_BAD_INPUT) from None


def configured_jobs(settings: Settings) -> list[JobSpec] | None:
    """The jobs file's definitions, or None when no file is configured."""
    return None if settings.jobs_file is None else read_jobs_file(settings.jobs_file, settings)

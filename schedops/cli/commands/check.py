"""``schedops check``: the configuration and the jobs file, validated without starting anything."""

from __future__ import annotations

import argparse

from core.config import Settings
from schedops.cli.jobsfile import configured_jobs


def execute(args: argparse.Namespace, settings: Settings) -> int:
    specs = configured_jobs(settings)
    source = f"{settings.jobs_file}: {len(specs)} job(s) valid" if specs is not None else "no jobs file"
    print(f"configuration ok; {source}")
    return 0

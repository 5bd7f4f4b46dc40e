"""The App Home tab: health at a glance, failing jobs each with a Retry button, and what runs next."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.views import blocks
from bot.views.common import bounded_lines, more_line, when
from bot.views.formats import HEALTH_EMOJI
from bot.views.sitrep import failing_line, figures_block, reasons_block, upcoming_line
from bot.views.workers import workers_block
from core.durations import roughly
from core.sitrep.model import Sitrep

MAX_FAILING = 80  # one section per failing job, within the Home tab's 100 blocks


def home_view(sitrep: Sitrep, *, failing_limit: int = 10, upcoming_limit: int = 10) -> dict[str, Any]:
    level = sitrep.health.level
    body: list[blocks.Block] = [
        blocks.header(f"{HEALTH_EMOJI[level]} schedops: {level.value}"),
        blocks.context(f"As of {when(sitrep.generated_at)} · last {roughly(sitrep.window)} · `/sitrep` for more"),
    ]
    if sitrep.health.reasons:
        body.append(reasons_block(sitrep))
    body += [figures_block(sitrep), blocks.divider()]
    body += _failing(sitrep, min(max(failing_limit, 0), MAX_FAILING))
    workers = workers_block(sitrep)
    if workers is not None:
        body += [blocks.divider(), workers]
    upcoming = [upcoming_line(run) for run in sitrep.upcoming]
    if upcoming:
        shown = bounded_lines(upcoming, limit=max(upcoming_limit, 0), noun="scheduled run")
        body += [blocks.divider(), blocks.section(f"*Next runs*\n{shown}")]
    return {"type": "home", "blocks": body}


def _failing(sitrep: Sitrep, limit: int) -> list[blocks.Block]:
    jobs = sitrep.failing_jobs
    if not jobs:
        return [blocks.section("*Failing jobs*\nNone :tada:")]
    sections = [blocks.section(f"*Failing jobs ({len(jobs)})*")]
    for job in jobs[:limit]:
        retry = blocks.button("Retry", ids.keyed(ids.RETRY, job.job_id), job.job_id, style="primary")
        sections.append(
            blocks.section(failing_line(job), block_id=ids.keyed(ids.HOME_FAILING, job.job_id), accessory=retry)
        )
    more = more_line(min(len(jobs), limit), len(jobs), "failing job")
    if more:
        sections.append(blocks.context(f"_{more}_ · `/sitrep` lists them"))
    return sections

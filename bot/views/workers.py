"""Workers in Slack: the Workers section of /sitrep and the Home tab, a run's progress, and the alert for a
queue whose runs wait for a worker that is not there."""

from __future__ import annotations

from datetime import datetime

from bot.views import blocks
from bot.views.common import Message, bounded_lines, escape, fallback, inline_code, truncate, when
from bot.views.formats import duration
from core.sitrep.model import RunningRun, Sitrep, WaitingQueue, WorkerLine

LIST_LIMIT = 10
NAME_CHARS = 80
TITLE_CHARS = 60
PROGRESS_CHARS = 120
QUEUES_SHOWN = 5
RUNS_SHOWN = 3
ONLINE, OFFLINE, WAITING = ":large_green_circle:", ":black_circle:", ":warning:"


def progress_words(run: RunningRun) -> str:
    """`` · 40% copying table 3/7`` when the run's job reported progress; empty otherwise."""
    if run.progress is None:
        return ""
    text = f" {truncate(escape(run.progress_text), PROGRESS_CHARS)}" if run.progress_text else ""
    return f" · {run.progress:.0%}{text}"


def workers_block(sitrep: Sitrep) -> blocks.Block | None:
    """The Workers section; None when runs execute in schedops' own process and no worker registered."""
    overview = sitrep.workers
    if overview is None:
        return None
    lines = [waiting_line(wait) for wait in overview.waiting] + [worker_line(w) for w in overview.workers]
    if not overview.workers:
        lines.append("_No worker has registered: a run waits on its queue until a `schedops worker` consumes it._")
    heading = f"*Workers ({overview.online} online of {len(overview.workers)})*"
    return blocks.section(f"{heading}\n{bounded_lines(lines, limit=LIST_LIMIT, noun='line')}")


def waiting_line(wait: WaitingQueue) -> str:
    runs = "1 run" if wait.runs == 1 else f"{wait.runs:,} runs"
    why = "every worker on it is busy" if wait.served else "*no online worker consumes it*"
    mark = "" if wait.served else f"{WAITING} "
    return f"{mark}Queue {inline_code(wait.queue, NAME_CHARS)}: {runs} waiting since {when(wait.since)}, {why}"


def worker_line(worker: WorkerLine) -> str:
    head = f"{ONLINE if worker.online else OFFLINE} {inline_code(worker.name, NAME_CHARS)}"
    where = f"{escape(truncate(worker.host, NAME_CHARS))} pid {worker.pid}"
    return f"{head} · {where} · {_queues(worker.queues)} · {_activity(worker)}"


def _queues(queues: list[str]) -> str:
    shown = ", ".join(inline_code(queue, NAME_CHARS) for queue in queues[:QUEUES_SHOWN])
    more = f" +{len(queues) - QUEUES_SHOWN}" if len(queues) > QUEUES_SHOWN else ""
    return f"queue{'s' if len(queues) != 1 else ''} {shown}{more}"


def _activity(worker: WorkerLine) -> str:
    state = "" if worker.online else f"*offline*, {_gone(worker)}"
    if not worker.running:
        return state or "idle"
    runs = "; ".join(_run(run) for run in worker.running[:RUNS_SHOWN])
    more = f" (+{len(worker.running) - RUNS_SHOWN} more)" if len(worker.running) > RUNS_SHOWN else ""
    return f"{state + ' · ' if state else ''}running {runs}{more}"


def _gone(worker: WorkerLine) -> str:
    if worker.stopped_at is not None:
        return f"stopped {when(worker.stopped_at)}"
    if worker.broker_lost_at is not None:
        return f"cut off from its broker since {when(worker.broker_lost_at)}, last seen {when(worker.last_seen)}"
    return f"last seen {when(worker.last_seen)}"


def _run(run: RunningRun) -> str:
    title = "" if run.title == run.job_id else f" ({truncate(escape(run.title), TITLE_CHARS)})"
    return f"*{run.job_id}*{title} run {run.run_id}{progress_words(run)} · for {duration(run.elapsed)}"


def queue_stalled_message(queue: str, *, waiting: int, since: datetime) -> Message:
    """The alert: runs wait on ``queue`` and no online worker consumes it."""
    runs = "1 run waits" if waiting == 1 else f"{waiting:,} runs wait"
    name = inline_code(queue, NAME_CHARS)
    body = [
        blocks.section(f"{WAITING} *Queue {name} has no worker*: {runs} on it, the oldest since {when(since)}."),
        blocks.context(
            f"Start a worker for it (`schedops worker --queue {escape(truncate(queue, NAME_CHARS))}`) or move the "
            "jobs to a queue that has one. `/sitrep` shows the workers."
        ),
    ]
    return {"text": fallback(f"Queue {queue} has no worker: {runs} on it"), "blocks": body}


def queue_recovered_message(queue: str, *, waited: int, at: datetime) -> Message:
    """The alert, updated in place once no run waits on the queue for a missing worker any more."""
    name = inline_code(queue, NAME_CHARS)
    runs = "1 run" if waited == 1 else f"{waited:,} runs"
    body = [
        blocks.section(f":white_check_mark: *Queue {name} is served again*"),
        blocks.context(f"No run waits on it for a worker since {when(at)} ({runs} had waited)."),
    ]
    return {"text": fallback(f"Queue {queue} is served again"), "blocks": body}

"""The application layer: every operation a front door (Slack, the CLI, the HTTP API) offers, with the policy
applied once here: who may, what needs an approval, which job kinds a door may define, what is hidden.

Doors parse, call one method, and render what it returns or raises; none of them decides a rule."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from application import reads
from application.callers import API_DOOR, Caller, check_may_change, check_may_decide
from application.fixit import FixitRunner
from application.job_kinds import KindRefused, RemoteJobControl, refused_kind
from application.run_cancel import request_cancel
from application.services import Services
from core.abc import Progress
from core.access import audit_read, may_read_output, output_refusal, parse_run_id
from core.approvals import (
    ActedDirectly,
    ActionRequest,
    Approval,
    ApprovalAction,
    ApprovalService,
    ApprovalStatus,
    Decision,
    NoApprovers,
)
from core.approvals.policy import Direct, decide_route, eligible_approvers
from core.audit import AuditEntry, query_audit, recorded_via
from core.clock import Clock
from core.config import Settings
from core.events import ApprovalDecided, ApprovalRequested, RunFailed, RunSkipped, RunSucceeded
from core.fixit.describe import describe_plan
from core.fixit.model import FixitAction, FixitMode, FixitPlan
from core.fixit.plan import plan_fixit
from core.fixit.store import PlanStore
from core.job_stats import JobStats, job_stats
from core.jobs.changes import spec_changes
from core.jobs.describe import describe_job, describe_schedule
from core.jobs.export import export_jobs_yaml, import_jobs
from core.jobs.spec import SLACK_USER_PATTERN, JobSpec
from core.jobs.sync import SyncReport, check_unique_ids
from core.runs import RunRecord
from core.sitrep.model import JobReport, RunningRun, Sitrep
from core.storage.jobs_store import JobLookupError, StoredJob, spec_hash
from core.storage.notify import notify

__all__ = ["ImportResult", "JobPage", "NothingToRetry", "Operations", "OutputRefused"]


class OutputRefused(PermissionError):
    """The reader may not read run output or the export (SCHEDOPS_OUTPUT_READERS)."""


# How long an API decision waits for the approved action to be carried out before answering.
DECISION_WAIT_SECONDS = 10.0


class NothingToRetry(LookupError):
    """A fix-it plan with no retry in it: there is nothing to approve."""

    def __init__(self, plan: FixitPlan) -> None:
        super().__init__("Nothing to retry: " + describe_plan(plan))
        self.plan = plan


@dataclass(frozen=True, slots=True)
class JobPage:
    jobs: list[StoredJob]
    number: int
    size: int
    total: int


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: the summary, and for each job it replaced, the fields that changed."""

    report: SyncReport
    changes: dict[str, list[str]]


class Operations:
    """What schedops can be asked to do, whichever door asks. ``actor`` is who asks, as the audit log names
    them (a Slack user id for Slack)."""

    def __init__(self, services: Services, approvals: ApprovalService) -> None:
        self.services = services
        self.approvals = approvals
        self.plans = PlanStore(services.db)
        self._run_waiters: dict[int, asyncio.Event] = {}
        self._deciding: set[asyncio.Task[Approval]] = set()
        services.events.subscribe(RunSucceeded, self._run_ended)
        services.events.subscribe(RunFailed, self._run_ended)
        services.events.subscribe(RunSkipped, self._run_ended)

    @classmethod
    async def create(cls, services: Services, *, fixit_backoff: timedelta = timedelta(seconds=30)) -> Operations:
        approvals = await ApprovalService.create(
            services.db,
            services.settings,
            control=RemoteJobControl(services.engine, services.settings),
            run_fixit=FixitRunner(services, backoff=fixit_backoff),
            clock=services.engine.clock,
        )
        return cls(services, approvals)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def clock(self) -> Clock:
        return self.services.engine.clock

    # -- asking for a change -------------------------------------------------------------------------------

    def refused_kind(self, kind: str) -> str | None:
        """Why a job of ``kind`` may not be defined through a remote door, or None when it may."""
        return refused_kind(kind, self.settings)

    async def ask(
        self,
        request: ActionRequest,
        *,
        actor: str,
        channel_id: str | None,
        direct: bool | None = None,
        door: str = "slack",
    ) -> ActedDirectly | Approval:
        """Carry out ``request`` (admins, or ``direct``) or open an approval request for it (anyone else). A
        new job without an owner belongs to whoever asked for it, when that is a Slack user.

        Raises JobLookupError for an unknown job, KindRefused for a kind this door may not define, and an
        ApprovalRefused subclass when nobody could approve it; a direct action's own errors propagate."""
        current = None
        if request.action is not ApprovalAction.ADD_JOB and request.job_id:
            current = await self.job(request.job_id)
        if request.action in {ApprovalAction.ADD_JOB, ApprovalAction.UPDATE_JOB}:
            # An edit may carry only its change (and the version it was made on): judge what it would make.
            edited = request.base_version is not None and current is not None
            proposed = request.applied_to(current.spec).spec if edited and current else request.spec
            refusal = self.refused_kind(proposed.kind)
            if refusal is not None:
                raise KindRefused(refusal)
        if request.action is ApprovalAction.ADD_JOB and request.spec.owner is None and SLACK_USER_PATTERN.match(actor):
            request = ActionRequest.add_job(request.spec.model_copy(update={"owner": actor}))
        result = await self.approvals.submit(request, actor=actor, channel_id=channel_id, direct=direct)
        if isinstance(result, Approval):
            self.services.events.publish(ApprovalRequested(result, door))
        return result

    async def ask_as(self, request: ActionRequest, caller: Caller) -> ActedDirectly | Approval:
        """``ask`` for an API caller: refused for a viewer; an operator's request is posted for approval in
        SCHEDOPS_ALERT_CHANNEL. Raises NotAllowed and NowhereToAsk besides what ``ask`` raises."""
        check_may_change(caller, self.settings)
        with recorded_via(caller.credential):
            return await self.ask(
                request,
                actor=caller.actor,
                channel_id=self.settings.alert_channel,
                direct=caller.direct,
                door=API_DOOR,
            )

    async def plan_fixit(
        self,
        *,
        actor: str,
        mode: FixitMode,
        window: timedelta,
        max_retries: int = 3,
        job_ids: Sequence[str] = (),
    ) -> FixitPlan:
        """A recovery plan for the failures in ``window`` (not stored: a dry run shows it, ``request_fixit``
        keeps it). Raises FixitJobLookupError for an unknown job id."""
        return await plan_fixit(
            self.services.db,
            mode=mode,
            window=window,
            max_retries=max_retries,
            job_ids=list(job_ids) or None,
            now=self.clock(),
            requested_by=actor,
        )

    async def import_as(
        self, specs: Sequence[JobSpec], caller: Caller
    ) -> tuple[dict[str, ActedDirectly | Approval], list[str]]:
        """Each changed or new job of ``specs`` asked for like any other change (an admin's done, an operator's
        an approval request each); returns those outcomes and the ids already as given. Raises what
        ``ask_as`` raises, before anything is changed for a refusal of the caller or of a job's kind."""
        check_unique_ids(list(specs))
        check_may_change(caller, self.settings)
        for spec in specs:
            refusal = self.refused_kind(spec.kind)
            if refusal is not None:
                raise KindRefused(f"{spec.id}: {refusal}")
        results: dict[str, ActedDirectly | Approval] = {}
        unchanged: list[str] = []
        for spec in specs:
            existing = await self.find_job(spec.id)
            if existing is not None and spec_hash(existing.spec) == spec_hash(spec):
                unchanged.append(spec.id)
                continue
            request = ActionRequest.add_job(spec) if existing is None else ActionRequest.update_job(spec)
            results[spec.id] = await self.ask_as(request, caller)
        return results, unchanged

    async def wait_for_run(self, run_id: int, *, seconds: float, poll_seconds: float | None = None) -> RunRecord:
        """The run once it has finished, or as it stands after ``seconds``. With ``poll_seconds`` its row is
        also read that often: a run this process does not carry out (another replica's, or any run when a CLI
        command waits) ends without an event here."""
        ended = self._run_waiters.setdefault(run_id, asyncio.Event())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        try:
            run = await self.services.engine.runs.get(run_id)
            while not run.status.is_finished and (left := deadline - loop.time()) > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(left, poll_seconds or left)):
                        await ended.wait()
                run = await self.services.engine.runs.get(run_id)
            return run
        finally:
            self._run_waiters.pop(run_id, None)

    async def _run_ended(self, event: RunSucceeded | RunFailed | RunSkipped) -> None:
        waiter = self._run_waiters.get(event.run.id)
        if waiter is not None:
            waiter.set()

    # -- cancelling a run ----------------------------------------------------------------------------------

    async def cancel_run(
        self, run_id: int, *, actor: str, channel_id: str | None = None, direct: bool | None = None
    ) -> RunRecord:
        """Ask whoever executes run ``run_id`` (this process, another replica, a worker) to stop it; returns the
        run as it stood when asked (``wait_for_run`` follows it to its end). Who may: whoever may run its job
        now without an approval (an admin; ``direct`` overrides that for a caller whose role is known
        otherwise). Every attempt, accepted or refused, is audited as run.cancel.

        Raises RunLookupError for an unknown run, CancelNotAllowed, and RunNotRunning for a run that has
        ended or is already being cancelled."""
        return await self._cancel(
            run_id,
            actor=actor,
            direct=direct,
            channel_id=channel_id,
            refusal=lambda run: (
                f"you may not cancel {run}: only admins (SCHEDOPS_ADMINS) may, as only they run "
                "a job now without an approval"
            ),
        )

    async def cancel_run_as(self, run_id: int, caller: Caller) -> RunRecord:
        """``cancel_run`` for an API caller: an admin token may, as it runs a job now without an approval; an
        operator's or a viewer's attempt is refused (and audited)."""
        with recorded_via(caller.credential):
            return await self._cancel(
                run_id,
                actor=caller.actor,
                direct=caller.direct,
                channel_id=None,
                refusal=lambda run: (
                    f"token {caller.token!r} ({caller.role.value}) may not cancel {run}: only an "
                    "admin token may, as only it runs a job now without an approval"
                ),
            )

    async def _cancel(
        self, run_id: int, *, actor: str, direct: bool | None, channel_id: str | None, refusal: Callable[[str], str]
    ) -> RunRecord:
        run = await self.run(run_id)
        # The rule of run now (the approval policy), not a copy of it: whoever runs a job at once may stop it.
        allowed = isinstance(decide_route(actor, ApprovalAction.RUN_JOB, self.settings, direct=direct), Direct)
        not_allowed = None if allowed else refusal(f"run {run.id} of {run.job_id}")
        await request_cancel(
            self.services.db, run, actor=actor, now=self.clock(), channel_id=channel_id, not_allowed=not_allowed
        )
        return run

    async def request_fixit(
        self, plan: FixitPlan, *, actor: str, channel_id: str | None, door: str = "slack"
    ) -> Approval:
        """Keep ``plan`` and ask a second person to approve it (fix-it always needs one, admins included).
        Raises NothingToRetry and NoApprovers."""
        if not any(item.action is FixitAction.RETRY for item in plan.items):
            raise NothingToRetry(plan)
        if not eligible_approvers(actor, self.settings):
            raise NoApprovers()
        await self.plans.save_plan(plan)
        approval = await self.approvals.request_approval(
            ActionRequest.fixit(plan.id), actor=actor, channel_id=channel_id
        )
        self.services.events.publish(ApprovalRequested(approval, door))
        return approval

    async def request_fixit_as(self, plan: FixitPlan, caller: Caller) -> Approval:
        """``request_fixit`` for an API caller (fix-it needs a second person whatever the role)."""
        check_may_change(caller, self.settings, always_asks=True)
        with recorded_via(caller.credential):
            return await self.request_fixit(
                plan, actor=caller.actor, channel_id=self.settings.alert_channel, door=API_DOOR
            )

    async def import_jobs(self, specs: Sequence[JobSpec], *, actor: str) -> ImportResult:
        """Create each of ``specs``, or replace the stored definition with it whole (fields it leaves out take
        their defaults); jobs not listed are left alone. Admins only: an import may define code-running kinds.
        Raises PermissionError for anyone else."""
        if actor not in self.settings.admins:
            raise PermissionError(f"{actor} may not import jobs: only admins may")
        stored = {job.id: job.spec for job in await self.services.engine.jobs.list()}
        report = await import_jobs(self.services.engine.jobs, list(specs), now=self.clock(), actor=actor)
        await notify(self.services.db, "jobs")  # running replicas pick it up now, not at their next poll
        changes = {job_id: spec_changes(stored[job_id], new) for new in specs if (job_id := new.id) in report.updated}
        return ImportResult(report, changes)

    # -- deciding ------------------------------------------------------------------------------------------

    async def decide(
        self,
        token: str,
        *,
        actor: str,
        channel_id: str | None,
        message: tuple[str, str] | None = None,
        progress: Progress | None = None,
        door: str = "slack",
    ) -> Approval:
        """Approve or deny (the decision is in the signed ``token``); an approval is carried out at once,
        ``progress`` hearing how a fix-it plan goes. ``message`` (channel, ts) is where a button was clicked:
        a token is honoured only on its own request's message. Raises an ApprovalRefused subclass."""
        approval = await self.approvals.decide(
            token, actor=actor, channel_id=channel_id, message=message, progress=progress
        )
        self.services.events.publish(ApprovalDecided(approval, door))
        return approval

    async def decide_as(self, approval_id: str, decision: Decision, caller: Caller) -> Approval:
        """Decide request ``approval_id`` for an API caller acting as an approver (never the requester).
        Raises NotAllowed, ApprovalLookupError and the ApprovalRefused subclasses ``decide`` raises."""
        approver = check_may_decide(caller)
        approval = await self.approvals.store.get(approval_id)
        with recorded_via(caller.credential):
            # The same signed decision a Slack button carries: one path decides, whichever door is used.
            signed = self.approvals.token(approval, decision)
            deciding = asyncio.get_running_loop().create_task(
                self.decide(signed, actor=approver, channel_id=None, door=API_DOOR)
            )
        # A refusal or a quick action answers at once; a fix-it plan may take minutes of retries: it carries on
        # in the background, and the caller sees the request as approved (GET it later for the outcome).
        self._deciding.add(deciding)
        deciding.add_done_callback(self._deciding.discard)
        done, _ = await asyncio.wait({deciding}, timeout=DECISION_WAIT_SECONDS)
        if done:
            return deciding.result()
        return await self.approvals.store.get(approval_id)

    async def describe_request(self, approval: Approval) -> list[str]:
        """What a request asks for, in words an approver can judge: the plan, or the new job definition
        (with credential-bearing values left out)."""
        request = approval.request
        if request.action is ApprovalAction.FIXIT and request.plan_id:
            return describe_plan((await self.plans.get_plan(request.plan_id)).plan).splitlines()
        if request.action is ApprovalAction.UPDATE_JOB and request.base_version is not None:
            job = await self.find_job(request.job_id or "")
            schedule = [f"Schedule now: {describe_schedule(job.spec, self.settings.timezone)}"] if job else []
            return [request.describe(), *schedule, "Changes:", *(request.diff or ["(none)"])]
        if request.action in {ApprovalAction.ADD_JOB, ApprovalAction.UPDATE_JOB}:
            spec = request.spec
            when = f"Schedule: {describe_schedule(spec, self.settings.timezone)}"
            return [request.describe(), when, *describe_job(spec, default_misfire_grace=self.settings.misfire_grace)]
        return [request.describe()]

    # -- reading -------------------------------------------------------------------------------------------

    async def sitrep(self, *, window: timedelta = reads.DEFAULT_WINDOW) -> Sitrep:
        replica = self.services.replica
        return await reads.sitrep(
            self.services.db,
            self.settings,
            now=self.clock(),
            scheduler_running=self.services.engine.running or not replica.leading,
            window=window,
            alive_within=replica.timings.alive_within,
        )

    async def job_report(self, job_id: str) -> JobReport:
        """Raises JobLookupError for an unknown job."""
        return await reads.job_report(self.services.db, self.settings, job_id, now=self.clock())

    async def running(self, job_id: str) -> list[RunningRun]:
        """The job's runs in progress, oldest first."""
        return await reads.running_runs(self.services.db, self.settings, job_id, now=self.clock())

    async def find_job(self, job_id: str) -> StoredJob | None:
        return await self.services.engine.jobs.get(job_id)

    async def job(self, job_id: str) -> StoredJob:
        """Raises JobLookupError for an unknown job."""
        job = await self.services.engine.jobs.get(job_id)
        if job is None:
            raise JobLookupError(job_id)
        return job

    async def job_page(self, number: int, size: int, *, owner: str | None = None) -> JobPage:
        """One page of the job list (optionally only ``owner``'s), reading only that page's jobs."""
        jobs = self.services.engine.jobs
        return JobPage(await jobs.page(number, size, owner=owner), number, size, await jobs.count(owner=owner))

    async def job_stats(self, job_id: str, *, days: int) -> JobStats:
        """Raises JobLookupError for an unknown job."""
        await self.job(job_id)
        return await job_stats(self.services.db, job_id, days=days, now=self.clock())

    async def approval(self, approval_id: str) -> Approval:
        """Raises ApprovalLookupError."""
        return await self.approvals.store.get(approval_id)

    async def recent_approvals(self, *, status: ApprovalStatus | None = None, limit: int = 50) -> list[Approval]:
        return await self.approvals.store.recent(status=status, limit=limit)

    async def upcoming(self, job_id: str, count: int) -> list[datetime]:
        return await self.services.engine.upcoming(job_id, count)

    async def history(self, job_id: str, limit: int) -> list[RunRecord]:
        return await self.services.engine.runs.recent(job_id, limit)

    async def run(self, run_id: int) -> RunRecord:
        """Raises RunLookupError for an unknown run."""
        return await self.services.engine.runs.get(run_id)

    async def read_output(self, value: str, *, reader: str, channel_id: str | None) -> RunRecord:
        """A run with its output, for ``reader`` (SCHEDOPS_OUTPUT_READERS decides who may); every read,
        allowed or refused, is audited. ``value`` is the run id as a door received it. Raises OutputRefused,
        and RunLookupError for a value that names no run."""
        run_id = parse_run_id(value)
        await self._read(reader, "run.output", f"run:{run_id}" if run_id is not None else None, channel_id)
        return await self.services.engine.runs.get(run_id if run_id is not None else 0)

    async def export_for(self, reader: str, *, channel_id: str | None) -> str:
        """The jobs file as a remote door may show it: credential-bearing values hidden, the read audited.
        Raises OutputRefused for a reader SCHEDOPS_OUTPUT_READERS leaves out."""
        await self._read(reader, "jobs.export", None, channel_id)
        return await self.export(redact=True)

    async def _read(self, reader: str, what: str, target: str | None, channel_id: str | None) -> None:
        allowed = may_read_output(reader, self.settings)
        await audit_read(
            self.services.db, at=self.clock(), reader=reader, what=what, target=target, channel_id=channel_id,
            allowed=allowed,
        )  # fmt: skip
        if not allowed:
            raise OutputRefused(output_refusal(self.settings))

    async def export(self, *, redact: bool) -> str:
        """Every job as a jobs file. Chat and API callers get it with env and header values, bodies and URL
        secrets hidden; the complete file is for the server's own operator (`schedops jobs export`)."""
        return export_jobs_yaml([job.spec for job in await self.services.engine.jobs.list()], redact=redact)

    async def audit(
        self, *, actor: str | None = None, action: str | None = None, limit: int = 50, before_id: int | None = None
    ) -> list[AuditEntry]:
        return await query_audit(self.services.db, actor=actor, action=action, limit=limit, before_id=before_id)

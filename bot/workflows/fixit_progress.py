"""Fix-it progress on the approval message: each line the runner reports redraws the decided request."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.responders import MessageRef
from bot.views.approvals import approval_decided_message
from core.abc import Progress
from core.approvals import ApprovalStore
from core.fixit.describe import describe_plan
from core.fixit.store import PlanStore

log = logging.getLogger(__name__)


def progress_on_message(
    client: AsyncWebClient, approvals: ApprovalStore, plans: PlanStore, *, approval_id: str, message: MessageRef
) -> Progress:
    """A progress sink that shows every line so far on ``message`` (the request's own message)."""
    lines: list[str] = []
    details: list[str] = []

    async def show(line: str) -> None:
        lines.append(line)
        # Progress is a courtesy: whatever goes wrong showing it, the plan goes on and its result is posted.
        try:
            approval = await approvals.get(approval_id)
            if not details and approval.request.plan_id:
                details.extend(describe_plan((await plans.get_plan(approval.request.plan_id)).plan).splitlines())
            view = approval_decided_message(approval, details=details, progress=list(lines))
            await client.chat_update(channel=message.channel, ts=message.ts, **view)
        except SlackApiError as error:
            log.warning("could not show fix-it progress: %s", error.response.get("error"))
        except Exception:
            log.exception("could not show fix-it progress")

    return show

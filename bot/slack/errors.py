"""What a failed Slack call means for whoever made it: Slack's answers that retrying cannot change, and the
errors of not reaching Slack at all (which a later try may get past)."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError

# Slack's `error` codes that retrying cannot fix: the channel, or the app's access to it, is wrong.
PERMANENT = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "account_inactive", "missing_scope"}
)
# Not reaching Slack at all: the network, DNS, a timeout. OSError covers what aiohttp does not wrap.
UNREACHABLE: tuple[type[Exception], ...] = (aiohttp.ClientError, TimeoutError, OSError)
# Every way a Slack call can fail that a caller should handle rather than crash on.
FAILURES: tuple[type[Exception], ...] = (SlackApiError, *UNREACHABLE)


def is_permanent(error: BaseException) -> bool:
    """Whether retrying the same call can never succeed."""
    return isinstance(error, SlackApiError) and error.response.get("error") in PERMANENT


def reason(error: BaseException) -> str:
    """Slack's error code, or the kind of failure to reach it; never a message that could carry a secret."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    return type(error).__name__

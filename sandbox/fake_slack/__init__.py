"""A local Slack-compatible server over real sockets: the sandbox's workspace, and the end-to-end tests' and
benchmarks' Slack (the tests add fault injection: `fail_next`, `drop_socket`, `send_disconnect`).

async with FakeSlack() as fake:
    client = AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)
    handler = AsyncSocketModeHandler(AsyncApp(client=client), fake.app_token, ping_interval=0.5)
    await handler.connect_async()
    envelope = await fake.deliver(fake.slash_command("/sitrep", "backup", user_id=ALICE))
    ack = await envelope.ack()                      # ack.payload, ack.latency (seconds)
    [reply] = await fake.wait_for(lambda: fake.messages(OPS_CHANNEL))
    assert fake.violations == [] and fake.warnings == []
    await handler.close_async()                     # before the fake stops
"""

from sandbox.fake_slack.payloads import Identity
from sandbox.fake_slack.server import ALICE, BOB, CAROL, OPS_CHANNEL, FakeSlack
from sandbox.fake_slack.socket_mode import Ack, Envelope
from sandbox.fake_slack.state import ApiCall, Message, ResponsePost, View, Violation

__all__ = [
    "ALICE",
    "BOB",
    "CAROL",
    "OPS_CHANNEL",
    "Ack",
    "ApiCall",
    "Envelope",
    "FakeSlack",
    "Identity",
    "Message",
    "ResponsePost",
    "View",
    "Violation",
]

"""Who is in the sandbox workspace, and its channels: the page shows them, the run makes them admins and
approvers, so every rule of who may do what can be tried by switching the "Acting as" picker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sandbox.fake_slack import ALICE, BOB, CAROL, OPS_CHANNEL

Role = Literal["admin", "approver", "member"]

DAVE = "U0DAVE"
ALERT_CHANNEL = "C0ALERTS"


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    role: Role


PEOPLE = (
    Person(ALICE, "Alice", "admin"),
    Person(BOB, "Bob", "approver"),
    Person(CAROL, "Carol", "approver"),
    Person(DAVE, "Dave", "member"),
)
PEOPLE_BY_ID = {person.id: person for person in PEOPLE}
ADMINS = frozenset(p.id for p in PEOPLE if p.role == "admin")
APPROVERS = frozenset(p.id for p in PEOPLE if p.role == "approver")

CHANNEL_NAMES = {OPS_CHANNEL: "ops", ALERT_CHANNEL: "ops-alerts"}

"""Schedules people pick most often, offered by the API (and usable in any jobs file as written)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SchedulePreset:
    name: str
    label: str
    schedule: dict[str, str]


PRESETS = (
    SchedulePreset("every-5-minutes", "Every 5 minutes", {"interval": "5m"}),
    SchedulePreset("every-15-minutes", "Every 15 minutes", {"interval": "15m"}),
    SchedulePreset("hourly", "Every hour, on the hour", {"cron": "0 * * * *"}),
    SchedulePreset("daily-9am", "Every day at 09:00", {"cron": "0 9 * * *"}),
    SchedulePreset("weekdays-9am", "Monday to Friday at 09:00", {"cron": "0 9 * * 1-5"}),
    SchedulePreset("weekly-monday", "Mondays at 09:00", {"cron": "0 9 * * 1"}),
    SchedulePreset("monthly", "The 1st of every month at 09:00", {"cron": "0 9 1 * *"}),
)

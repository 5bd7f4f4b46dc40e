"""Time zone names as people write them: IANA names only. ``EST`` or ``CET`` load in Python, but as fixed
offsets or legacy rules that are not what people mean (EST never observes daylight saving), so they are
refused with the IANA name to use instead."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Abbreviations and legacy zone names people write, and the IANA zone they most likely mean.
ABBREVIATIONS = {
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "EST5EDT": "America/New_York",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "CST6CDT": "America/Chicago",
    "MST": "America/Denver (or America/Phoenix, which keeps standard time)",
    "MDT": "America/Denver",
    "MST7MDT": "America/Denver",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "PST8PDT": "America/Los_Angeles",
    "HST": "Pacific/Honolulu",
    "AKST": "America/Anchorage",
    "CET": "Europe/Berlin (or your city: Europe/Paris, Europe/Madrid...)",
    "CEST": "Europe/Berlin (or your city: Europe/Paris, Europe/Madrid...)",
    "MET": "Europe/Berlin (or your city: Europe/Paris, Europe/Madrid...)",
    "EET": "Europe/Athens (or your city: Europe/Helsinki, Europe/Kyiv...)",
    "EEST": "Europe/Athens (or your city: Europe/Helsinki, Europe/Kyiv...)",
    "WET": "Europe/Lisbon",
    "WEST": "Europe/Lisbon",
    "BST": "Europe/London",
    "IST": "Asia/Kolkata (or Europe/Dublin)",
    "JST": "Asia/Tokyo",
    "AEST": "Australia/Sydney",
}


def timezone_problem(name: str) -> str | None:
    """Why ``name`` is not a usable time zone, naming the IANA zone to use; None when it is fine."""
    suggestion = ABBREVIATIONS.get(name.upper())
    if suggestion is not None:
        return f"{name!r} is an abbreviation, not a time zone with its daylight saving rules; use {suggestion}"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)"
    return None

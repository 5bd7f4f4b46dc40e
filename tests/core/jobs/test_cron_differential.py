"""schedops' fire times against cronsim's own computation, over a thousand generated expressions.

The trigger APScheduler calls (CronTrigger.get_next_fire_time, fed back its previous answer) and the
"when will it run?" list must both give what iterating cronsim directly gives, in zones with and without
daylight saving time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from cronsim import CronSim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.jobs.cron import CronError, CronTrigger, next_fires

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Pacific/Auckland", "Asia/Kolkata"]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
COUNT = 4


def field(low: int, high: int, names: list[str] | None = None) -> st.SearchStrategy[str]:
    number = st.integers(low, high)
    value = number.map(str) if names is None else st.one_of(number.map(str), st.sampled_from(names))
    ranged = st.tuples(number, number).map(lambda pair: f"{min(pair)}-{max(pair)}")
    if names is not None:
        index = st.tuples(st.integers(0, len(names) - 1), st.integers(0, len(names) - 1))
        ranged = st.one_of(ranged, index.map(lambda pair: f"{names[min(pair)]}-{names[max(pair)]}"))
    stepped = st.tuples(st.one_of(st.just("*"), ranged, value), st.integers(1, high)).map(lambda p: f"{p[0]}/{p[1]}")
    term = st.one_of(st.just("*"), value, ranged, stepped)
    return st.lists(term, min_size=1, max_size=3).map(",".join)


EXPRESSIONS = st.tuples(field(0, 59), field(0, 23), field(1, 31), field(1, 12, MONTHS), field(0, 7, DAYS)).map(" ".join)
MOMENTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC))


def cronsim_says(expression: str, zone: ZoneInfo, after: datetime) -> list[datetime]:
    try:
        times = CronSim(expression, after.astimezone(zone))
    except Exception:
        return []
    return [moment.astimezone(UTC) for moment in islice(times, COUNT)]


def in_repeated_hour(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.sampled_from(ZONES), MOMENTS)
def test_fire_times_match_cronsim(expression: str, zone_name: str, after: datetime) -> None:
    zone = ZoneInfo(zone_name)
    if in_repeated_hour(after, zone):  # starting inside a repeated hour, cronsim alone can answer the past
        return
    expected = cronsim_says(expression, zone, after)
    try:
        listed = next_fires(expression, zone, after, COUNT)
    except CronError:
        assert expected == []  # refused: only when cronsim could not read it or it never fires
        return
    assert listed == expected
    trigger, chained, previous = CronTrigger(expression, zone), [], None
    for _ in range(COUNT):
        # As APScheduler calls it: first from just after ``after``, then from each fire as it happens.
        fire = trigger.get_next_fire_time(previous, after + timedelta(microseconds=1) if previous is None else previous)
        if fire is None:
            break
        chained.append(fire)
        previous = fire
    assert chained == expected

"""Time windows of the Insights reads: `[start, end)` in UTC and the bucket their series use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: Bucket name → seconds. The bucket of a window is chosen so a series has at most 720 points.
BUCKETS: dict[str, int] = {"minute": 60, "hour": 3600, "day": 86_400}
MAX_POINTS = 720


@dataclass(frozen=True)
class TimeWindow:
    """A half-open UTC interval `[start, end)`."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def previous(self) -> TimeWindow:
        """The window of the same length just before this one (for "change versus the previous period")."""
        return TimeWindow(self.start - (self.end - self.start), self.start)

    def auto_bucket(self) -> str:
        """`minute` up to 12 hours, `hour` up to 30 days, else `day`."""
        for name, size in BUCKETS.items():
            if self.seconds / size <= MAX_POINTS:
                return name
        return "day"

    def params(self) -> dict[str, datetime]:
        """Query parameters `ws`/`we` (naive UTC, what clickhouse-connect binds for DateTime64)."""
        return {"ws": self.start.astimezone(UTC).replace(tzinfo=None), "we": self.end.astimezone(UTC).replace(tzinfo=None)}


def parse_window(start: datetime | None, end: datetime | None, default: timedelta = timedelta(hours=24)) -> TimeWindow:
    """A window from optional bounds: `end` defaults to now, `start` to `end - default`.

    Raises:
        ValueError: `start` is not before `end` (the message names both).
    """
    stop = _utc(end) if end is not None else datetime.now(UTC)
    begin = _utc(start) if start is not None else stop - default
    if begin >= stop:
        raise ValueError(f"start ({begin.isoformat()}) must be before end ({stop.isoformat()})")
    return TimeWindow(begin, stop)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def bucket_size(bucket: str) -> int:
    """Seconds of a bucket name; ValueError for an unknown one."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}; got {bucket!r}")
    return BUCKETS[bucket]

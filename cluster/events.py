"""The platform's own events: what an operator should see (a pool grew, the store went down and came back).

The platform records them here; `GET /_platform/events?after=N` serves them and `make run` prints
them in the terminal. Each event is also logged, so the log file keeps the whole history.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from typing import Any, Literal

logger = logging.getLogger("agentstack.events")

Level = Literal["info", "warning", "error"]
_LOG_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class EventLog:
    """A bounded, numbered list of recent events; readers ask for the events after the last one they saw."""

    def __init__(self, keep: int = 500) -> None:
        self._events: deque[dict[str, Any]] = deque(maxlen=keep)
        self._seq = itertools.count(1)

    def record(self, level: Level, message: str) -> dict[str, Any]:
        """Add one event (and log it); returns it with its sequence number and time."""
        event = {"seq": next(self._seq), "at": time.time(), "level": level, "message": message}
        self._events.append(event)
        logger.log(_LOG_LEVELS[level], message)
        return event

    def since(self, after: int = 0) -> list[dict[str, Any]]:
        """Events numbered above `after`, oldest first (older ones may have been dropped)."""
        return [event for event in self._events if event["seq"] > after]

    @property
    def last_seq(self) -> int:
        return self._events[-1]["seq"] if self._events else 0

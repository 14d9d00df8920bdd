"""Cheap span/trace ids and timestamps for the hot path.

Ids come from a :class:`random.Random` seeded from ``os.urandom`` (``getrandbits`` is ~20× cheaper
than ``secrets.token_hex``); they need to be unique, not unguessable. The generator is reseeded in
a forked child, or parent and child would hand out the same ids. Timestamps are
``perf_counter_ns() + offset``: one monotonic clock call per instant, so an end never precedes its
start; the offset to the wall clock is refreshed by :func:`resync_clock` (the export thread calls it).
"""

from __future__ import annotations

import os
import random
import time

__all__ = ["new_id64", "new_id128", "now_ns", "resync_clock", "random_bits", "clock_offset"]

_rng = random.Random(os.urandom(32))
random_bits = _rng.getrandbits  # reseeding after fork keeps this bound method valid
clock_offset = time.time_ns() - time.perf_counter_ns()
_perf = time.perf_counter_ns


def new_id64() -> int:
    """A random non-zero 64-bit integer (a span id)."""
    return random_bits(64) or 1


def new_id128() -> int:
    """A random non-zero 128-bit integer (a trace id)."""
    return random_bits(128) or 1


def now_ns() -> int:
    """Nanoseconds since the Unix epoch, from the monotonic clock plus the last synced offset."""
    return _perf() + clock_offset


def resync_clock() -> None:
    """Re-read the wall clock's offset (NTP may have stepped it); call off the hot path."""
    global clock_offset
    clock_offset = time.time_ns() - time.perf_counter_ns()


def _reseed() -> None:
    _rng.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)

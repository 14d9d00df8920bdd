"""The pool autoscaling policy: pure logic, fed with the group's backlog by the supervisor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScaleDecision:
    """A change of pool size and the reason logged with it."""

    target: int
    reason: str


class ScalePolicy:
    """Grow while the backlog is high and not falling; shrink after a quiet period.

    Args:
        min_actors: never fewer actors.
        max_actors: never more actors (also capped by `partitions`).
        partitions: an actor owns at least one partition, so more actors than partitions is waste.
        grow_backlog: backlog (stream entries: lag + pending) above which the pool grows.
        shrink_backlog: backlog at or below which the pool counts as quiet.
        quiet_s: how long it must stay quiet before one actor is removed.
        cooldown_s: minimum time between two decisions (lets a new actor take effect).
    """

    def __init__(
        self,
        min_actors: int,
        max_actors: int,
        partitions: int,
        grow_backlog: int,
        shrink_backlog: int,
        quiet_s: float,
        cooldown_s: float,
    ) -> None:
        self.min_actors = min(min_actors, partitions)
        self.max_actors = max(self.min_actors, min(max_actors, partitions))
        self.grow_backlog = grow_backlog
        self.shrink_backlog = shrink_backlog
        self.quiet_s = quiet_s
        self.cooldown_s = cooldown_s
        self._previous: int | None = None
        self._quiet_since: float | None = None
        self._last_decision = float("-inf")

    def decide(self, size: int, backlog: int, now: float) -> ScaleDecision | None:
        """The new size for a pool of `size` actors seeing `backlog` at time `now`, or None."""
        previous, self._previous = self._previous, backlog
        if backlog <= self.shrink_backlog:
            self._quiet_since = now if self._quiet_since is None else self._quiet_since
        else:
            self._quiet_since = None
        if size < self.min_actors:
            return self._decided(now, self.min_actors, f"{size} actors is below min_actors {self.min_actors}")
        if size > self.max_actors:
            return self._decided(now, self.max_actors, f"{size} actors is above the cap {self.max_actors}")
        if now - self._last_decision < self.cooldown_s:
            return None
        rising = previous is None or backlog >= previous
        if backlog > self.grow_backlog and rising and size < self.max_actors:
            return self._decided(
                now, size + 1, f"backlog {backlog} entries > {self.grow_backlog} and not falling (was {previous})"
            )
        quiet_for = now - self._quiet_since if self._quiet_since is not None else 0.0
        if self._quiet_since is not None and quiet_for >= self.quiet_s and size > self.min_actors:
            self._quiet_since = now  # another full quiet period before the next step down
            return self._decided(
                now, size - 1, f"backlog ≤ {self.shrink_backlog} entries for {quiet_for:.1f}s (quiet period {self.quiet_s}s)"
            )
        return None

    def _decided(self, now: float, target: int, reason: str) -> ScaleDecision:
        self._last_decision = now
        return ScaleDecision(target, reason)

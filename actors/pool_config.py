"""Pool specifications (`configs/pools.yaml`): sizes, batching and autoscaling thresholds per pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, model_validator


class PoolSpec(BaseModel):
    """How one consumer pool runs and scales."""

    name: str = Field(description="Pool name; also its consumer group and its actors' name prefix.")
    kind: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="What the actors do: a registered handler kind ('writer', 'cost', …)."
    )
    min_actors: int = Field(1, ge=1, description="Actors kept even when idle.")
    max_actors: int = Field(4, ge=1, description="Upper bound (the partition count caps it too).")
    max_spans: int = Field(5000, ge=1, description="Spans per batch: a batch is handled once this many are read…")
    linger_ms: int = Field(200, ge=0, description="…or once this long has passed since its first entry.")
    count: int = Field(100, ge=1, description="Entries per XREADGROUP call and per stream.")
    block_ms: int = Field(500, ge=1, description="How long a read waits for new entries.")
    max_deliveries: int = Field(5, ge=1, description="Failed deliveries before an entry is dead-lettered.")
    claim_idle_ms: int = Field(30_000, ge=1, description="Janitor: reclaim entries idle this long from other consumers.")
    janitor_interval_s: float = Field(5.0, gt=0, description="How often each actor runs its janitor.")
    max_backoff_s: float = Field(10.0, gt=0, description="Longest wait between retries while the sink is down.")
    grow_backlog: int = Field(200, ge=1, description="Grow when the group's backlog (entries) is above this and not falling.")
    shrink_backlog: int = Field(10, ge=0, description="A backlog at or below this counts as quiet.")
    quiet_s: float = Field(60.0, ge=0, description="Shrink after the backlog stayed quiet this long.")
    cooldown_s: float = Field(10.0, ge=0, description="Minimum time between two scaling decisions.")
    num_cpus: float = Field(0.25, gt=0, description="Ray CPUs reserved per actor.")

    @model_validator(mode="after")
    def _bounds(self) -> PoolSpec:
        if self.max_actors < self.min_actors:
            raise ValueError(f"pool {self.name!r}: max_actors ({self.max_actors}) must be ≥ min_actors ({self.min_actors})")
        return self


class PoolsConfig(BaseModel):
    """Every pool the platform runs, and the supervisor's tick."""

    interval_s: float = Field(2.0, gt=0, description="Supervisor tick: sample lag, scale, trim, restart.")
    pools: list[PoolSpec] = Field(default_factory=list)


def load_pools_config(path: Path) -> PoolsConfig:
    """Read `configs/pools.yaml`, the one place a pool is configured (a missing file: one writer and one cost pool).

    Args:
        path: the YAML file: `{interval_s, pools: {name: {kind, min_actors, ...}}}`.
    """
    data: dict[str, Any] = {}
    if Path(path).exists():
        loaded = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: expected a mapping, got {type(loaded).__name__}")
        data = loaded
    pools = data.get("pools") or {"writer": {"kind": "writer"}, "cost": {"kind": "cost"}}
    specs = []
    for name, fields in pools.items():
        merged = {"name": name, "kind": name, **(fields or {})}
        specs.append(PoolSpec(**merged))
    return PoolsConfig(interval_s=data.get("interval_s", 2.0), pools=specs)

"""Actor pools and their supervisor: sizes, partition ownership, autoscaling, restarts, trimming.

A pool is one consumer group (named after the pool) on every partition stream, consumed by named
Ray actors `<pool>-0 … <pool>-{n-1}`. Member i of n owns the partitions p with p % n == i, so each
partition has exactly one owner. On a resize the supervisor first takes partitions away (each
losing actor finishes its in-flight batch) and only then hands them to their new owners.

Placement: actors are spread over the nodes (Ray's SPREAD strategy), only onto nodes that have the
pool resource (`AGENTSTACK_CONSUMER_RESOURCE`) when one is set. An actor whose node dies is
restarted by Ray on a surviving node (same name, same consumer, so it re-reads its own pending
entries); when a node with none of the pool's actors is available again while another node runs two
or more, the supervisor moves one actor there (`cluster.topology.rebalance_move`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import ray

from actors.autoscale import ScalePolicy
from cluster.backlog import group_backlog, trim_acknowledged
from actors.consumer_actor import ConsumerActor
from actors.metrics import PoolMetrics
from actors.pool_config import PoolSpec, load_pools_config
from cluster.events import EventLog
from cluster.settings import PlatformSettings
from cluster.streams import ingest_stream, partitions_of_member
from cluster.topology import consumer_nodes, rebalance_move

logger = logging.getLogger(__name__)


def assignment(size: int, partitions: int) -> dict[int, list[int]]:
    """Partitions of each member of a pool of `size` actors."""
    return {m: partitions_of_member(m, size, partitions) for m in range(size)}


class ActorPool:
    """One pool of `ConsumerActor`s and the policy that sizes it."""

    def __init__(
        self,
        settings: PlatformSettings,
        spec: PoolSpec,
        metrics: PoolMetrics | None = None,
        events: EventLog | None = None,
    ) -> None:
        self.settings = settings
        self.spec = spec
        self.events = events or EventLog()
        self.partitions = settings.partitions
        self.policy = ScalePolicy(
            spec.min_actors,
            spec.max_actors,
            settings.partitions,
            spec.grow_backlog,
            spec.shrink_backlog,
            spec.quiet_s,
            spec.cooldown_s,
        )
        self.size = self.policy.min_actors
        self.decisions: list[dict[str, Any]] = []
        self.last_backlog: dict[int, int] = {}
        self._actors: dict[int, Any] = {}
        self._metrics = metrics or PoolMetrics()
        self.placement: dict[int, str] = {}  # member → node id, as last reported by the actor
        self._last_move = 0.0

    def _create(self, member: int, node_id: str | None = None) -> Any:
        """Start member `member`: spread over the pool's nodes, or preferably on `node_id` (a rebalance)."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        resource = self.settings.consumer_resource
        strategy: Any = NodeAffinitySchedulingStrategy(node_id, soft=True) if node_id else "SPREAD"
        return ConsumerActor.options(  # type: ignore[attr-defined]  # added by @ray.remote
            name=f"{self.spec.name}-{member}",
            namespace=self.settings.namespace,
            get_if_exists=True,
            num_cpus=self.spec.num_cpus,
            resources={resource: 0.001} if resource else {},
            scheduling_strategy=strategy,
        ).remote(self.settings, self.spec, member)

    async def ensure_group(self, redis: Any) -> None:
        """Create the pool's consumer group on every partition stream (idempotent), so backlog counts from now."""
        from redis.exceptions import ResponseError

        for partition in range(self.partitions):
            try:
                await redis.xgroup_create(ingest_stream(partition), self.spec.name, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def start(self) -> None:
        for member in range(self.size):
            self._actors[member] = self._create(member)
        await self.ensure()

    async def ensure(self) -> None:
        """Every member exists, consumes its partitions and runs its loop (recreated if gone for good)."""
        plan = assignment(self.size, self.partitions)
        for member, actor in list(self._actors.items()):
            try:
                await asyncio.wait_for(actor.start.remote(plan[member]), timeout=30)
            except (ray.exceptions.RayActorError, TimeoutError) as exc:
                self.events.record("error", f"{self.spec.name}-{member} unavailable ({str(exc) or type(exc).__name__}); recreating it")
                try:
                    ray.kill(actor, no_restart=True)
                except Exception:  # noqa: BLE001 - it may already be gone
                    pass
                await self._await_gone(member)
                self._actors[member] = self._create(member)

    async def _await_gone(self, member: int, timeout: float = 15.0) -> None:
        """Wait until a killed member's name is free, so `_create` starts a new actor instead of finding the old one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ray.get_actor(f"{self.spec.name}-{member}", namespace=self.settings.namespace)
            except ValueError:
                return
            await asyncio.sleep(0.2)

    async def backlog(self, redis: Any) -> dict[int, int]:
        """The group's backlog (lag + pending entries) per partition."""
        streams = [ingest_stream(p) for p in range(self.partitions)]
        found = await group_backlog(redis, streams, self.spec.name)
        return {p: found[ingest_stream(p)].total for p in range(self.partitions) if ingest_stream(p) in found}

    async def tick(self, redis: Any, now: float | None = None) -> None:
        """One supervision step: sample the backlog, maybe resize, keep every member running."""
        self.last_backlog = await self.backlog(redis)
        total = sum(self.last_backlog.values())
        decision = self.policy.decide(self.size, total, time.monotonic() if now is None else now)
        if decision is not None and decision.target != self.size:
            await self.resize(decision.target, decision.reason)
        await self.ensure()
        await self.rebalance(time.monotonic() if now is None else now)
        self._metrics.observe(self.spec.name, self.size, self.last_backlog)

    async def rebalance(self, now: float) -> None:
        """Move one actor onto an eligible node that runs none of this pool's actors (a node that came back)."""
        if len(self._actors) < 2 or now - self._last_move < self.spec.cooldown_s:
            return
        nodes = await asyncio.to_thread(consumer_nodes, self.settings.consumer_resource)
        if len(nodes) < 2:  # one machine: nothing to spread
            return
        for member, actor in list(self._actors.items()):
            try:
                self.placement[member] = await asyncio.wait_for(actor.node.remote(), timeout=5)
            except Exception:  # noqa: BLE001 - restarting or gone: ensure() deals with it; no move now
                return
        move = rebalance_move({m: self.placement[m] for m in self._actors}, nodes)
        if move is None:
            return
        member, target = move
        source = self.placement[member]
        reason = f"node {target[:12]} runs no {self.spec.name} actor while node {source[:12]} runs several"
        self.events.record("info", f"pool {self.spec.name}: moving {self.spec.name}-{member} ({reason})")
        self.decisions.append({"at": time.time(), "move": f"{self.spec.name}-{member}", "from_node": source, "to_node": target, "reason": reason})
        del self.decisions[:-50]
        actor = self._actors[member]
        try:
            await asyncio.wait_for(actor.stop.remote(), timeout=30)  # finish and acknowledge the in-flight batch
        except Exception as exc:  # noqa: BLE001 - its pending entries are re-read by its successor (same consumer)
            logger.warning("%s-%d did not stop cleanly: %s", self.spec.name, member, exc)
        ray.kill(actor, no_restart=True)
        await self._await_gone(member)
        self._actors[member] = self._create(member, node_id=target)
        self._last_move = now
        await self.ensure()

    async def resize(self, target: int, reason: str) -> None:
        """Change the pool to `target` actors; partitions move only after their old owner let go."""
        old = self.size
        verb = "grew" if target > old else "shrank"
        self.events.record("info", f"pool {self.spec.name} {verb}: {old} → {target} actors ({reason})")
        self.decisions.append({"at": time.time(), "from": old, "to": target, "reason": reason})
        del self.decisions[:-50]
        plan = assignment(target, self.partitions)
        for member in sorted(self._actors):
            if member >= target:  # leaving: finish the in-flight batch, then go
                actor = self._actors.pop(member)
                try:
                    await asyncio.wait_for(actor.stop.remote(), timeout=30)
                except Exception as exc:  # noqa: BLE001 - its pending entries are reclaimed by the janitor
                    logger.warning("%s-%d did not stop cleanly: %s", self.spec.name, member, exc)
                ray.kill(actor, no_restart=True)
        for member, actor in sorted(self._actors.items()):  # shrinking sets first…
            await actor.start.remote(plan[member])
        self.size = target
        for member in range(target):  # …then the newcomers take what was freed
            if member not in self._actors:
                self._actors[member] = self._create(member)
        await self.ensure()

    async def trim(self, redis: Any) -> int:
        """Drop stream entries every group has acknowledged; returns entries removed."""
        removed = 0
        for p in range(self.partitions):
            removed += await trim_acknowledged(redis, ingest_stream(p))
        return removed

    async def status(self) -> dict[str, Any]:
        async def one(member: int, actor: Any) -> dict[str, Any]:
            try:
                found: dict[str, Any] = await asyncio.wait_for(actor.status.remote(), timeout=5)
                return found
            except Exception as exc:  # noqa: BLE001 - report, don't fail the status call
                return {"name": f"{self.spec.name}-{member}", "running": False, "error": str(exc) or type(exc).__name__}

        members = list(await asyncio.gather(*(one(m, a) for m, a in sorted(self._actors.items()))))
        return {
            "pool": self.spec.name,
            "size": self.size,
            "min_actors": self.policy.min_actors,
            "max_actors": self.policy.max_actors,
            "backlog": self.last_backlog,
            "decisions": self.decisions[-10:],
            "actors": members,
            "placement": self._by_node(members),
        }

    @staticmethod
    def _by_node(members: list[dict[str, Any]]) -> dict[str, list[str]]:
        """Node address → the pool's actors running there (the unreachable ones under "unknown")."""
        out: dict[str, list[str]] = {}
        for m in members:
            out.setdefault(str(m.get("node_ip") or "unknown"), []).append(str(m.get("name", "")))
        return out

    async def stop(self) -> None:
        """Let every actor finish its in-flight batch, then end the actors."""
        for actor in self._actors.values():
            try:
                await asyncio.wait_for(actor.stop.remote(), timeout=15)
            except Exception:  # noqa: BLE001 - best effort on shutdown
                pass
            ray.kill(actor, no_restart=True)
        self._actors.clear()


class PoolSupervisor:
    """Runs every pool; the platform's supervision loop calls `tick` (scale, restart, trim)."""

    def __init__(
        self, settings: PlatformSettings, specs: list[PoolSpec], interval_s: float = 2.0, events: EventLog | None = None
    ) -> None:
        self.settings = settings
        self.interval_s = interval_s
        metrics = PoolMetrics()
        self.pools = {spec.name: ActorPool(settings, spec, metrics, events) for spec in specs}
        self.trimmed = 0

    @classmethod
    def from_config(cls, settings: PlatformSettings, events: EventLog | None = None) -> PoolSupervisor:
        """The pools of `settings.pools_config` (`configs/pools.yaml`): the one way a pool is configured."""
        config = load_pools_config(settings.pools_config)
        return cls(settings, config.pools, config.interval_s, events)

    async def start(self, redis: Any) -> None:
        for pool in self.pools.values():
            await pool.ensure_group(redis)
        for pool in self.pools.values():
            await pool.start()

    async def tick(self, redis: Any) -> None:
        for pool in self.pools.values():
            await pool.tick(redis)
        if self.pools:
            self.trimmed += await next(iter(self.pools.values())).trim(redis)

    async def status(self) -> dict[str, Any]:
        return {name: await pool.status() for name, pool in self.pools.items()}

    async def stop(self) -> None:
        for pool in self.pools.values():
            await pool.stop()

"""What a multi-node deployment needs, checked at start; the nodes, and where pool actors should go.

On one machine the embedded parts (Valkey on 127.0.0.1, chDB in one process, SQLite in one file)
are fine. Once the Ray cluster has more than one node, every node must reach the bus, the store and
the metadata database, so the platform refuses to start with a default that other nodes cannot
reach and says which variable to set (:func:`cluster_problems`, :func:`check_cluster`).

Ray is imported only inside the functions that talk to it; the rest is pure and unit-tested.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from cluster.settings import PlatformSettings

logger = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ClusterConfigError(RuntimeError):
    """The settings cannot work on this multi-node cluster; the message says what to set."""


def cluster_problems(settings: PlatformSettings, alive_nodes: list[dict[str, Any]], here_ip: str | None = None) -> list[str]:
    """Why these settings cannot serve a cluster of `alive_nodes` (empty on one node, or when all is well).

    Args:
        settings: the platform's settings.
        alive_nodes: the alive Ray nodes, as :func:`nodes` returns them.
        here_ip: address of the node the platform replica runs on (where the embedded Valkey starts).
    """
    if len(alive_nodes) <= 1:
        return []
    n = len(alive_nodes)
    problems = []
    if settings.embedded_redis:
        if settings.valkey_host in LOOPBACK:
            problems.append(
                f"the embedded Valkey listens on {settings.valkey_host}, which the other {n - 1} node(s) cannot reach: "
                "set REDIS_URL=redis://:password@host:6379/0, or AGENTSTACK_VALKEY_HOST=<the head's address> "
                "and AGENTSTACK_VALKEY_PASSWORD"
            )
        elif settings.valkey_password is None:
            problems.append(
                f"the embedded Valkey would listen on {settings.valkey_host} without a password: set AGENTSTACK_VALKEY_PASSWORD"
            )
        elif here_ip is not None and here_ip != settings.valkey_host:
            problems.append(
                f"AGENTSTACK_VALKEY_HOST is {settings.valkey_host} but the platform runs on {here_ip}: pin the platform "
                "deployment to the head node (ray_actor_options.resources, see configs/production.yaml)"
            )
    if settings.embedded_clickhouse:
        if not settings.head_resource:
            problems.append(
                "the embedded chDB store keeps its files on whichever node its owner actor lands: set "
                "CLICKHOUSE_URL=http://user:password@host:8123/db, or AGENTSTACK_HEAD_RESOURCE=<a custom resource "
                "only the head node has> to pin the store owner there"
            )
    if settings.head_resource and not any(settings.head_resource in node["resources"] for node in alive_nodes):
        problems.append(
            f"no alive node has the resource {settings.head_resource!r} (AGENTSTACK_HEAD_RESOURCE): start the head with "
            f"ray start --head --resources '{{\"{settings.head_resource}\": 1}}'"
        )
    if settings.database_url is None:
        problems.append(
            "the metadata store is a SQLite file on one node: set DATABASE_URL=postgresql://user:password@host:5432/db"
        )
    return problems


def nodes() -> list[dict[str, Any]]:
    """The alive Ray nodes: id, address, whether it is the head, its resources (CPU and custom); [] without Ray."""
    import ray

    if not ray.is_initialized():  # the platform's logic also runs in-process (tests, tools)
        return []
    out = []
    for node in ray.nodes():  # type: ignore[no-untyped-call]  # untyped in Ray's stubs
        if not node.get("Alive"):
            continue
        resources = {k: v for k, v in node.get("Resources", {}).items() if not k.startswith(("node:", "memory", "object_store"))}
        out.append(
            {
                "node_id": node["NodeID"],
                "ip": node.get("NodeManagerAddress"),
                "head": "node:__internal_head__" in node.get("Resources", {}),
                "resources": resources,
            }
        )
    return sorted(out, key=lambda n: (not n["head"], n["ip"] or ""))


def check_cluster(settings: PlatformSettings) -> list[dict[str, Any]]:
    """Refuse a multi-node cluster that cannot reach the embedded defaults; returns the alive nodes.

    Raises:
        ClusterConfigError: listing every problem and the variable that fixes it.
    """
    import ray

    alive = nodes()
    if len(alive) <= 1:
        return alive
    problems = cluster_problems(settings, alive, ray.util.get_node_ip_address())  # type: ignore[no-untyped-call]
    if problems:
        raise ClusterConfigError(
            f"AgentStack runs on a Ray cluster of {len(alive)} nodes, and: " + "; ".join(problems)
        )
    return alive


def consumer_nodes(resource: str | None) -> list[str]:
    """Ids of the alive nodes a pool may place actors on (those with `resource`, or with CPUs when unset)."""
    wanted = resource or "CPU"
    return [node["node_id"] for node in nodes() if node["resources"].get(wanted, 0) > 0]


def rebalance_move(placement: dict[int, str], eligible: list[str]) -> tuple[int, str] | None:
    """One move that spreads a pool better: (member, target node), or None when nothing should move.

    A member moves only from a node running two or more of the pool's actors to an eligible node
    running none (typically a node that came back after a failure).

    Args:
        placement: member → node id it runs on.
        eligible: the nodes the pool may use.
    """
    if not placement or not eligible:
        return None
    counts = Counter(node for node in placement.values())
    empty = [node for node in eligible if counts.get(node, 0) == 0]
    crowded = [node for node, count in counts.most_common() if count >= 2]
    if not empty or not crowded:
        return None
    member = max(m for m, node in placement.items() if node == crowded[0])
    return member, empty[0]

"""Start-up checks of a multi-node deployment and the pool rebalancing rule (pure logic, no Ray)."""

from __future__ import annotations

import pytest

from cluster.partitions import partition_for
from cluster.settings import PlatformSettings
from cluster.topology import cluster_problems, rebalance_move

HEAD = {"node_id": "h", "ip": "10.0.0.10", "head": True, "resources": {"CPU": 4, "agentstack_head": 1}}
WORKER = {"node_id": "w", "ip": "10.0.0.11", "head": False, "resources": {"CPU": 4, "agentstack_consumer": 100}}


def settings(**values) -> PlatformSettings:
    return PlatformSettings(**{"redis_url": None, "clickhouse_url": None, "database_url": None, **values})


def test_one_node_needs_nothing() -> None:
    assert cluster_problems(settings(), [HEAD]) == []


def test_multi_node_defaults_are_refused_naming_the_variables() -> None:
    problems = " ".join(cluster_problems(settings(), [HEAD, WORKER], "10.0.0.10"))
    for variable in ("REDIS_URL", "AGENTSTACK_VALKEY_HOST", "CLICKHOUSE_URL", "AGENTSTACK_HEAD_RESOURCE", "DATABASE_URL"):
        assert variable in problems


def test_valkey_on_the_head_needs_a_password_and_the_head() -> None:
    base = dict(head_resource="agentstack_head", database_url="postgresql://u@db/x", valkey_host="10.0.0.10")
    assert "AGENTSTACK_VALKEY_PASSWORD" in " ".join(cluster_problems(settings(**base), [HEAD, WORKER], "10.0.0.10"))
    good = settings(**base, valkey_password="s3cret")
    assert cluster_problems(good, [HEAD, WORKER], "10.0.0.10") == []
    assert "pin the platform" in " ".join(cluster_problems(good, [HEAD, WORKER], "10.0.0.11"))
    assert good.effective_redis_url == f"redis://:s3cret@10.0.0.10:{good.valkey_port}/0"


def test_external_services_pass_and_a_missing_head_resource_is_named() -> None:
    external = settings(redis_url="redis://r:6379/0", clickhouse_url="http://ch:8123/db", database_url="postgresql://u@db/x")
    assert cluster_problems(external, [HEAD, WORKER]) == []
    pinned = settings(redis_url="redis://r:6379/0", database_url="postgresql://u@db/x", head_resource="nope")
    assert "'nope'" in " ".join(cluster_problems(pinned, [HEAD, WORKER]))


@pytest.mark.parametrize(
    ("placement", "eligible", "expected"),
    [
        ({0: "a", 1: "a"}, ["a", "b"], (1, "b")),  # a node came back: one actor moves there
        ({0: "a", 1: "b"}, ["a", "b"], None),  # already spread
        ({0: "a", 1: "a"}, ["a"], None),  # nowhere to go
        ({0: "a", 1: "b", 2: "b"}, ["a", "b", "c"], (2, "c")),
        ({0: "a"}, ["a", "b"], None),  # one actor: nothing to spread
    ],
)
def test_rebalance_moves_one_actor_from_a_crowded_node_to_an_empty_one(placement, eligible, expected) -> None:
    assert rebalance_move(placement, eligible) == expected


def test_partition_of_a_trace_is_stable_and_in_range() -> None:
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    assert partition_for(trace, 4) == partition_for(trace, 4) == 1570791732 % 4
    assert {partition_for(f"{i:032x}", 8) for i in range(200)} == set(range(8))

"""The pool autoscaling policy (pure logic) and pool configuration."""

from __future__ import annotations

import pytest

from actors.autoscale import ScalePolicy
from actors.pool import assignment
from actors.pool_config import PoolSpec, load_pools_config


def policy(**kw) -> ScalePolicy:
    args = dict(min_actors=1, max_actors=3, partitions=4, grow_backlog=100, shrink_backlog=5, quiet_s=10, cooldown_s=2)
    args.update(kw)
    return ScalePolicy(**args)


def test_grows_while_backlog_is_high_and_not_falling_up_to_the_cap():
    p = policy()
    d = p.decide(1, 500, now=0)
    assert d is not None and d.target == 2 and "backlog 500" in d.reason
    assert p.decide(2, 600, now=1) is None  # cooldown
    assert p.decide(2, 700, now=3).target == 3
    assert p.decide(3, 900, now=6) is None  # max_actors
    assert p.decide(3, 400, now=9) is None


def test_does_not_grow_when_the_backlog_is_already_falling():
    p = policy(cooldown_s=0)
    assert p.decide(1, 500, now=0).target == 2
    assert p.decide(2, 300, now=1) is None


def test_shrinks_only_after_a_full_quiet_period_one_step_at_a_time():
    p = policy(cooldown_s=0)
    assert p.decide(3, 0, now=0) is None
    assert p.decide(3, 3, now=9) is None
    d = p.decide(3, 0, now=10)
    assert d is not None and d.target == 2 and "quiet" in d.reason
    assert p.decide(2, 0, now=15) is None
    assert p.decide(2, 0, now=20.5).target == 1
    assert p.decide(1, 0, now=40) is None  # min_actors


def test_never_more_actors_than_partitions():
    p = policy(max_actors=10, partitions=2, cooldown_s=0)
    assert p.max_actors == 2
    assert p.decide(5, 0, now=0).target == 2


def test_assignment_gives_every_partition_exactly_one_owner():
    for size in range(1, 5):
        plan = assignment(size, 4)
        owned = sorted(p for parts in plan.values() for p in parts)
        assert owned == [0, 1, 2, 3]


def test_pool_config_bounds_are_checked(tmp_path):
    with pytest.raises(ValueError, match=r"max_actors \(1\) must be ≥ min_actors \(2\)"):
        PoolSpec(name="writer", kind="writer", min_actors=2, max_actors=1)
    path = tmp_path / "pools.yaml"
    path.write_text("interval_s: 0.5\npools:\n  writer: {kind: writer, min_actors: 2, max_actors: 3}\n")
    config = load_pools_config(path)
    assert config.interval_s == 0.5 and config.pools[0].min_actors == 2 and config.pools[0].max_actors == 3


def test_the_platform_pools_come_from_configs_pools_yaml_only(tmp_path, monkeypatch):
    from actors.pool import PoolSupervisor
    from cluster.settings import PlatformSettings

    monkeypatch.setenv("AGENTSTACK_WRITER_ACTORS", "3")  # the retired env overrides change nothing
    monkeypatch.setenv("AGENTSTACK_SECURITY_BATCH_SIZE", "50")
    default = PoolSupervisor.from_config(PlatformSettings(data_dir=tmp_path))
    assert set(default.pools) == {"writer", "cost", "security"}
    assert default.pools["writer"].spec.min_actors == 1 and default.pools["security"].spec.max_spans == 500
    path = tmp_path / "pools.yaml"
    path.write_text("interval_s: 0.5\npools:\n  writer: {kind: writer, min_actors: 3, max_actors: 4, max_spans: 100}\n")
    tuned = PoolSupervisor.from_config(PlatformSettings(data_dir=tmp_path, pools_config=path))
    assert tuned.interval_s == 0.5 and set(tuned.pools) == {"writer"}
    writer = tuned.pools["writer"]
    assert (writer.size, writer.policy.max_actors, writer.spec.max_spans) == (3, 4, 100)

"""The cluster YAMLs `ray up` takes and the Serve config `serve deploy` takes are valid, and place things right."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"


@pytest.mark.parametrize("name", ["cluster.yaml", "cluster-aws.yaml"])
def test_ray_up_config_validates(name: str) -> None:
    from ray.autoscaler._private.util import prepare_config, validate_config

    raw = yaml.safe_load((CONFIGS / name).read_text())
    config = prepare_config(raw)  # fills the provider's defaults first, as `ray up` does
    validate_config(config)  # raises on a schema error
    assert any("serve deploy configs/production.yaml" in c for c in config["head_start_ray_commands"])
    starts = " ".join(config["head_start_ray_commands"] + config["worker_start_ray_commands"])
    assert "RAY_AUTH_MODE=token" in starts and "pools.cluster.yaml" in starts


def test_ray_up_config_rejects_a_broken_file() -> None:
    """The validation above can fail: a worker count of the wrong type is refused."""
    from ray.autoscaler._private.util import prepare_config, validate_config

    raw = yaml.safe_load((CONFIGS / "cluster-aws.yaml").read_text())
    raw["available_node_types"]["consumers"]["min_workers"] = "two"
    with pytest.raises(Exception, match="two|min_workers"):
        validate_config(prepare_config(raw))


def test_local_example_has_head_and_workers_and_aws_example_has_bounds() -> None:
    local = yaml.safe_load((CONFIGS / "cluster.yaml").read_text())
    assert local["provider"]["type"] == "local" and local["provider"]["head_ip"] and len(local["provider"]["worker_ips"]) >= 2
    aws = yaml.safe_load((CONFIGS / "cluster-aws.yaml").read_text())
    types = aws["available_node_types"]
    assert types["head"]["resources"] == {"agentstack_head": 1}
    assert types["consumers"]["resources"]["agentstack_consumer"] > 0
    for name in ("ingest", "consumers"):
        assert 1 <= types[name]["min_workers"] < types[name]["max_workers"]


def test_production_serve_config_validates_and_pins_the_platform_to_the_head() -> None:
    from ray.serve.schema import ServeDeploySchema

    raw = yaml.safe_load((CONFIGS / "production.yaml").read_text())
    config = ServeDeploySchema.model_validate(raw)
    assert str(config.proxy_location).endswith("EveryNode")  # every node takes ingest traffic
    assert config.http_options.host == "0.0.0.0"
    apps = {app.name: app for app in config.applications}
    assert set(apps) == {"platform", "ingest", "query", "live"}
    platform = apps["platform"].deployments[0]
    assert platform.ray_actor_options.resources == {"agentstack_head": 0.001}
    env = apps["platform"].runtime_env["env_vars"]
    assert env["AGENTSTACK_HEAD_RESOURCE"] == "agentstack_head" and env["AGENTSTACK_CONSUMER_RESOURCE"] == "agentstack_consumer"
    ingest = apps["ingest"].deployments[0].autoscaling_config
    assert ingest["min_replicas"] >= 2 and ingest["max_replicas"] > ingest["min_replicas"]


def test_production_live_app_has_its_own_replicas_no_timeout_and_no_direct_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """The live feed on a cluster: its own deployment (long-lived sockets never take ingest or query slots), a fixed
    replica count from the file, no end-to-end request timeout (it would cut every socket), and the replica's own
    port off, so every socket goes through the Serve proxy of its node (docs/live-feed.md, "On a cluster")."""
    from ray.serve.schema import ServeDeploySchema

    from cluster.settings import PlatformSettings

    raw = yaml.safe_load((CONFIGS / "production.yaml").read_text())
    config = ServeDeploySchema.model_validate(raw)
    assert config.http_options.request_timeout_s is None and "request_timeout_s" not in raw["http_options"]
    apps = {app.name: app for app in config.applications}
    live = apps["live"]
    assert live.route_prefix == "/ws" and live.import_path == "serve_apps.live:app"
    (deployment,) = live.deployments
    assert deployment.name == "LiveDeployment"
    assert isinstance(deployment.num_replicas, int) and deployment.num_replicas >= 2  # a fixed count: scaling down cuts sockets
    assert "autoscaling_config" not in next(a for a in raw["applications"] if a["name"] == "live")["deployments"][0]
    assert deployment.max_ongoing_requests >= 1000  # each socket is one ongoing request for its whole life
    for other in ("ingest", "query", "platform"):
        assert apps[other].route_prefix != "/ws" and not apps[other].route_prefix.startswith("/ws/")
    # The replica's own port is off: the deployment's env makes the settings say so.
    env = live.runtime_env["env_vars"]
    assert env["AGENTSTACK_LIVE_DIRECT_HOST"] == ""
    monkeypatch.setenv("AGENTSTACK_LIVE_DIRECT_HOST", env["AGENTSTACK_LIVE_DIRECT_HOST"])
    assert PlatformSettings().live_direct_host == ""
    # The names match the code's deployment (`serve deploy` refuses a config naming a deployment the app lacks).
    from serve_apps.live import app

    assert app._bound_deployment.name == deployment.name


def test_live_app_is_the_same_locally_and_on_a_cluster() -> None:
    local = {a["name"]: a for a in yaml.safe_load((CONFIGS / "local.yaml").read_text())["applications"]}["live"]
    production = {a["name"]: a for a in yaml.safe_load((CONFIGS / "production.yaml").read_text())["applications"]}["live"]
    for key in ("route_prefix", "import_path"):
        assert local[key] == production[key]
    assert local["deployments"][0]["name"] == production["deployments"][0]["name"]
    assert local["deployments"][0]["max_ongoing_requests"] == production["deployments"][0]["max_ongoing_requests"]


def test_cluster_pools_keep_two_actors_and_reclaim_quickly() -> None:
    from actors.pool_config import load_pools_config

    config = load_pools_config(CONFIGS / "pools.cluster.yaml")
    assert {p.name for p in config.pools} == {"writer", "cost", "security"}
    assert all(p.min_actors >= 2 and p.claim_idle_ms <= 10_000 for p in config.pools)


def test_grafana_dashboard_covers_the_platform_metrics() -> None:
    import json

    dashboard = json.loads((CONFIGS / "grafana-agentstack.json").read_text())
    exprs = " ".join(t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", []))
    for metric in ("ray_agentstack_group_lag", "ray_agentstack_pool_size"):
        assert metric in exprs

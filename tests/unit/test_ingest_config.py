"""The ingest deployment's Serve config: autoscaling bounds that Serve accepts."""

from __future__ import annotations

from cluster.launcher import load_config
from tests.e2e.conftest import CONFIG


def test_ingest_autoscales_between_sane_bounds():
    config = load_config(CONFIG)
    ingest = next(d for app in config.applications for d in app.deployments if d.name == "IngestDeployment")
    scaling = ingest.autoscaling_config
    assert 1 <= scaling["min_replicas"] < scaling["max_replicas"]
    assert 0 < scaling["target_ongoing_requests"] <= 64, "must stay under the deployment's max_ongoing_requests"
    assert ingest.health_check_period_s

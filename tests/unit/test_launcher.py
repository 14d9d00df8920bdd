"""The launcher's config handling and banner (no Ray started)."""

from __future__ import annotations

from cluster.launcher import DEFAULT_CONFIG, banner, load_config
from cluster.settings import PlatformSettings


def test_local_config_is_a_valid_serve_config_with_all_apps():
    config = load_config(DEFAULT_CONFIG)
    apps = {app.name: app for app in config.applications}
    assert set(apps) == {"platform", "ingest", "query", "live"}
    assert apps["ingest"].route_prefix == "/v1" and apps["query"].route_prefix == "/"
    # the live feed: its own deployment sized for hundreds of sockets, and no end-to-end timeout to cut them
    assert apps["live"].route_prefix == "/ws" and apps["live"].deployments[0].max_ongoing_requests >= 200
    assert config.http_options.request_timeout_s is None
    assert config.http_options.port == 8000
    for app in config.applications:  # fractional CPUs: the whole stack fits on 2 cores
        for deployment in app.deployments:
            assert deployment.ray_actor_options.num_cpus < 1


def test_port_override():
    assert load_config(DEFAULT_CONFIG, http_port=18123).http_options.port == 18123


def test_banner_points_to_ui_api_setup_link_and_the_local_key(tmp_path):
    settings = PlatformSettings(data_dir=tmp_path)
    settings.local_key_file.write_text("ak_local_key_for_banner_test_000\n")
    settings.setup_code_file.write_text("code123\n")
    text = banner("http://127.0.0.1:8000", "http://127.0.0.1:8265", settings)
    assert "http://127.0.0.1:8000/api/v1/traces" in text
    assert "http://127.0.0.1:8265" in text
    assert "http://127.0.0.1:8000/setup?code=code123" in text
    assert str(settings.local_key_file) in text
    assert "Ingest API key:  ak_local_key_for_banner_test_000" in text  # what agents need, in the operator's terminal
    assert "api_key=" not in text  # the UI no longer takes keys
    settings.setup_code_file.unlink()  # the admin exists: the banner points to the login page
    assert "http://127.0.0.1:8000/login" in banner("http://127.0.0.1:8000", None, settings)

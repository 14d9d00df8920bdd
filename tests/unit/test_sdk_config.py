"""SDK settings: argument → AGENTSTACK_* env var → default, in one function."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from agentstack.config import Settings, env_var, resolve_settings

FIELDS = [f.name for f in dataclasses.fields(Settings)]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for field in FIELDS:
        monkeypatch.delenv(env_var(field), raising=False)


def test_defaults_without_arguments_or_env() -> None:
    settings = resolve_settings()
    assert settings == Settings()
    assert settings.api_key == ""
    assert settings.collector_url == "http://localhost:8000"
    assert settings.enabled is True
    assert settings.batch_size == 64
    assert settings.export_interval == 5000
    assert settings.max_queue_size == 2048
    assert settings.service_name == "default"
    assert settings.capture_content is True
    assert settings.timeout == 10
    assert settings.traces_url == "http://localhost:8000/v1/traces"
    assert settings.export_enabled is False  # no key


def test_env_beats_default_and_argument_beats_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSTACK_API_KEY", "ak_from_env")
    monkeypatch.setenv("AGENTSTACK_BATCH_SIZE", "10")
    monkeypatch.setenv("AGENTSTACK_SERVICE_NAME", "env-service")
    monkeypatch.setenv("AGENTSTACK_ENABLED", "off")
    monkeypatch.setenv("AGENTSTACK_EXPORT_INTERVAL", "250")

    from_env = resolve_settings()
    assert (from_env.api_key, from_env.batch_size, from_env.service_name) == ("ak_from_env", 10, "env-service")
    assert from_env.enabled is False
    assert from_env.export_interval == 250.0

    from_args = resolve_settings(api_key="ak_arg", batch_size=3, service_name="arg-service", enabled=True)
    assert (from_args.api_key, from_args.batch_size, from_args.service_name) == ("ak_arg", 3, "arg-service")
    assert from_args.enabled is True
    assert from_args.export_interval == 250.0  # not given as argument: still from env


def test_none_argument_means_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSTACK_TIMEOUT", "2.5")
    assert resolve_settings(timeout=None).timeout == 2.5


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("AGENTSTACK_BATCH_SIZE", "lots", "batch_size"),
        ("AGENTSTACK_BATCH_SIZE", "0", "batch_size"),
        ("AGENTSTACK_MAX_QUEUE_SIZE", "-5", "max_queue_size"),
        ("AGENTSTACK_EXPORT_INTERVAL", "soon", "export_interval"),
        ("AGENTSTACK_TIMEOUT", "nan", "timeout"),
        ("AGENTSTACK_ENABLED", "maybe", "enabled"),
        ("AGENTSTACK_CAPTURE_CONTENT", "2", "capture_content"),
        ("AGENTSTACK_COLLECTOR_URL", "localhost:8000", "collector_url"),
        ("AGENTSTACK_SAMPLE_RATE", "1.5", "sample_rate"),
        ("AGENTSTACK_SAMPLE_RATE", "half", "sample_rate"),
        ("AGENTSTACK_LOG_LEVEL", "LOUD", "log_level"),
        ("AGENTSTACK_DEBUG", "sometimes", "debug"),
        ("AGENTSTACK_SANITIZE", "perhaps", "sanitize"),
        ("AGENTSTACK_OFFLINE", "7", "offline"),
        ("AGENTSTACK_SERVICE_NAME", "x" * 300, "service_name"),
    ],
)
def test_bad_env_value_warns_naming_it_and_uses_default(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, variable: str, value: str, field: str
) -> None:
    monkeypatch.setenv(variable, value)
    with caplog.at_level(logging.WARNING, logger="agentstack"):
        settings = resolve_settings()
    assert getattr(settings, field) == getattr(Settings(), field)
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert variable in message and repr(value) in message


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("batch_size", 0),
        ("batch_size", "64"),
        ("batch_size", True),
        ("export_interval", -1),
        ("timeout", float("inf")),
        ("enabled", "yes"),
        ("collector_url", "ftp://example.com"),
        ("service_name", "  "),
        ("sample_rate", -0.1),
        ("sample_rate", "1"),
        ("log_level", "chatty"),
        ("sanitize", 1),
    ],
)
def test_bad_argument_raises_value_error_naming_it(argument: str, value: object) -> None:
    with pytest.raises(ValueError, match=argument) as info:
        resolve_settings(**{argument: value})  # type: ignore[arg-type]
    assert repr(value) in str(info.value)


def test_unknown_argument_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="batchsize"):
        resolve_settings(batchsize=3)  # type: ignore[call-arg]


@pytest.mark.parametrize(("text", "expected"), [("1", True), ("TRUE", True), ("yes", True), ("0", False), ("Off", False)])
def test_boolean_env_spellings(monkeypatch: pytest.MonkeyPatch, text: str, expected: bool) -> None:
    monkeypatch.setenv("AGENTSTACK_CAPTURE_CONTENT", text)
    assert resolve_settings().capture_content is expected


def test_collector_url_trailing_slash_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSTACK_COLLECTOR_URL", "https://agentstack.example.com/")
    assert resolve_settings().traces_url == "https://agentstack.example.com/v1/traces"


def test_empty_env_value_counts_as_unset(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("AGENTSTACK_BATCH_SIZE", "")
    with caplog.at_level(logging.WARNING, logger="agentstack"):
        assert resolve_settings().batch_size == 64
    assert not caplog.records


def test_batch_larger_than_queue(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ValueError, match=r"batch_size \(100\) must be ≤ max_queue_size \(10\)"):
        resolve_settings(batch_size=100, max_queue_size=10)

    monkeypatch.setenv("AGENTSTACK_BATCH_SIZE", "100")
    monkeypatch.setenv("AGENTSTACK_MAX_QUEUE_SIZE", "10")
    with caplog.at_level(logging.WARNING, logger="agentstack"):
        settings = resolve_settings()
    assert settings.batch_size == 10
    assert "batch_size (100)" in caplog.text


def test_settings_are_frozen() -> None:
    settings = resolve_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.batch_size = 1  # type: ignore[misc]


def test_every_listed_variable_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "AGENTSTACK_API_KEY": "ak_env",
        "AGENTSTACK_COLLECTOR_URL": "http://collector:9000",
        "AGENTSTACK_ENABLED": "false",
        "AGENTSTACK_BATCH_SIZE": "16",
        "AGENTSTACK_EXPORT_INTERVAL": "750",
        "AGENTSTACK_MAX_QUEUE_SIZE": "100",
        "AGENTSTACK_SERVICE_NAME": "svc",
        "AGENTSTACK_SAMPLE_RATE": "0.25",
        "AGENTSTACK_CAPTURE_CONTENT": "no",
        "AGENTSTACK_SANITIZE": "off",
        "AGENTSTACK_OFFLINE": "0",
        "AGENTSTACK_STORE_PATH": "/tmp/somewhere.db",
        "AGENTSTACK_LOG_LEVEL": "info",
        "AGENTSTACK_TIMEOUT": "3",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = resolve_settings()
    assert settings == Settings(
        api_key="ak_env", collector_url="http://collector:9000", enabled=False, batch_size=16,
        export_interval=750.0, max_queue_size=100, service_name="svc", sample_rate=0.25,
        capture_content=False, sanitize=False, offline=False, store_path="/tmp/somewhere.db",
        log_level="INFO", timeout=3.0,
    )  # fmt: skip
    assert settings.store_file == "/tmp/somewhere.db"


def test_debug_switches_the_log_level(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_settings().log_level == "WARNING"
    monkeypatch.setenv("AGENTSTACK_DEBUG", "1")
    assert resolve_settings().log_level == "DEBUG"
    assert resolve_settings(debug=False, log_level="error").log_level == "ERROR"


def test_local_mode_without_a_key_and_default_store_location() -> None:
    settings = resolve_settings()
    assert settings.local_mode is True
    assert settings.store_file.endswith(".agentstack/spans.db")
    assert resolve_settings(api_key="ak_x").local_mode is False
    assert resolve_settings(enabled=False).local_mode is False

"""SDK settings: one frozen :class:`Settings`, resolved argument → ``AGENTSTACK_*`` env var → default.

:func:`resolve_settings` is the only place that reads the environment. A bad environment value is
logged (naming the variable and the value) and replaced by the default, because a typo in a
deployment's env must never break the agent being observed; a bad *argument* is a programming
error and raises :class:`ValueError` naming it.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from agentstack.schema import MAX_KEY_CHARS

__all__ = ["ENV_PREFIX", "Settings", "SettingsOverrides", "env_var", "resolve_settings"]

logger = logging.getLogger(__name__)

ENV_PREFIX = "AGENTSTACK_"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Settings:
    """Everything the SDK can be configured with. Build it with :func:`resolve_settings`.

    Each field ``name`` is read from the env var ``AGENTSTACK_<NAME>`` when no argument is given.

    Attributes:
        api_key: the project API key sent as ``X-API-Key``; empty means spans are not exported.
        collector_url: base URL of the collector; spans go to ``{collector_url}/v1/traces``.
        enabled: master switch; when false spans are still created (context works) but not exported.
        batch_size: export as soon as this many spans are queued.
        export_interval: export whatever is queued at least this often, in milliseconds.
        max_queue_size: spans kept in memory while waiting; when full the oldest is dropped.
        service_name: tagged on every span as ``service_name``.
        capture_content: default for ``@observe``'s ``capture_input`` / ``capture_output``.
        timeout: HTTP timeout of one export request, in seconds.
        sample_rate: fraction of traces kept (0–1), decided once per trace from its id (head sampling).
        sanitize: scrub PII and secrets (emails, cards, keys, …) from captured content before export.
        offline: keep spans the collector could not take in the local store and re-send them later.
        store_path: the local SQLite file (offline spans and local-mode traces); empty → ``~/.agentstack/spans.db``.
        log_level: level of the ``agentstack`` logger (``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``).
        debug: shorthand for ``log_level="DEBUG"``.
    """

    api_key: str = ""
    collector_url: str = "http://localhost:8000"
    enabled: bool = True
    batch_size: int = 64
    export_interval: float = 5000.0
    max_queue_size: int = 2048
    service_name: str = "default"
    capture_content: bool = True
    timeout: float = 10.0
    sample_rate: float = 1.0
    sanitize: bool = True
    offline: bool = True
    store_path: str = ""
    log_level: str = "WARNING"
    debug: bool = False

    @property
    def store_file(self) -> str:
        """The local SQLite store's path (``store_path``, else ``~/.agentstack/spans.db``)."""
        return self.store_path or os.path.join(os.path.expanduser("~"), ".agentstack", "spans.db")

    @property
    def local_mode(self) -> bool:
        """No API key: spans are kept in the local store (see ``agentstack traces``) instead of sent."""
        return self.enabled and not self.api_key

    @property
    def traces_url(self) -> str:
        """The ingestion endpoint spans are POSTed to."""
        return f"{self.collector_url}/v1/traces"

    @property
    def export_enabled(self) -> bool:
        """Whether spans leave the process over HTTP (enabled and an API key is set)."""
        return self.enabled and bool(self.api_key)


class SettingsOverrides(TypedDict, total=False):
    """Keyword arguments accepted by :func:`resolve_settings` (and ``configure``); ``None`` = not given."""

    api_key: str | None
    collector_url: str | None
    enabled: bool | None
    batch_size: int | None
    export_interval: float | None
    max_queue_size: int | None
    service_name: str | None
    capture_content: bool | None
    timeout: float | None
    sample_rate: float | None
    sanitize: bool | None
    offline: bool | None
    store_path: str | None
    log_level: str | None
    debug: bool | None


def env_var(field: str) -> str:
    """Return the environment variable that configures ``field`` (``batch_size`` → ``AGENTSTACK_BATCH_SIZE``)."""
    return ENV_PREFIX + field.upper()


# Each parser takes a value that is already the right Python type (an argument, or an env string
# converted by _from_env) and returns it normalised, or raises ValueError saying what is expected.
def _parse_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value.strip()


def _parse_url(value: Any) -> str:
    url = _parse_str(value).rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
        raise ValueError("expected an http:// or https:// URL such as http://localhost:8000")
    return url


def _parse_service_name(value: Any) -> str:
    name = _parse_str(value)
    if not name or len(name) > MAX_KEY_CHARS:
        raise ValueError(f"expected a non-empty name of at most {MAX_KEY_CHARS} characters")
    return name


def _parse_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {type(value).__name__}")
    return value


def _parse_positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("expected a whole number ≥ 1")
    return value


def _parse_positive_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError("expected a number > 0")
    return float(value)


def _parse_rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError("expected a number between 0 and 1")
    return float(value)


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _parse_log_level(value: Any) -> str:
    level = _parse_str(value).upper()
    if level == "WARN":
        level = "WARNING"
    if level not in _LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(_LOG_LEVELS)}")
    return level


_PARSERS: Mapping[str, Callable[[Any], Any]] = {
    "api_key": _parse_str,
    "collector_url": _parse_url,
    "enabled": _parse_bool,
    "batch_size": _parse_positive_int,
    "export_interval": _parse_positive_float,
    "max_queue_size": _parse_positive_int,
    "service_name": _parse_service_name,
    "capture_content": _parse_bool,
    "timeout": _parse_positive_float,
    "sample_rate": _parse_rate,
    "sanitize": _parse_bool,
    "offline": _parse_bool,
    "store_path": _parse_str,
    "log_level": _parse_log_level,
    "debug": _parse_bool,
}
_DEFAULTS: Mapping[str, Any] = {f.name: f.default for f in dataclasses.fields(Settings)}
assert set(_PARSERS) == set(_DEFAULTS), "every Settings field needs a parser"


def _from_env(field: str, text: str) -> Any:
    """Convert an env string to the field's Python type (then the field's parser validates it)."""
    kind = type(_DEFAULTS[field])
    text = text.strip()
    if kind is bool:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("expected true/false (also 1/0, yes/no, on/off)")
    if kind is int:
        return int(text)
    if kind is float:
        return float(text)
    return text


def resolve_settings(**overrides: Unpack[SettingsOverrides]) -> Settings:
    """Build :class:`Settings`: each field from its argument, else ``AGENTSTACK_<FIELD>``, else the default.

    Args:
        **overrides: any :class:`Settings` field; ``None`` means "not given".

    Returns:
        The resolved, validated settings.

    Raises:
        TypeError: an argument that is not a settings field.
        ValueError: an argument with a bad value (the message names it and what was expected), or
            ``batch_size`` larger than ``max_queue_size`` when either was passed as an argument.
    """
    unknown = sorted(set(overrides) - set(_PARSERS))
    if unknown:
        raise TypeError(f"unknown setting(s) {unknown}; expected some of {sorted(_PARSERS)}")
    values: dict[str, Any] = {}
    for field, parse in _PARSERS.items():
        given = overrides.get(field)
        if given is not None:
            try:
                values[field] = parse(given)
            except ValueError as exc:
                raise ValueError(f"{field}={given!r} is invalid: {exc}") from None
            continue
        name = env_var(field)
        raw = os.environ.get(name)
        if raw is None or not raw.strip():  # set-but-empty means "not set", as in most CLIs
            values[field] = _DEFAULTS[field]
            continue
        try:
            values[field] = parse(_from_env(field, raw))
        except ValueError as exc:
            logger.warning(
                "AgentStack: ignoring %s=%r (%s); using the default %r", name, raw, exc, _DEFAULTS[field]
            )
            values[field] = _DEFAULTS[field]
    if values["batch_size"] > values["max_queue_size"]:
        message = (
            f"batch_size ({values['batch_size']}) must be ≤ max_queue_size ({values['max_queue_size']})"
        )
        if overrides.get("batch_size") is not None or overrides.get("max_queue_size") is not None:
            raise ValueError(message)
        logger.warning("AgentStack: %s; using batch_size=%d", message, values["max_queue_size"])
        values["batch_size"] = values["max_queue_size"]
    if values["debug"]:
        values["log_level"] = "DEBUG"
    return Settings(**values)

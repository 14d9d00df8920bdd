"""Platform settings: one object, built at each entry point from `AGENTSTACK_*` env vars.

`REDIS_URL` and `CLICKHOUSE_URL` (unprefixed, as every tool spells them) switch from the embedded
Valkey / chDB to external services with no code change.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The checkout the platform runs from; its `.agentstack/` folder holds embedded data by default.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class PlatformSettings(BaseSettings):
    """Settings shared by every deployment and actor of one AgentStack installation."""

    model_config = SettingsConfigDict(env_prefix="AGENTSTACK_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(
        PROJECT_ROOT / ".agentstack",
        description="Folder for the embedded Valkey (AOF) and chDB data, and the local API key file.",
    )
    redis_url: str | None = Field(
        None,
        validation_alias=AliasChoices("REDIS_URL", "AGENTSTACK_REDIS_URL"),
        description="External Redis/Valkey (redis://host:port/db). Unset: start the embedded Valkey.",
    )
    clickhouse_url: str | None = Field(
        None,
        validation_alias=AliasChoices("CLICKHOUSE_URL", "AGENTSTACK_CLICKHOUSE_URL"),
        description="External ClickHouse (http(s)://user:pass@host:8123/db). Unset: embedded chDB.",
    )
    valkey_port: int = Field(6390, ge=1, le=65535, description="Port of the embedded Valkey (127.0.0.1).")
    valkey_host: str = Field(
        "127.0.0.1",
        description="Address the embedded Valkey binds to and others reach it at: the head node's address on a cluster.",
    )
    valkey_password: SecretStr | None = Field(
        None, description="Password of the embedded Valkey (requirepass); needed when it listens beyond 127.0.0.1."
    )
    head_resource: str | None = Field(
        None,
        description="Ray custom resource only the head node has (e.g. agentstack_head): pins the embedded store owner there.",
    )
    consumer_resource: str | None = Field(
        None, description="Ray custom resource of the nodes that run consumer pools (e.g. agentstack_consumer)."
    )
    partitions: int = Field(4, ge=1, le=1024, description="Number of span stream partitions P.")
    bootstrap_api_key: str | None = Field(
        None, description="On first start, use this value as the default project's API key."
    )
    api_key_cache_ttl_s: float = Field(
        2.0,
        ge=0,
        description="Per-replica cache TTL (s) of API key and login session lookups: a revoked key or session "
        "stops working everywhere within this time.",
    )
    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL", "AGENTSTACK_DATABASE_URL"),
        description="Metadata store (users, projects, keys): postgresql://user:pass@host:5432/db. "
        "Unset: SQLite in <data_dir>/metadata.db (one machine only).",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Signing secret of session tokens. Unset: generated on first start into <data_dir>/secret-key.",
    )
    init_user_email: str | None = Field(None, description="Headless init: create this instance admin when missing.")
    init_user_password: SecretStr | None = Field(
        None, description="Headless init: the initial password of AGENTSTACK_INIT_USER_EMAIL (never overwritten)."
    )
    init_project_name: str | None = Field(
        None, description="Headless init: create a project of this name when missing (default: 'default')."
    )
    allow_signup: bool = Field(False, description="Let anyone register an account (the first user always may).")
    session_ttl_s: int = Field(7 * 24 * 3600, ge=60, description="Lifetime of a login session (s).")
    login_max_failures: int = Field(5, ge=1, description="Failed logins per account within the window before 429.")
    login_max_failures_per_address: int = Field(
        20, ge=1, description="Failed logins per client address within the window before 429."
    )
    login_window_s: int = Field(300, ge=1, description="Window (s) of the failed-login counters; 429 lasts its rest.")
    max_body_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="Largest accepted request body.")
    max_decompressed_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="Largest accepted body after gzip decompression."
    )
    namespace: str = Field("agentstack", description="Ray namespace of the platform's named actors.")
    ingest_buffer_spans: int = Field(
        10_000, ge=0, description="Spans one ingest replica keeps in memory while Redis is unreachable (429 when full)."
    )
    ingest_retry_interval_s: float = Field(0.5, gt=0, description="How often buffered spans are retried (s).")
    max_stream_backlog: int = Field(
        100_000,
        ge=1,
        description="Backlog ceiling of one span stream, in entries (lag + pending of its slowest group); 429 above.",
    )
    backlog_check_interval_s: float = Field(1.0, gt=0, description="How often ingest re-reads stream backlogs (s).")
    retry_after_s: int = Field(2, ge=1, description="Retry-After (s) sent with 429 and 503 answers.")
    retention_days: int = Field(
        30, ge=0, description="Days spans, trace summaries and alerts are kept (ClickHouse TTL); 0 keeps them forever."
    )
    pools_config: Path = Field(
        PROJECT_ROOT / "configs" / "pools.yaml",
        description="Consumer pools: min/max actors, batching, autoscaling thresholds (YAML).",
    )
    pricing_config: Path | None = Field(
        PROJECT_ROOT / "configs" / "pricing.yaml",
        description="Model prices that add to or override genai-prices' snapshot (YAML); unset: none.",
    )
    store_read_timeout_s: float = Field(
        30.0, gt=0, description="A store query/read not answered within this becomes StoreUnavailable (s)."
    )
    store_write_timeout_s: float = Field(
        120.0, gt=0, description="A store insert/command not answered within this becomes StoreUnavailable (s)."
    )
    store_stuck_s: float = Field(
        300.0,
        gt=0,
        description="The embedded store owner restarts itself when one chDB call has run this long (s).",
    )
    store_ping_timeout_s: float = Field(5.0, gt=0, description="The platform's store probe gives up after this (s).")
    log_level: str = Field(
        "info", pattern=r"^(?i:debug|info|warning|error)$", description="'debug' shows Ray's own output in the terminal."
    )
    security_ner: bool = Field(False, description="Run the NER tier (spaCy PERSON/LOCATION) in the security pool.")
    security_rules: Path | None = Field(
        None, description="Security rules YAML (thresholds, allow-lists per project). Unset: configs/security.yaml."
    )

    live_stream_maxlen: int = Field(
        2000, ge=10, description="Entries kept in the capped `spans.live` stream (one per written batch chunk): "
        "how far back a reconnecting live client can resume.",
    )
    live_max_queue: int = Field(
        5000, ge=10, description="Messages one live frame (one flush of one project) may carry; more are dropped (the clients are told).",
    )
    live_socket_budget_bytes: int = Field(
        1 << 20, ge=4096, description="Bytes one live WebSocket may have sent but not confirmed (its pong to a later "
        "ping); data beyond is dropped for it (it is told), and a socket stuck over it for 10 s is closed.",
    )
    live_coalesce_s: float = Field(
        0.25, gt=0, le=5, description="A live replica flushes what arrived to its sockets at most this often (s): fewer, "
        "larger frames cost Serve's proxy less per span at the price of delay.",
    )
    live_resume_max_entries: int = Field(
        1000, ge=1, description="Most stream entries replayed to a reconnecting live client; further behind → reset.",
    )
    live_direct_host: str = Field(
        "127.0.0.1", description="Address each live replica's own WebSocket server binds, so browsers reach "
        "`/ws/traces` without Serve's HTTP proxy (the UI learns the port from `GET /ws/endpoint`). Empty: off, every "
        "socket goes through the proxy. Use 0.0.0.0 when browsers are on other machines.",
    )
    live_direct_port: int = Field(
        0, ge=0, le=65535, description="Port of the live replica's own WebSocket server (0: a free port chosen at start; "
        "a fixed port fits one live replica per node).",
    )
    live_direct_deflate: bool = Field(
        False, description="Offer permessage-deflate on the live replica's own WebSocket server: 5-10x fewer bytes to "
        "each browser, at the cost of compressing every frame once per socket (CPU of the live replica).",
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def effective_redis_url(self) -> str:
        """The Redis URL every component connects to (external or the embedded Valkey)."""
        if self.redis_url:
            return self.redis_url
        auth = f":{quote(self.valkey_password.get_secret_value(), safe='')}@" if self.valkey_password else ""
        return f"redis://{auth}{self.valkey_host}:{self.valkey_port}/0"

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def embedded_clickhouse(self) -> bool:
        return not self.clickhouse_url

    @property
    def chdb_path(self) -> Path:
        return self.data_dir / "chdb"

    @property
    def local_key_file(self) -> Path:
        return self.data_dir / "local-api-key"

    @property
    def metadata_db_file(self) -> Path:
        """The embedded SQLite metadata store (used when DATABASE_URL is unset)."""
        return self.data_dir / "metadata.db"

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / "secret-key"

    @property
    def setup_code_file(self) -> Path:
        return self.data_dir / "setup-code"

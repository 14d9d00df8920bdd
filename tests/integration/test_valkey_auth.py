"""The embedded Valkey with a password (how it runs on a cluster's head): clients need it, the URL carries it."""

from __future__ import annotations

import pytest
import redis

from cluster.settings import PlatformSettings
from cluster.valkey import EmbeddedValkey
from tests.conftest import free_port


def test_password_protected_valkey_refuses_anonymous_clients(tmp_path):
    port = free_port()
    valkey = EmbeddedValkey(tmp_path, port, "127.0.0.1", 'p@ss "word"/1')
    valkey.start()
    try:
        assert redis.Redis.from_url(valkey.url).ping()
        settings = PlatformSettings(valkey_port=port, valkey_password='p@ss "word"/1', redis_url=None)
        assert redis.Redis.from_url(settings.effective_redis_url).ping()  # what every component connects with
        with pytest.raises(redis.exceptions.RedisError, match="(?i)auth"):
            redis.Redis(host="127.0.0.1", port=port).ping()
    finally:
        valkey.stop()


def test_listening_beyond_loopback_needs_a_password(tmp_path):
    with pytest.raises(ValueError, match="AGENTSTACK_VALKEY_PASSWORD"):
        EmbeddedValkey(tmp_path, free_port(), "10.0.0.10")

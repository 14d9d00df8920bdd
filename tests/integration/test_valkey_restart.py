"""A restarted platform starts its embedded Valkey while the previous one (told to stop when its replica
died) may still be shutting down on the same port and files: the new one waits for it, then starts."""

from __future__ import annotations

import time

import redis

from cluster.valkey import EmbeddedValkey
from tests.conftest import free_port


def test_a_new_instance_waits_for_the_previous_one_on_the_same_data_dir(tmp_path):
    port = free_port()
    first = EmbeddedValkey(tmp_path, port)
    first.start()
    redis.Redis.from_url(first.url).set("kept", "yes")
    old = first._proc
    assert old is not None
    old.terminate()  # as when its replica dies: SIGTERM, and nobody waits for it
    first._proc = None
    second = EmbeddedValkey(tmp_path, port)
    started = time.monotonic()
    second.start()
    try:
        assert old.poll() is not None  # the old one had exited before the new one bound the port
        assert time.monotonic() - started < 10
        assert redis.Redis.from_url(second.url).get("kept") == b"yes"  # its AOF was flushed and read back
    finally:
        second.stop()

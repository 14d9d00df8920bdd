"""Pure logic of the Insights features: windows and buckets, filters and cursors, webhook bodies and signatures."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from actors.notifier import RetryPolicy, alert_body, signature
from cluster.metadata.notifications import check_url, url_hint
from cluster.metadata.errors import AccountError
from cluster.query.analytics import Override, _like, priced_expressions
from cluster.query.security import Cursor, FilterError, check_values
from cluster.query.windows import parse_window

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("hours", "bucket"), [(1, "minute"), (12, "minute"), (13, "hour"), (24 * 30, "hour"), (24 * 31, "day")])
def test_the_bucket_follows_the_window(hours, bucket):
    assert parse_window(NOW - timedelta(hours=hours), NOW).auto_bucket() == bucket


def test_a_window_defaults_to_the_last_day_and_refuses_an_inverted_one():
    window = parse_window(None, NOW)
    assert (window.start, window.end) == (NOW - timedelta(days=1), NOW)
    assert window.previous().end == window.start
    with pytest.raises(ValueError, match="must be before end"):
        parse_window(NOW, NOW - timedelta(seconds=1))


def test_filter_values_accept_aliases_and_commas_and_name_the_parameter():
    assert check_values("rule", ["injection,pii", "runaway"], ("pii", "prompt_injection", "runaway_trace"),
                        {"injection": "prompt_injection", "runaway": "runaway_trace"}) == ("prompt_injection", "pii", "runaway_trace")
    assert check_values("severity", ["high", "HIGH"], ("HIGH",), upper=True) == ("HIGH",)
    with pytest.raises(FilterError) as caught:
        check_values("status", ["closed"], ("open",))
    assert caught.value.field == "status" and "'closed'" in str(caught.value)


def test_a_cursor_round_trips_and_a_forged_one_is_refused():
    cursor = Cursor(1_764_590_000_123.0, "ab" * 16)
    assert Cursor.decode(cursor.encode()) == cursor
    for bad in ("", "!!!", "eyJ4IjoxfQ=="):
        with pytest.raises(FilterError):
            Cursor.decode(bad)


def test_price_patterns_escape_like_wildcards():
    assert _like("gpt-4o_mini*") == "gpt-4o\\_mini%"
    cost, unpriced, params = priced_expressions([Override("my-*", "", 1, 2, 0.5, 1, 2, NOW)], "at")
    assert cost.startswith("multiIf(") and "cost_usd)" in cost and unpriced.startswith("if(")
    assert params["om0"] == "my-%" and params["pi0"] == 1 and "op0" not in params
    assert priced_expressions([], "at") == ("cost_usd", "unpriced", {})


def test_signature_is_the_hmac_of_the_exact_body():
    body = b'{"a":1}'
    assert signature("s3cret", body) == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature("s3cret", body) != signature("s3cret", body + b" ")


def test_slack_body_has_text_and_blocks_and_the_generic_one_the_alert():
    alert = {"alert_id": "x", "severity": "CRITICAL", "rule": "secret", "trace_id": "t" * 32, "excerpt": "key <GITHUB_TOKEN>",
             "entity_types": ["GITHUB_TOKEN"], "score": 95}
    slack = alert_body("slack", alert, "https://agentstack.example")
    assert slack["text"].startswith("[CRITICAL] secret") and slack["blocks"][0]["type"] == "header"
    assert any("Open the span" in str(b) for b in slack["blocks"])
    assert alert_body("webhook", alert) == {"type": "alert", "alert": alert, "link": None}


def test_backoff_doubles_within_jitter_and_is_capped():
    policy = RetryPolicy(base_s=1, max_s=5)
    assert 0.8 <= policy.delay(0) <= 1.2 and 1.6 <= policy.delay(1) <= 2.4 and policy.delay(10) <= 6


def test_webhook_urls_are_checked_and_hinted_without_their_secret_parts():
    assert url_hint("https://user:pw@hooks.slack.com/services/T0/B0/XYZ?x=1") == "https://hooks.slack.com/…"
    for bad in ("ftp://x", "hooks.slack.com/x", "http://"):
        with pytest.raises(AccountError) as caught:
            check_url(bad)
        assert caught.value.field == "url"

"""Notifications: the notifier consumer on a real Redis/Valkey stream delivering to a real HTTP receiver,
and the channels API (secrets encrypted at rest, shown once; send test; delivery log; other projects)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import text

from actors.notifier import NOTIFIER_GROUP, Notifier, RetryPolicy
from cluster.bus import connect_redis
from cluster.metadata import MetadataDB
from cluster.metadata import notifications as channels
from cluster.metadata.insights import Delivery
from cluster.metadata.models import Project
from cluster.store import DirectStoreClient
from cluster.streams import ALERT_FIELD, ALERTS_STREAM
from tests.conftest import free_port
from tests.integration.test_accounts_isolation import World, codes, run_world

SECRET = "whsec_test_0123456789abcdef"


class Receiver:
    """A webhook receiver that answers 500 to the first `fail_first` requests, then 200."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.requests: list[dict[str, Any]] = []
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook/T000/secret-path-token"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        accepted = len(self.requests) >= self.fail_first
        self.requests.append({"body": body, "headers": dict(request.headers), "accepted": accepted})
        return web.Response(status=200 if accepted else 500, text="ok" if accepted else "try later")

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_: Any) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def accepted(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["accepted"]]


def alert(project: str, alert_id: str, severity: str) -> dict[str, Any]:
    return {"alert_id": alert_id, "project_id": project, "trace_id": "a" * 32, "span_id": "1" * 16, "rule": "secret",
            "entity_types": ["GITHUB_TOKEN"], "severity": severity, "score": 95.0, "excerpt": "token <GITHUB_TOKEN>",
            "details": {}, "created_at": datetime.now(UTC).isoformat()}


def signed_by(secret: str, request: dict[str, Any]) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(request["headers"]["X-AgentStack-Signature"], expected)


def test_notifier_delivers_once_despite_two_failures_and_a_replay(redis_url, store, metadata_settings):
    db = MetadataDB.from_settings(metadata_settings)
    db.migrate()
    with db.session() as s:
        s.add_all([Project(id="p" * 32, name="A"), Project(id="q" * 32, name="B")])

    async def main() -> None:
        redis = connect_redis(redis_url)
        async with Receiver(fail_first=2) as receiver, Receiver() as slack:
            with db.session() as s:
                generic, _ = channels.create_channel(s, metadata_settings, "p" * 32, "ops", "webhook", receiver.url, "HIGH",
                                                     None, None, "t@example.com", SECRET)
                channels.create_channel(s, metadata_settings, "p" * 32, "slack", "slack", slack.url, "CRITICAL", 10.0, None,
                                        "t@example.com", SECRET)
            notifier = Notifier(metadata_settings, redis, db, DirectStoreClient(store), policy=RetryPolicy(base_s=0.05))
            await notifier.ensure_group()
            for item in (alert("p" * 32, "c" * 32, "CRITICAL"), alert("p" * 32, "d" * 32, "LOW"), alert("q" * 32, "e" * 32, "CRITICAL")):
                await redis.xadd(ALERTS_STREAM, {ALERT_FIELD: json.dumps(item)})
            import aiohttp

            async with aiohttp.ClientSession() as session:
                for _ in range(3):  # own pending entries first, then new ones
                    await notifier.poll_once(session, block_ms=50)
                # the webhook failed twice, then accepted: exactly one accepted delivery, signed, of the CRITICAL alert
                assert [r["accepted"] for r in receiver.requests] == [False, False, True]
                got = receiver.accepted()[0]
                assert signed_by(SECRET, got) and got["headers"]["X-AgentStack-Event-Id"] == "alert:" + "c" * 32
                assert json.loads(got["body"])["alert"]["alert_id"] == "c" * 32
                assert len({r["headers"]["X-AgentStack-Event-Id"] for r in receiver.requests}) == 1  # same event retried
                # Slack gets a Slack-compatible body (text + blocks), CRITICAL only
                assert len(slack.accepted()) == 1
                slack_body = json.loads(slack.accepted()[0]["body"])
                assert "CRITICAL" in slack_body["text"] and slack_body["blocks"][0]["type"] == "header"
                assert (await redis.xpending(ALERTS_STREAM, NOTIFIER_GROUP))["pending"] == 0
                with db.session() as s:
                    log = s.query(Delivery).filter_by(channel_id=generic.id).one()
                    assert (log.status, log.attempts, log.http_status) == ("delivered", 3, 200)

                # a replay (e.g. the notifier died after delivering, before acknowledging) is not delivered again
                await redis.xgroup_setid(ALERTS_STREAM, NOTIFIER_GROUP, id="0")
                again = Notifier(metadata_settings, redis, db, DirectStoreClient(store), consumer="notifier-1")
                for _ in range(3):
                    await again.poll_once(session, block_ms=50)
                assert again.entries == 3 and len(receiver.accepted()) == 1 and len(slack.accepted()) == 1

                # budgets: the day's cost over the Slack channel's $10 limit → one message a day
                store.insert("cost_metrics", [("p" * 32, datetime.now(UTC).replace(second=0, microsecond=0, tzinfo=None), "x", "m",
                                               1, 0, 1, 1, 0, 0, 0, 12.5)],
                             ("project_id", "minute", "provider", "model", "spans", "unpriced_spans", "input_tokens", "output_tokens",
                              "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_usd"))
                assert await notifier.check_budgets(session) == 1
                assert await notifier.check_budgets(session) == 1  # already delivered: counted, not sent again
                assert len(slack.accepted()) == 2 and "12.50" in json.loads(slack.accepted()[1]["body"])["text"]
                assert len(receiver.accepted()) == 1  # the generic channel has no budget
        await redis.aclose()

    try:
        asyncio.run(main())
    finally:
        db.dispose()


def test_channels_api_hides_secrets_and_sends_a_test(redis_url, store, metadata_settings):
    async def scenario(w: World) -> None:
        alice, bob = w.people["alice"], w.people["bob"]
        A, B = w.ids["A"], w.ids["B"]
        async with Receiver() as receiver:
            made = await alice.post(f"/api/v1/notifications/channels?project_id={A}",
                                    json={"name": "ops", "kind": "slack", "url": receiver.url, "min_severity": "MEDIUM"})
            assert made.status_code == 201, made.text
            channel = made.json()
            secret = channel["signing_secret"]
            assert secret.startswith("whsec_") and channel["url_hint"] == f"http://127.0.0.1:{receiver.port}/…"
            listed = await alice.get(f"/api/v1/notifications/channels?project_id={A}")
            assert "secret-path-token" not in listed.text and secret not in listed.text
            assert [c["id"] for c in listed.json()["items"]] == [channel["id"]]
            with w.db.engine.connect() as conn:  # encrypted at rest
                raw = conn.execute(text("SELECT url_encrypted, secret_encrypted FROM notification_channels")).one()
            assert "secret-path-token" not in raw[0] and secret not in raw[1]

            tested = await alice.post(f"/api/v1/notifications/channels/{channel['id']}/test?project_id={A}")
            assert tested.status_code == 200 and tested.json()["status"] == "delivered", tested.text
            assert len(receiver.accepted()) == 1 and signed_by(secret, receiver.accepted()[0])
            assert "text" in json.loads(receiver.accepted()[0]["body"])
            log = (await alice.get(f"/api/v1/notifications/deliveries?project_id={A}")).json()["items"]
            assert [(d["event_kind"], d["status"], d["http_status"]) for d in log] == [("test", "delivered", 200)]

            changed = await alice.patch(f"/api/v1/notifications/channels/{channel['id']}?project_id={A}",
                                        json={"min_severity": "CRITICAL", "daily_budget_usd": 5})
            assert changed.json()["min_severity"] == "CRITICAL" and changed.json()["daily_budget_usd"] == 5

            # bad input names the field; viewers and other projects cannot manage or see the channel
            bad = await alice.post(f"/api/v1/notifications/channels?project_id={A}", json={"url": "ftp://x"})
            assert bad.status_code == 422 and bad.json()["error"]["field"] == "url", bad.text
            bad = await alice.post(f"/api/v1/notifications/channels?project_id={A}", json={"url": receiver.url, "min_severity": "HUGE"})
            assert bad.status_code == 422 and bad.json()["error"]["field"] == "min_severity"
            assert codes(await bob.get(f"/api/v1/notifications/channels?project_id={A}")) == (404, "project_not_found")
            assert codes(await bob.post(f"/api/v1/notifications/channels?project_id={B}", json={"url": receiver.url})) == (403, "forbidden_role")
            assert (await bob.get(f"/api/v1/notifications/channels?project_id={B}")).json()["items"] == []
            assert codes(await w.people["admin"].post(f"/api/v1/notifications/channels/{channel['id']}/test?project_id={B}")) == (404, "not_found")
            assert codes(await w.read(f"/api/v1/notifications/deliveries?project_id={A}", w.keys["B_read"])) == (404, "project_not_found")
            assert (await alice.delete(f"/api/v1/notifications/channels/{channel['id']}?project_id={A}")).status_code == 204
            assert (await alice.get(f"/api/v1/notifications/channels?project_id={A}")).json()["items"] == []

    run_world(redis_url, store, metadata_settings, scenario)

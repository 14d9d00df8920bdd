"""The notifier: alerts from `alerts.live` (and budget thresholds) → the projects' webhooks.

It reads `alerts.live` in its own consumer group (`notifier`), so a slow or dead webhook never
slows scanning. Delivery is at least once: an entry is acknowledged only after every matching
channel got it or gave up; each (channel, event) has one row in the delivery log, and a row that
says "delivered" is never sent again, so a replay after a crash does not repeat what arrived.
Each request carries `X-AgentStack-Event-Id` (receivers deduplicate on it) and
`X-AgentStack-Signature: sha256=<hex HMAC-SHA256 of the body with the channel's secret>`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from cluster.metadata import notifications as channels_logic
from cluster.metadata.database import MetadataDB
from cluster.metadata.insights import Delivery, NotificationChannel
from cluster.settings import PlatformSettings
from cluster.streams import ALERT_FIELD, ALERTS_STREAM

logger = logging.getLogger(__name__)

NOTIFIER_GROUP = "notifier"
SEVERITY_RANK = {s: i for i, s in enumerate(channels_logic.SEVERITIES)}
EVENT_HEADER = "X-AgentStack-Event-Id"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff between attempts of one delivery: base·2ⁿ (±20 %), capped; `attempts` in all."""

    attempts: int = 6
    base_s: float = 0.5
    max_s: float = 30.0
    timeout_s: float = 10.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_s, self.base_s * 2 ** attempt) * random.uniform(0.8, 1.2))


def signature(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def alert_body(kind: str, alert: dict[str, Any], base_url: str = "") -> dict[str, Any]:
    """The JSON body of an alert: generic (`{"type": "alert", "alert": …}`) or Slack-compatible (`text` + `blocks`)."""
    link = f"{base_url}/traces/{alert.get('trace_id')}?span={alert.get('span_id')}&project_id={alert.get('project_id')}" if base_url else ""
    if kind != "slack":
        return {"type": "alert", "alert": alert, "link": link or None}
    title = f"[{alert.get('severity')}] {alert.get('rule')} alert in trace {str(alert.get('trace_id'))[:12]}"
    text = f"{title}\n{alert.get('excerpt', '')[:500]}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"```{alert.get('excerpt', '')[:2500]}```"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"score {alert.get('score')} · entities "
                                          f"{', '.join(alert.get('entity_types') or []) or '–'} · alert {alert.get('alert_id')}"}]},
    ]
    if link:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"<{link}|Open the span>"}})
    return {"text": text, "blocks": blocks}


def budget_body(kind: str, project_id: str, period: str, spent: float, limit: float) -> dict[str, Any]:
    if kind != "slack":
        return {"type": "budget", "project_id": project_id, "period": period, "cost_usd": round(spent, 6), "limit_usd": limit}
    text = f"AgentStack budget: {period} cost ${spent:.2f} passed the limit of ${limit:.2f} (project {project_id})"
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def test_body(kind: str, channel: NotificationChannel) -> dict[str, Any]:
    if kind != "slack":
        return {"type": "test", "project_id": channel.project_id, "channel": channel.name, "sent_at": datetime.now(UTC).isoformat()}
    return {"text": f"AgentStack test message for channel '{channel.name}'"}


async def post_once(session: aiohttp.ClientSession, url: str, secret: str, event_id: str, body: bytes,
                    timeout_s: float) -> tuple[bool, int | None, str]:
    """One POST: (accepted = 2xx, HTTP status, error text)."""
    headers = {"Content-Type": "application/json", EVENT_HEADER: event_id, "X-AgentStack-Signature": signature(secret, body),
               "User-Agent": "AgentStack-Notifier/1"}
    try:
        async with session.post(url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout_s),
                                allow_redirects=False) as response:
            ok = 200 <= response.status < 300
            return ok, response.status, "" if ok else f"HTTP {response.status}"
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return False, None, f"{type(exc).__name__}: {str(exc)[:300]}"


class Deliverer:
    """Sends one event to one channel with retries and keeps the delivery log."""

    def __init__(self, settings: PlatformSettings, db: MetadataDB, policy: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.db = db
        self.policy = policy or RetryPolicy()
        self.sent = 0
        self.failed = 0

    def _claim(self, channel: NotificationChannel, event_id: str, kind: str) -> int | None:
        with self.db.session() as db:
            row = channels_logic.claim_delivery(db, db.merge(channel), event_id, kind)
            return row.id if row is not None else None

    def _record(self, delivery_id: int, ok: bool, status: int | None, error: str, final: bool) -> None:
        with self.db.session() as db:
            channels_logic.record_attempt(db, delivery_id, ok, status, error, final)

    async def deliver(self, session: aiohttp.ClientSession, channel: NotificationChannel, event_id: str, kind: str,
                      body: dict[str, Any], attempts: int | None = None) -> bool:
        """Send until accepted or out of attempts; True when delivered now or before."""
        delivery_id = await asyncio.to_thread(self._claim, channel, event_id, kind)
        if delivery_id is None:
            return True  # delivered before (a replay)
        url, secret = channels_logic.reveal(self.settings, channel)
        raw = json.dumps(body, separators=(",", ":"), default=str).encode()
        total = attempts or self.policy.attempts
        for attempt in range(total):
            ok, status, error = await post_once(session, url, secret, event_id, raw, self.policy.timeout_s)
            final = ok or attempt == total - 1
            await asyncio.to_thread(self._record, delivery_id, ok, status, error, final)
            if ok:
                self.sent += 1
                return True
            if not final:
                await asyncio.sleep(self.policy.delay(attempt))
        self.failed += 1
        logger.warning("notification %s to channel %s failed after %d attempts", event_id, channel.id, total)
        return False


async def deliver_test(settings: PlatformSettings, db: MetadataDB, channel: NotificationChannel) -> Delivery:
    """Send a test event to a channel now (one attempt) and return its delivery log row."""
    event_id = f"test:{int(time.time() * 1000)}"
    deliverer = Deliverer(settings, db, RetryPolicy(attempts=1))
    async with aiohttp.ClientSession() as session:
        await deliverer.deliver(session, channel, event_id, "test", test_body(channel.kind, channel), attempts=1)

    def _row() -> Delivery:
        with db.session() as s:
            row = s.query(Delivery).filter_by(channel_id=channel.id, event_id=event_id).one()
            s.expunge(row)
            return row

    return await asyncio.to_thread(_row)


class Notifier:
    """The `notifier` group's consumer of `alerts.live`, plus the budget checks.

    Args:
        settings: platform settings (metadata store, signing secret for the channel secrets).
        redis: an asyncio Redis client.
        db: the metadata store.
        store: the ClickHouse client (budgets; None disables them).
        consumer: this consumer's name in the group.
    """

    def __init__(self, settings: PlatformSettings, redis: Any, db: MetadataDB, store: Any = None, consumer: str = "notifier-0",
                 policy: RetryPolicy | None = None, channel_ttl_s: float = 5.0, budget_interval_s: float = 60.0,
                 base_url: str = "") -> None:
        self.settings = settings
        self.redis = redis
        self.db = db
        self.store = store
        self.consumer = consumer
        self.deliverer = Deliverer(settings, db, policy)
        self.channel_ttl_s = channel_ttl_s
        self.budget_interval_s = budget_interval_s
        self.base_url = base_url
        self._channels: dict[str, list[NotificationChannel]] = {}
        self._channels_at = 0.0
        self._budgets_at = 0.0
        self._own_pending = True
        self.entries = 0

    async def ensure_group(self) -> None:
        from redis.exceptions import ResponseError

        try:
            # "$": only alerts raised from now on (an old backlog is not announced when the notifier first starts)
            await self.redis.xgroup_create(ALERTS_STREAM, NOTIFIER_GROUP, id="$", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _load_channels(self) -> dict[str, list[NotificationChannel]]:
        with self.db.session() as db:
            found: dict[str, list[NotificationChannel]] = {}
            for channel in channels_logic.channels(db):
                if channel.enabled:
                    db.expunge(channel)
                    found.setdefault(channel.project_id, []).append(channel)
            return found

    async def channels(self) -> dict[str, list[NotificationChannel]]:
        if time.monotonic() - self._channels_at > self.channel_ttl_s:
            self._channels = await asyncio.to_thread(self._load_channels)
            self._channels_at = time.monotonic()
        return self._channels

    async def handle_alert(self, session: aiohttp.ClientSession, alert: dict[str, Any]) -> None:
        targets = [c for c in (await self.channels()).get(alert.get("project_id", ""), [])
                   if SEVERITY_RANK.get(str(alert.get("severity")), -1) >= SEVERITY_RANK.get(c.min_severity, 99)]
        await asyncio.gather(*(
            self.deliverer.deliver(session, c, f"alert:{alert['alert_id']}", "alert", alert_body(c.kind, alert, self.base_url))
            for c in targets
        ))

    async def poll_once(self, session: aiohttp.ClientSession, block_ms: int = 1000, count: int = 50) -> int:
        """Read a batch (own pending entries first), deliver, acknowledge; returns entries handled."""
        start = "0" if self._own_pending else ">"
        found = await self.redis.xreadgroup(NOTIFIER_GROUP, self.consumer, {ALERTS_STREAM: start}, count=count,
                                            block=None if self._own_pending else block_ms)
        entries = found[0][1] if found else []
        if self._own_pending and not entries:
            self._own_pending = False
            return 0
        for entry_id, fields in entries:
            raw = fields.get(ALERT_FIELD) if fields else None
            if raw:
                try:
                    alert = json.loads(raw)
                except ValueError:
                    logger.warning("alerts.live entry %s is not JSON; skipped", entry_id)
                else:
                    await self.handle_alert(session, alert)
            await self.redis.xack(ALERTS_STREAM, NOTIFIER_GROUP, entry_id)
            self.entries += 1
        return len(entries)

    async def check_budgets(self, session: aiohttp.ClientSession, now: datetime | None = None) -> int:
        """Notify each channel once per day / month whose project's cost passed its budget; returns notifications sent."""
        if self.store is None:
            return 0
        now = now or datetime.now(UTC)
        sent = 0
        for project_id, chans in (await self.channels()).items():
            budgeted = [c for c in chans if c.daily_budget_usd or c.monthly_budget_usd]
            if not budgeted:
                continue
            rows = await self.store.query(
                "SELECT sumIf(cost_usd, toDate(minute) = toDate({now:DateTime})) AS day, sum(cost_usd) AS month FROM cost_metrics "
                "WHERE project_id = {p:String} AND minute >= toStartOfMonth({now:DateTime})",
                {"p": project_id, "now": now.replace(tzinfo=None)},
            )
            day, month = (float(rows[0]["day"]), float(rows[0]["month"])) if rows else (0.0, 0.0)
            for c in budgeted:
                for period, spent, limit, stamp in (("daily", day, c.daily_budget_usd, now.strftime("%Y-%m-%d")),
                                                    ("monthly", month, c.monthly_budget_usd, now.strftime("%Y-%m"))):
                    if limit and spent > limit:
                        ok = await self.deliverer.deliver(session, c, f"budget:{period}:{stamp}", "budget",
                                                          budget_body(c.kind, project_id, period, spent, limit))
                        sent += int(ok)
        return sent

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; failures are logged and retried with backoff (the loop never dies)."""
        backoff = 0.5
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                try:
                    await self.ensure_group()
                    while not stop.is_set():
                        await self.poll_once(session)
                        if time.monotonic() - self._budgets_at > self.budget_interval_s:
                            self._budgets_at = time.monotonic()
                            await self.check_budgets(session)
                        backoff = 0.5
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - outages of Redis/metadata must not end the notifier
                    logger.warning("notifier: %s: %s; retrying in %.1fs", type(exc).__name__, exc, backoff)
                    self._own_pending = True
                    try:
                        await asyncio.wait_for(stop.wait(), timeout=backoff)
                    except TimeoutError:
                        pass
                    backoff = min(30.0, backoff * 2)

"""Notification channels (webhooks) and their delivery log, in the metadata store.

A channel's URL (which often carries a token, e.g. Slack's) and its signing secret are stored
encrypted with a key derived from the installation's signing secret (Fernet: AES-128-CBC + HMAC);
the API shows only a hint of the URL and returns the signing secret once, at creation.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cluster.metadata.credentials import signing_secret
from cluster.metadata.errors import AccountError
from cluster.metadata.insights import Delivery, NotificationChannel
from cluster.metadata.models import utcnow
from cluster.settings import PlatformSettings

CHANNEL_KINDS: tuple[str, ...] = ("webhook", "slack")
SEVERITIES: tuple[str, ...] = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
SIGNATURE_HEADER = "X-AgentStack-Signature"


def cipher(settings: PlatformSettings) -> Fernet:
    """The channel-secret cipher (its key derived from the signing secret, never the secret itself)."""
    key = hashlib.sha256(b"agentstack notification channels\x00" + signing_secret(settings).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def check_url(url: str) -> str:
    """An http(s) URL with a host, else AccountError 422 naming `url`."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise AccountError(422, "invalid_url", "url must be an http:// or https:// URL with a host (at most 2,000 characters)", "url")
    return url.strip()


def url_hint(url: str) -> str:
    """What a listing shows of a URL: scheme, host and port, never its path or query (which carry tokens)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"


def create_channel(db: Session, settings: PlatformSettings, project_id: str, name: str, kind: str, url: str,
                   min_severity: str, daily_budget_usd: float | None, monthly_budget_usd: float | None,
                   who: str, secret: str | None = None) -> tuple[NotificationChannel, str]:
    """A new channel and its signing secret's plaintext (generated unless given; shown once)."""
    if kind not in CHANNEL_KINDS:
        raise AccountError(422, "invalid_kind", f"kind must be one of {', '.join(CHANNEL_KINDS)}; got {kind[:20]!r}", "kind")
    clean = check_url(url)
    signing = secret or ("whsec_" + secrets.token_urlsafe(24))
    box = cipher(settings)
    channel = NotificationChannel(
        id=uuid.uuid4().hex, project_id=project_id, name=name.strip()[:100] or "webhook", kind=kind,
        url_encrypted=box.encrypt(clean.encode()).decode(), url_hint=url_hint(clean),
        secret_encrypted=box.encrypt(signing.encode()).decode(), min_severity=min_severity,
        daily_budget_usd=daily_budget_usd, monthly_budget_usd=monthly_budget_usd, enabled=True,
        created_by=who, created_at=utcnow(),
    )
    db.add(channel)
    db.flush()
    return channel, signing


def reveal(settings: PlatformSettings, channel: NotificationChannel) -> tuple[str, str]:
    """(URL, signing secret) of a channel, decrypted (for the notifier only; never an API answer)."""
    box = cipher(settings)
    try:
        return box.decrypt(channel.url_encrypted.encode()).decode(), box.decrypt(channel.secret_encrypted.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(f"channel {channel.id}: its secrets were encrypted with another signing secret") from exc


def channels(db: Session, project_id: str | None = None) -> list[NotificationChannel]:
    query = select(NotificationChannel).order_by(NotificationChannel.created_at, NotificationChannel.id)
    if project_id is not None:
        query = query.where(NotificationChannel.project_id == project_id)
    return list(db.scalars(query))


def channel_of(db: Session, project_id: str, channel_id: str) -> NotificationChannel:
    channel = db.get(NotificationChannel, channel_id[:64])
    if channel is None or channel.project_id != project_id:
        raise AccountError(404, "not_found", f"no notification channel {channel_id[:40]!r} in this project")
    return channel


def claim_delivery(db: Session, channel: NotificationChannel, event_id: str, kind: str) -> Delivery | None:
    """The delivery row of (channel, event): a new pending one, the existing one if not delivered, None if already delivered."""
    existing = db.scalar(select(Delivery).where(Delivery.channel_id == channel.id, Delivery.event_id == event_id))
    if existing is not None:
        return None if existing.status == "delivered" else existing
    row = Delivery(channel_id=channel.id, project_id=channel.project_id, event_id=event_id[:128], event_kind=kind,
                   status="pending", attempts=0, error="", created_at=utcnow(), updated_at=utcnow())
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:  # another notifier claimed it at the same moment
        return None
    return row


def record_attempt(db: Session, delivery_id: int, ok: bool, http_status: int | None, error: str, final: bool) -> None:
    row = db.get(Delivery, delivery_id)
    if row is None:
        return
    row.attempts += 1
    row.http_status = http_status
    row.error = error[:500]
    row.status = "delivered" if ok else ("failed" if final else "retrying")
    row.updated_at = utcnow()


def deliveries(db: Session, project_id: str, channel_id: str | None = None, limit: int = 100) -> list[Delivery]:
    query = select(Delivery).where(Delivery.project_id == project_id)
    if channel_id:
        query = query.where(Delivery.channel_id == channel_id)
    return list(db.scalars(query.order_by(Delivery.id.desc()).limit(limit)))

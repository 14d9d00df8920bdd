"""Tickets of the live replica's own port (serve_apps/live_direct.py): bound to a session, a site and a time."""

from __future__ import annotations

from serve_apps.live_direct import Tickets


def test_a_ticket_holds_for_its_session_and_site_until_it_expires() -> None:
    tickets = Tickets(ttl_s=300)
    ticket = tickets.issue("session-a", "127.0.0.1:8000", now=1_000)
    assert tickets.valid(ticket, "session-a", "127.0.0.1:8000", now=1_200)
    assert not tickets.valid(ticket, "session-a", "127.0.0.1:8000", now=1_301)  # expired
    assert not tickets.valid(ticket, "session-b", "127.0.0.1:8000", now=1_200)  # another session's cookie
    assert not tickets.valid(ticket, "session-a", "evil.example", now=1_200)  # another site's page
    assert not tickets.valid(ticket, "", "127.0.0.1:8000", now=1_200)  # no cookie
    assert not Tickets().valid(ticket, "session-a", "127.0.0.1:8000", now=1_200)  # another replica's secret
    expires, _, mac = ticket.partition(".")
    assert not tickets.valid(f"{int(expires) + 1000}.{mac}", "session-a", "127.0.0.1:8000", now=1_200)  # extended
    assert not tickets.valid("garbage", "session-a", "127.0.0.1:8000", now=1_200)

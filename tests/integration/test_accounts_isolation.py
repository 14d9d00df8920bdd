"""Accounts over HTTP on the real apps: each caller sees only its own project's data.

create_query_app + create_ingest_app (+ the platform app) on real Valkey/Redis and chDB, with the
metadata store on SQLite and on PostgreSQL. Two projects, an admin, two users (alice owns A, bob
only views B), API keys of both scopes.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from actors.consumer import StreamConsumer
from actors.writer import SpanWriter
from cluster.bus import connect_redis
from cluster.metadata import MetadataDB
from cluster.metadata.bootstrap import bootstrap_accounts
from cluster.metadata.credentials import issue_token
from cluster.platform import Platform
from cluster.store import DirectStoreClient
from cluster.streams import WRITER_GROUP, ingest_stream
from serve_apps.ingest import create_ingest_app
from serve_apps.platform import create_platform_app
from serve_apps.query import create_query_app

ORIGIN = {"Origin": "http://t"}
NOW = time.time_ns() - 3_600 * 10**9  # an hour ago: inside the trace list's default 24 h window
PASSWORD = "correct horse battery"


def span(trace: str, span_id: str, name: str) -> dict:
    return {"trace_id": trace, "span_id": span_id, "name": name, "kind": "agent", "start_time": NOW, "end_time": NOW + 1_000_000}


@dataclass
class World:
    """The apps, the people (one HTTP client each, cookies kept) and what they created."""

    settings: Any
    db: MetadataDB
    query: Any
    ingest: Any
    platform: Any
    drain: Any
    store: Any
    people: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def client(self, app: Any = None, **headers: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app or self.query), base_url="http://t", headers=headers)

    async def login(self, name: str, email: str, password: str = PASSWORD) -> httpx.Response:
        person = self.people.setdefault(name, self.client(**ORIGIN))
        return await person.post("/api/v1/auth/login", json={"email": email, "password": password})

    async def send(self, key: str, *spans: dict) -> httpx.Response:
        async with self.client(self.ingest) as c:
            return await c.post("/traces", json={"spans": list(spans)}, headers={"X-API-Key": key})

    async def read(self, path: str, key: str) -> httpx.Response:
        async with self.client() as c:
            return await c.get(path, headers={"X-API-Key": key})


def run_world(redis_url: str, store, settings, scenario) -> Any:
    """Build the world (admin by setup code, alice, bob, projects A and B, keys, spans) and run `scenario`."""
    db = MetadataDB.from_settings(settings)
    db.migrate()
    setup_code = bootstrap_accounts(db, settings).setup_code

    async def main() -> Any:
        client = DirectStoreClient(store)
        redis = connect_redis(redis_url)
        consumer = StreamConsumer(redis, WRITER_GROUP, "w", [ingest_stream(p) for p in range(settings.partitions)], SpanWriter(client).write, block_ms=20)
        await consumer.ensure_groups()

        async def drain() -> int:
            return sum([await consumer.poll_once() for _ in range(4)])

        w = World(settings, db, create_query_app(settings, client, redis, settings.data_dir / "no-ui", db),
                  create_ingest_app(settings, client, redis, db), create_platform_app(Platform(settings), db), drain, client)
        admin = w.people["admin"] = w.client(**ORIGIN)
        first = await admin.post("/api/v1/auth/register", json={"email": "root@example.com", "password": PASSWORD, "setup_code": setup_code})
        assert first.status_code == 201 and first.json()["user"]["is_admin"], first.text
        for name in ("alice", "bob"):
            made = await admin.post("/api/v1/users", json={"email": f"{name}@example.com", "password": PASSWORD})
            assert made.status_code == 201, made.text
            w.ids[name] = made.json()["id"]
            assert (await w.login(name, f"{name}@example.com")).status_code == 200
        a = await w.people["alice"].post("/api/v1/projects", json={"name": "Project A"})
        b = await admin.post("/api/v1/projects", json={"name": "Project B"})
        assert a.status_code == b.status_code == 201, (a.text, b.text)
        w.ids.update(A=a.json()["project"]["id"], B=b.json()["project"]["id"])
        w.keys.update(A_ingest=a.json()["api_key"]["key"], B_ingest=b.json()["api_key"]["key"])
        added = await admin.post(f"/api/v1/projects/{w.ids['B']}/members", json={"email": "bob@example.com", "role": "viewer"})
        assert added.status_code == 201, added.text
        for project, owner in (("A", "alice"), ("B", "admin")):
            made = await w.people[owner].post(f"/api/v1/projects/{w.ids[project]}/keys", json={"name": "script", "scope": "read"})
            assert made.status_code == 201 and made.json()["scope"] == "read", made.text
            w.keys[f"{project}_read"] = made.json()["key"]
        assert (await w.send(w.keys["A_ingest"], span("a" * 32, "1" * 16, "in-A"))).status_code == 202
        assert (await w.send(w.keys["B_ingest"], span("b" * 32, "2" * 16, "in-B"))).status_code == 202
        assert await drain() == 2
        try:
            return await scenario(w)
        finally:
            for person in w.people.values():
                await person.aclose()
            await redis.aclose()

    try:
        return asyncio.run(main())
    finally:
        db.dispose()


def codes(response: httpx.Response) -> tuple[int, str | None]:
    body = response.json() if response.content else {}
    return response.status_code, (body.get("error") or {}).get("code")


def test_every_read_returns_only_the_callers_project(redis_url, store, metadata_settings):
    async def scenario(w: World) -> None:
        alice, bob, admin = w.people["alice"], w.people["bob"], w.people["admin"]
        A, B = w.ids["A"], w.ids["B"]
        listing = await alice.get(f"/api/v1/traces?project_id={A}")
        assert listing.status_code == 200 and [t["name"] for t in listing.json()["items"]] == ["in-A"]
        assert codes(await alice.get(f"/api/v1/traces?project_id={B}")) == (404, "project_not_found")
        assert codes(await alice.get(f"/api/v1/traces/{'b' * 32}?project_id={A}")) == (404, "not_found")  # B's trace via A
        assert codes(await alice.get(f"/api/v1/traces/{'b' * 32}?project_id={B}")) == (404, "project_not_found")
        assert codes(await alice.get(f"/api/v1/traces/{'a' * 32}?project_id=nope")) == (404, "project_not_found")
        assert (await alice.get(f"/api/v1/traces/{'a' * 32}?project_id={A}")).json()["spans"][0]["name"] == "in-A"
        assert codes(await alice.get("/api/v1/traces")) == (422, "missing_project_id")
        seen = await bob.get(f"/api/v1/traces?project_id={B}")
        assert [t["name"] for t in seen.json()["items"]] == ["in-B"]
        assert codes(await bob.get(f"/api/v1/traces?project_id={A}")) == (404, "project_not_found")
        assert codes(await bob.get(f"/api/v1/traces/{'a' * 32}?project_id={B}")) == (404, "not_found")
        # what each person sees of the project list, the project and its members
        assert [p["name"] for p in (await alice.get("/api/v1/projects")).json()["items"]] == ["Project A"]
        assert [(p["name"], p["role"]) for p in (await bob.get("/api/v1/auth/me")).json()["projects"]] == [("Project B", "viewer")]
        assert {p["name"] for p in (await admin.get("/api/v1/projects")).json()["items"]} == {"default", "Project A", "Project B"}
        assert codes(await alice.get(f"/api/v1/projects/{B}")) == (404, "project_not_found")
        assert (await admin.get(f"/api/v1/projects/{A}")).json()["role"] == "admin"  # instance admin, not a member
        assert (await alice.get(f"/api/v1/projects/{A}")).json()["role"] == "owner"
        assert codes(await alice.get(f"/api/v1/projects/{B}/members")) == (404, "project_not_found")
        assert (await bob.get(f"/api/v1/projects/{B}/members")).status_code == 200
        # a role too low is 403 on a project the caller can see
        assert codes(await bob.get(f"/api/v1/projects/{B}/keys")) == (403, "forbidden_role")
        assert codes(await bob.post(f"/api/v1/projects/{B}/keys", json={"name": "x"})) == (403, "forbidden_role")
        assert codes(await bob.patch(f"/api/v1/projects/{B}", json={"name": "mine"})) == (403, "forbidden_role")
        assert codes(await bob.delete(f"/api/v1/projects/{B}")) == (403, "forbidden_role")
        assert codes(await alice.get("/api/v1/users")) == (403, "admin_required")
        async with w.client(w.platform) as platform:
            assert codes(await platform.get("/status")) == (401, "not_authenticated")
            token = (await w.login("alice2", "alice@example.com")).json()["access_token"]
            assert codes(await platform.get("/status", headers={"Authorization": f"Bearer {token}"})) == (403, "admin_required")
            admin_token = (await w.login("admin2", "root@example.com")).json()["access_token"]
            assert (await platform.get("/status", headers={"Authorization": f"Bearer {admin_token}"})).status_code == 200
        # read keys: their own project only, never management, never ingest
        mine = await w.read("/api/v1/traces", w.keys["A_read"])
        assert [t["name"] for t in mine.json()["items"]] == ["in-A"]
        assert codes(await w.read(f"/api/v1/traces?project_id={B}", w.keys["A_read"])) == (404, "project_not_found")
        assert codes(await w.read(f"/api/v1/traces/{'b' * 32}", w.keys["A_read"])) == (404, "not_found")
        assert codes(await w.read("/api/v1/projects", w.keys["A_read"])) == (403, "insufficient_scope")
        assert codes(await w.read(f"/api/v1/projects/{A}/keys", w.keys["A_read"])) == (403, "insufficient_scope")
        assert codes(await w.send(w.keys["A_read"], span("c" * 32, "3" * 16, "x"))) == (403, "insufficient_scope")
        # ingest keys: never read
        assert codes(await w.read("/api/v1/traces", w.keys["A_ingest"])) == (403, "insufficient_scope")
        assert codes(await w.read(f"/api/v1/traces/{'a' * 32}", w.keys["A_ingest"])) == (403, "insufficient_scope")
        # a bearer token works like the cookie
        async with w.client() as api:
            bearer = {"Authorization": f"Bearer {token}"}
            assert [t["name"] for t in (await api.get(f"/api/v1/traces?project_id={A}", headers=bearer)).json()["items"]] == ["in-A"]
            assert (await api.post("/api/v1/projects", json={"name": "via token"}, headers=bearer)).status_code == 201

    run_world(redis_url, store, metadata_settings, scenario)


def test_revocation_disabling_logout_and_bad_tokens(embedded_valkey, store, metadata_settings):
    settings = metadata_settings.model_copy(update={"api_key_cache_ttl_s": 1.0})

    async def scenario(w: World) -> None:
        alice, bob, admin = w.people["alice"], w.people["bob"], w.people["admin"]
        A, B = w.ids["A"], w.ids["B"]
        # a revoked key stops working within 5 s (per-replica cache of 1 s here)
        assert (await w.read("/api/v1/traces", w.keys["A_read"])).status_code == 200
        keys = (await alice.get(f"/api/v1/projects/{A}/keys")).json()["items"]
        read_key = next(k for k in keys if k["scope"] == "read")
        assert read_key["prefix"] == w.keys["A_read"][:7] and "key" not in read_key
        assert read_key["last_used_at"] is not None  # recorded on first use
        # a second replica: its own engine and caches on the same store
        replica = create_query_app(w.settings, w.store, None, w.settings.data_dir / "no-ui", MetadataDB.from_settings(w.settings))
        async with w.client(replica) as other:
            assert (await other.get("/api/v1/traces", headers={"X-API-Key": w.keys["A_read"]})).status_code == 200
            assert (await alice.delete(f"/api/v1/projects/{A}/keys/{read_key['id']}")).status_code == 204
            started = time.monotonic()
            while (await other.get("/api/v1/traces", headers={"X-API-Key": w.keys["A_read"]})).status_code != 401:
                assert time.monotonic() - started < 5, "a revoked key still works on another replica after 5 s"
                await asyncio.sleep(0.1)
        assert codes(await w.read("/api/v1/traces", w.keys["A_read"])) == (401, "invalid_api_key")
        assert codes(await admin.delete(f"/api/v1/projects/{B}/keys/{read_key['id']}")) == (404, "key_not_found")
        # a disabled user's session stops working
        assert (await bob.get("/api/v1/auth/me")).status_code == 200
        assert (await admin.patch(f"/api/v1/users/{w.ids['bob']}", json={"disabled": True})).json()["disabled"] is True
        started = time.monotonic()
        while (await bob.get(f"/api/v1/traces?project_id={B}")).status_code != 401:
            assert time.monotonic() - started < 5, "a disabled user's session still works after 5 s"
            await asyncio.sleep(0.1)
        assert codes(await w.login("bob-again", "bob@example.com")) == (403, "user_disabled")
        # tampered, foreign and expired tokens
        token = (await w.login("alice-api", "alice@example.com")).json()["access_token"]
        async with w.client() as api:
            head, payload, sig = token.split(".")
            tampered = f"{head}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{sig}"
            expired = issue_token(w.query.state.accounts.resolver.secret, w.ids["alice"], "sid", -10)
            foreign = issue_token("another-secret", w.ids["alice"], "sid", 600)
            for bad, code in ((tampered, "invalid_token"), (expired, "invalid_token"), (foreign, "invalid_token"), ("garbage", "invalid_token")):
                assert codes(await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {bad}"})) == (401, code), bad
            assert "expired" in (await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})).json()["error"]["message"]
            # logout ends this session only; a password change ends the others
            assert (await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
            changed = await alice.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "a new password"})
            assert changed.status_code == 204
            await asyncio.sleep(1.1)
            assert codes(await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})) == (401, "session_ended")
            assert (await alice.get("/api/v1/auth/me")).status_code == 200  # the session that changed it stays
            out = await alice.post("/api/v1/auth/logout")
            assert out.status_code == 204 and "agentstack_session=" in out.headers["set-cookie"]
            assert (await alice.get("/api/v1/auth/me")).status_code == 401
            assert (await w.login("alice", "alice@example.com", "a new password")).status_code == 200
            assert (await w.people["alice"].post("/api/v1/auth/logout-all")).status_code == 204
            assert (await w.people["alice"].get("/api/v1/auth/me")).status_code == 401

    run_world(embedded_valkey, store, settings, scenario)


def test_brute_force_login_gets_429_and_csrf_is_checked(embedded_valkey, store, metadata_settings):
    async def scenario(w: World) -> None:
        async with w.client(**ORIGIN) as attacker:
            for _ in range(w.settings.login_max_failures):
                assert codes(await attacker.post("/api/v1/auth/login", json={"email": "alice@example.com", "password": "guess1234"})) == (401, "invalid_credentials")
            blocked = await attacker.post("/api/v1/auth/login", json={"email": "alice@example.com", "password": PASSWORD})
            assert codes(blocked) == (429, "too_many_attempts")
            assert 0 < int(blocked.headers["retry-after"]) <= w.settings.login_window_s
            unknown = await attacker.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "guess1234"})
            assert codes(unknown) == (401, "invalid_credentials")  # same answer as a wrong password
            for i in range(w.settings.login_max_failures_per_address):  # per address, whatever the account
                await attacker.post("/api/v1/auth/login", json={"email": f"u{i}@example.com", "password": "guess1234"})
            assert codes(await attacker.post("/api/v1/auth/login", json={"email": "bob@example.com", "password": PASSWORD})) == (429, "too_many_attempts")
        # cookie-authenticated state changes need this site's Origin
        alice = w.people["alice"]
        cookie = alice.cookies.get("agentstack_session")
        async with w.client() as bare:
            bare.cookies.set("agentstack_session", cookie)
            assert codes(await bare.post("/api/v1/projects", json={"name": "csrf"})) == (403, "csrf_origin")
            assert codes(await bare.post("/api/v1/projects", json={"name": "csrf"}, headers={"Origin": "http://evil.example"})) == (403, "csrf_origin")
            assert (await bare.get("/api/v1/projects")).status_code == 200  # reads need no Origin
            assert (await bare.post("/api/v1/projects", json={"name": "ok"}, headers={"Referer": "http://t/p/x/settings"})).status_code == 201
            assert codes(await bare.post("/api/v1/auth/login", json={"email": "a@b.co", "password": "x" * 8}, headers={"Origin": "http://evil.example"})) == (403, "csrf_origin")

    run_world(embedded_valkey, store, metadata_settings, scenario)


def test_bad_input_gets_4xx_naming_the_field_never_5xx(embedded_valkey, store, metadata_settings):
    async def scenario(w: World) -> None:
        admin, alice = w.people["admin"], w.people["alice"]
        A = w.ids["A"]
        cases = [
            (admin.post("/api/v1/users", json={"email": "not-an-email", "password": PASSWORD}), 422, "email"),
            (admin.post("/api/v1/users", json={"email": "x@example.com", "password": "short"}), 422, "password"),
            (admin.post("/api/v1/users", json={"email": "alice@example.com", "password": PASSWORD}), 409, "email"),
            (admin.post("/api/v1/users", json={"password": PASSWORD}), 422, "email"),
            (admin.patch(f"/api/v1/users/{w.ids['bob']}", json={"password": "short"}), 422, "password"),
            (admin.patch(f"/api/v1/users/{w.ids['bob']}", json={"disabled": "maybe"}), 422, "disabled"),
            (admin.post("/api/v1/auth/register", json={"email": "new@example.com", "password": PASSWORD}), 403, None),
            (alice.post("/api/v1/projects", json={"name": "   "}), 422, "name"),
            (alice.post("/api/v1/projects", json={"name": "x" * 300}), 422, "name"),
            (alice.post("/api/v1/projects", content=b"{not json", headers={"Content-Type": "application/json"}), 422, None),
            (alice.post(f"/api/v1/projects/{A}/keys", json={"name": "k", "scope": "admin"}), 422, "scope"),
            (alice.post(f"/api/v1/projects/{A}/members", json={"email": "bob@example.com", "role": "king"}), 422, "role"),
            (alice.post(f"/api/v1/projects/{A}/members", json={"email": "ghost@example.com", "role": "viewer"}), 404, "email"),
            (alice.patch(f"/api/v1/projects/{A}/members/{w.ids['alice']}", json={"role": "viewer"}), 409, None),
            (alice.delete(f"/api/v1/projects/{A}/members/{w.ids['alice']}"), 409, None),
            (alice.get(f"/api/v1/traces?project_id={A}&page=0"), 422, "page"),
            (alice.get(f"/api/v1/traces?project_id={'x' * 100}"), 422, "project_id"),
            (alice.get(f"/api/v1/traces/xyz?project_id={A}"), 422, "trace_id"),
            (alice.post("/api/v1/auth/password", json={"current_password": "wrong pass", "new_password": "whatever1"}), 403, "current_password"),
            (alice.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "short"}), 422, "new_password"),
        ]
        for request, status, fieldname in cases:
            response = await request
            assert response.status_code == status, (response.request.url, response.text)
            error = response.json()["error"]
            assert error["code"] and error["message"]
            if fieldname:
                assert error.get("field") == fieldname, (response.request.url, error)
        # members: only an owner makes owners; the last owner stays
        assert (await alice.post(f"/api/v1/projects/{A}/members", json={"email": "bob@example.com", "role": "admin"})).status_code == 201
        await w.login("bob", "bob@example.com")
        bob = w.people["bob"]
        assert codes(await bob.patch(f"/api/v1/projects/{A}/members/{w.ids['bob']}", json={"role": "owner"})) == (403, "owner_required")
        assert codes(await bob.delete(f"/api/v1/projects/{A}/members/{w.ids['alice']}")) == (403, "owner_required")
        assert (await bob.post(f"/api/v1/projects/{A}/keys", json={"name": "bob's"})).status_code == 201  # admins manage keys
        assert (await alice.patch(f"/api/v1/projects/{A}/members/{w.ids['bob']}", json={"role": "owner"})).json()["role"] == "owner"
        assert (await alice.delete(f"/api/v1/projects/{A}/members/{w.ids['alice']}")).status_code == 204  # bob owns it now
        assert codes(await alice.get(f"/api/v1/projects/{A}")) == (404, "project_not_found")

    run_world(embedded_valkey, store, metadata_settings, scenario)


def test_project_delete_removes_metadata_and_schedules_its_data(embedded_valkey, store, metadata_settings):
    async def scenario(w: World) -> dict:
        alice = w.people["alice"]
        A = w.ids["A"]
        deleted = await alice.delete(f"/api/v1/projects/{A}")
        assert deleted.status_code == 202 and deleted.json()["deleted"] == A and "background" in deleted.json()["data"]
        assert codes(await alice.get(f"/api/v1/projects/{A}")) == (404, "project_not_found")
        assert codes(await w.send(w.keys["A_ingest"], span("d" * 32, "4" * 16, "late"))) == (401, "invalid_api_key")
        for _ in range(100):
            left = await w.store.query("SELECT count() AS n FROM spans WHERE project_id = {p:String}", {"p": A})
            if left[0]["n"] == 0:
                break
            await asyncio.sleep(0.05)
        others = await w.store.query("SELECT count() AS n FROM spans WHERE project_id = {p:String}", {"p": w.ids["B"]})
        summaries = await w.store.query("SELECT count() AS n FROM trace_summaries WHERE project_id = {p:String}", {"p": A})
        return {"left": left[0]["n"], "others": others[0]["n"], "summaries": summaries[0]["n"]}

    assert run_world(embedded_valkey, store, metadata_settings, scenario) == {"left": 0, "others": 1, "summaries": 0}

"""Saved views per project: viewers list, members save/rename/delete, names unique, other projects invisible."""

from __future__ import annotations

from tests.integration.test_accounts_isolation import codes, run_world


def test_saved_views(redis_url, store, metadata_settings):
    async def scenario(w):
        alice, bob, admin = w.people["alice"], w.people["bob"], w.people["admin"]
        A, B = w.ids["A"], w.ids["B"]
        made = await alice.post(f"/api/v1/projects/{A}/views", json={"name": "errors by cost", "filters": "status=ERROR&sort=cost"})
        assert made.status_code == 201, made.text
        view = made.json()
        assert (view["name"], view["filters"], view["created_by"]) == ("errors by cost", "status=ERROR&sort=cost", "alice@example.com")
        assert codes(await alice.post(f"/api/v1/projects/{A}/views", json={"name": "errors by cost", "filters": ""})) == (409, "view_exists")
        assert (await alice.post(f"/api/v1/projects/{A}/views", json={"name": "x", "filters": "?a=1"})).json()["error"]["field"] == "filters"
        assert (await alice.post(f"/api/v1/projects/{A}/views", json={"name": "", "filters": ""})).json()["error"]["field"] == "name"
        listed = (await alice.get(f"/api/v1/projects/{A}/views")).json()["items"]
        assert [v["name"] for v in listed] == ["errors by cost"]
        renamed = await alice.put(f"/api/v1/projects/{A}/views/{view['id']}", json={"name": "slow", "filters": "min_duration_ms=1000"})
        assert renamed.status_code == 200 and renamed.json()["filters"] == "min_duration_ms=1000"
        # another project's people never see or touch it
        assert codes(await bob.get(f"/api/v1/projects/{A}/views")) == (404, "project_not_found")
        assert codes(await admin.delete(f"/api/v1/projects/{B}/views/{view['id']}")) == (404, "not_found")
        assert (await admin.get(f"/api/v1/projects/{B}/views")).json()["items"] == []
        # bob is a viewer of B: may list, may not save
        assert (await bob.get(f"/api/v1/projects/{B}/views")).status_code == 200
        assert codes(await bob.post(f"/api/v1/projects/{B}/views", json={"name": "mine", "filters": ""})) == (403, "forbidden_role")
        assert (await alice.delete(f"/api/v1/projects/{A}/views/{view['id']}")).status_code == 204
        assert (await alice.get(f"/api/v1/projects/{A}/views")).json()["items"] == []
        async with w.client() as anonymous:
            assert (await anonymous.get(f"/api/v1/projects/{A}/views")).status_code == 401

    run_world(redis_url, store, metadata_settings, scenario)

"""API key authentication shared by the ingest and query applications."""

from __future__ import annotations

from fastapi import Request

from cluster.metadata import ApiKeyCache
from cluster.store import StoreUnavailable
from serve_apps.errors import ApiError


def api_key_from(request: Request) -> str:
    """The API key of a request: `X-API-Key: ak_…` or `Authorization: Bearer ak_…`."""
    key = request.headers.get("x-api-key", "").strip()
    if not key:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer":
            key = token.strip()
    if not key:
        raise ApiError(
            401,
            "missing_api_key",
            "no API key: send your project's key in the 'X-API-Key' header (or 'Authorization: Bearer ak_…')",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return key


async def authenticate(request: Request, keys: ApiKeyCache) -> str:
    """The project id of the request's API key.

    Raises:
        ApiError: 401 for a missing or unknown key, 503 when the key store cannot be reached.
    """
    key = api_key_from(request)
    try:
        project_id = await keys.project_for(key)
    except StoreUnavailable as exc:
        raise ApiError(503, "store_unavailable", f"cannot check the API key right now: {exc}", headers={"Retry-After": "2"}) from exc
    if project_id is None:
        raise ApiError(
            401,
            "invalid_api_key",
            f"API key '{key[:6]}…' is not known or was revoked; use the key printed at first start "
            "(or in .agentstack/local-api-key)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return project_id

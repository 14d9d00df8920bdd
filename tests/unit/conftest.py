"""Unit tests run without services and without Ray: a test that calls ``ray.init`` fails at once.

(The SDK's ``memory`` fixture lives in tests/conftest.py, shared with tests/frameworks.)
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

RAY_INSTALLED = importlib.util.find_spec("ray") is not None


def _refuse_ray(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise RuntimeError("unit tests must not start Ray: move this test to tests/e2e (Ray + Serve), "
                       "or test the logic without an actor")


@pytest.fixture(autouse=True)
def no_ray(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make ``ray.init`` (and Serve's way in, ``ray._private.worker.init``) raise during unit tests."""
    if RAY_INSTALLED:
        import ray
        import ray._private.worker

        monkeypatch.setattr(ray, "init", _refuse_ray)
        monkeypatch.setattr(ray._private.worker, "init", _refuse_ray)
    yield

"""The web UI's API types are generated from the query app's OpenAPI document: the committed copy
(dashboard/src/api/openapi.json, input of schema.d.ts) must be the one the code produces now."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "export_openapi.py"


def test_the_ui_types_come_from_the_current_api():
    spec = importlib.util.spec_from_file_location("export_openapi", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = module.TARGET.read_text(encoding="utf-8")
    assert committed == module.openapi_document(), (
        "dashboard/src/api/openapi.json is out of date with the API: run `npm run gen:api` in dashboard/ "
        "(it rewrites openapi.json and the generated schema.d.ts) and commit both"
    )

"""Write the query API's OpenAPI document to dashboard/src/api/openapi.json (input of the UI's generated types).

Run through `npm run gen:api` in dashboard/ (which then generates src/api/schema.d.ts from it); the
integration suite checks the committed file matches the code.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "dashboard" / "src" / "api" / "openapi.json"


def openapi_document() -> str:
    """The query app's OpenAPI document as stable, diff-friendly JSON text."""
    sys.path.insert(0, str(ROOT))
    from cluster.settings import PlatformSettings
    from serve_apps.query import create_query_app

    with tempfile.TemporaryDirectory() as data_dir:
        spec = create_query_app(PlatformSettings(data_dir=Path(data_dir)), None, None, Path(data_dir) / "no-ui").openapi()
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"


def main() -> int:
    TARGET.write_text(openapi_document(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

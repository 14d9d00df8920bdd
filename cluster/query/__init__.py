"""Read-side queries over the ClickHouse store: trace lists, facets, trace and span detail, sessions, export.

The HTTP layer (`serve_apps/traces.py`, `spans.py`, `sessions.py`) validates parameters and calls these.
"""

"""Ray Serve applications: ingestion (`/v1`), query API + web UI (`/`), and the platform supervisor."""

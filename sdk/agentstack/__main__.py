"""`python -m agentstack …`: the same as the `agentstack` command."""

from __future__ import annotations

import sys

from agentstack.cli import main

sys.exit(main())

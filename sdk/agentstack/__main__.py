"""`python -m agentstack …`: the same as the `agentstack` command."""

from __future__ import annotations

from agentstack.cli import console

console()

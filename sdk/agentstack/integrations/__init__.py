"""Framework integrations, each optional and imported only when you use it.

=====================================  ==========================================================
``agentstack.integrations.openai``     ``instrument_openai()``: chat completions, responses, embeddings
``agentstack.integrations.anthropic``  ``instrument_anthropic()``: messages, incl. ``messages.stream()``
``agentstack.integrations.langchain``  ``AgentStackCallbackHandler``: LangChain / LangGraph runs
``agentstack.integrations.autogen``    ``instrument_autogen()``: AutoGen AgentChat agents, teams, turns
``agentstack.integrations.crewai``     ``instrument_crewai()``: CrewAI crews, tasks, agents, tools, LLM calls
=====================================  ==========================================================

Importing this package imports none of the frameworks; importing one integration module needs
that framework installed. An integration never breaks the call it observes: its own errors are
logged and counted as a drop.
"""

from __future__ import annotations

__all__: list[str] = []

"""The framework integrations' tests (CrewAI, AutoGen, LangChain/LangGraph) against the real libraries.

They run in their own environment, ``.venv-integrations`` (made by ``make test``; the libraries and
their pins are the ``frameworks`` dependency group in pyproject.toml), never in the platform's: CrewAI
pins openai and pydantic below what the platform uses. The LLM APIs are answered by the local stub in
tests/unit/llm_stub.py; the ``memory`` fixture is in tests/conftest.py.
"""

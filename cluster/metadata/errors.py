"""The one error type of the accounts logic, carrying what the HTTP layer answers."""

from __future__ import annotations


class AccountError(Exception):
    """A refused account operation: HTTP status, stable code, a message a person can act on, the field at fault."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

"""Turning arbitrary Python values into bounded JSON text for a span's ``input`` / ``output``.

Capture must never fail and never cost much: odd objects fall back to ``repr``, cycles and deep
nesting are cut, long containers and strings are trimmed *before* serialising, and the result is
capped at :data:`MAX_CAPTURE_BYTES` with the schema's truncation marker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from agentstack.schema import TRUNCATION_MARKER

__all__ = ["MAX_CAPTURE_BYTES", "to_json_text", "truncate_utf8", "safe_repr"]

MAX_CAPTURE_BYTES = 16 * 1024
_MAX_DEPTH = 12
_MAX_ITEMS = 256
_MARKER_BYTES = TRUNCATION_MARKER.encode("utf-8")
_STR_MODULES = frozenset({"uuid", "decimal", "_pydecimal", "pathlib", "pathlib._local"})  # not imported here: import time


def truncate_utf8(text: str, max_bytes: int = MAX_CAPTURE_BYTES) -> str:
    """Return ``text`` if its UTF-8 form fits in ``max_bytes``, else a prefix ending in the truncation marker.

    The result, marker included, is never longer than ``max_bytes`` bytes and never splits a character.
    """
    if len(text) * 4 <= max_bytes:  # cheap exit: even all-4-byte characters would fit
        return text
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= max_bytes:
        return text
    keep = max(0, max_bytes - len(_MARKER_BYTES))
    return encoded[:keep].decode("utf-8", "ignore") + TRUNCATION_MARKER


def safe_repr(value: object) -> str:
    """``repr(value)``, or a placeholder naming the type when the object's ``__repr__`` itself fails."""
    try:
        text = repr(value)
    except Exception:  # a user's __repr__ may raise anything; capture must not
        return f"<{type(value).__qualname__} object (repr failed)>"
    return text if isinstance(text, str) else f"<{type(value).__qualname__} object>"


def to_json_text(value: Any, max_bytes: int = MAX_CAPTURE_BYTES) -> str:
    """Serialise ``value`` to JSON text for a span, never raising.

    The result is always JSON (a string becomes a JSON string) unless it had to be truncated. Objects
    JSON cannot represent become their ``repr``; pydantic models and dataclasses become their fields.

    Args:
        value: anything.
        max_bytes: cap on the UTF-8 size of the result, truncation marker included.

    Returns:
        The text, at most ``max_bytes`` bytes long.
    """
    try:
        text = json.dumps(_jsonable(value, max_bytes, 0, set()), ensure_ascii=False, allow_nan=False)
    except Exception:  # belt and braces: _jsonable should already have made everything serialisable
        text = safe_repr(value)
    return truncate_utf8(text, max_bytes)


def _jsonable(value: Any, max_chars: int, depth: int, seen: set[int]) -> Any:
    """Convert ``value`` into plain JSON types, bounded in depth, width and string length."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # NaN/Infinity are not JSON
    if isinstance(value, str):
        return value[:max_chars]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta) or type(value).__module__ in _STR_MODULES:  # UUID, Decimal, paths
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if depth >= _MAX_DEPTH:
        return safe_repr(value)[:max_chars]
    if id(value) in seen:
        return "<cycle>"
    seen.add(id(value))
    try:
        return _container(value, max_chars, depth, seen)
    finally:
        seen.discard(id(value))


def _container(value: Any, max_chars: int, depth: int, seen: set[int]) -> Any:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for i, (key, item) in enumerate(value.items()):
            if i >= _MAX_ITEMS:
                out["…"] = f"{len(value) - _MAX_ITEMS} more items"
                break
            name = key if isinstance(key, str) else safe_repr(key)
            out[name] = _jsonable(item, max_chars, depth + 1, seen)
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(item, max_chars, depth + 1, seen) for _, item in zip(range(_MAX_ITEMS), value)]
        if len(value) > _MAX_ITEMS:
            items.append(f"… {len(value) - _MAX_ITEMS} more items")
        return items
    fields = _model_fields(value)
    if fields is not None:
        return _jsonable(fields, max_chars, depth, seen)
    return safe_repr(value)[:max_chars]


def _model_fields(value: Any) -> dict[str, Any] | None:
    """The fields of a dataclass instance or a pydantic (v2 or v1) model, else ``None``."""
    try:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: getattr(value, f.name, None) for f in dataclasses.fields(value)}
        cls = type(value)
        if hasattr(cls, "model_fields") and callable(getattr(value, "model_dump", None)):  # pydantic v2
            result = value.model_dump()
        elif hasattr(cls, "__fields__") and callable(getattr(value, "dict", None)):  # pydantic v1
            result = value.dict()
        else:
            return None
        return result if isinstance(result, dict) else None
    except Exception:  # a model whose dump fails is shown by repr instead
        return None
    return None


# -- deferred capture: the hot path keeps a cheap snapshot, the export thread serialises it -------
_ATOMIC = frozenset({str, int, float, bool, type(None)})
_SNAPSHOT_MAX_ITEMS = 32


def _refuse(value: Any) -> Any:
    raise TypeError(f"not a JSON scalar: {type(value).__name__}")


def _build_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False, allow_nan=False)`` without its per-call set-up.

    Uses the C encoder built once (no cycle check: only shallow containers of scalars come here),
    falling back to a plain :class:`json.JSONEncoder` where the C accelerator is missing.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    basestring = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or basestring is None:
        return json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    iterencode = make(None, _refuse, basestring, None, ": ", ", ", False, False, False)

    def encode(value: Any) -> str:
        if type(value) is str:
            return str(basestring(value))
        return "".join(iterencode(value, 0))

    return encode


_encode = _build_encoder()


def _scalar_json(value: Any, max_bytes: int = MAX_CAPTURE_BYTES) -> str:
    """JSON text of a value made of scalars only (the fast path), else the general :func:`to_json_text`."""
    try:
        return truncate_utf8(_encode(value), max_bytes)
    except (ValueError, TypeError):  # NaN, or a subclass json refuses: take the careful route
        return to_json_text(value, max_bytes)


class Deferred:
    """A captured value kept as-is until the export thread turns it into JSON text.

    Only immutable scalars and small shallow copies of containers of them are deferred, so what is
    serialised later is what the function saw; anything else is serialised at once.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def text(self) -> str:
        """The value as bounded JSON text (see :func:`to_json_text`)."""
        return _scalar_json(self.value)


class DeferredArguments(Deferred):
    """A call's arguments, bound to parameter names only when serialised."""

    __slots__ = ("signature", "kwargs", "skip_first")

    def __init__(self, signature: Any, args: tuple[Any, ...], kwargs: dict[str, Any], skip_first: bool) -> None:
        self.value = args
        self.signature = signature
        self.kwargs = kwargs
        self.skip_first = skip_first

    def text(self) -> str:
        return _scalar_json(bind_arguments(self.signature, self.value, self.kwargs, self.skip_first))


class Parameters:
    """A function's signature, with a fast path for the common case of plain named parameters."""

    __slots__ = ("signature", "names")

    def __init__(self, signature: Any) -> None:
        import inspect  # only when a function is decorated, to keep `import agentstack` fast

        simple_kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        self.signature = signature
        simple = signature is not None and all(p.kind in simple_kinds for p in signature.parameters.values())
        self.names: tuple[str, ...] | None = tuple(signature.parameters) if simple else None


def bind_arguments(parameters: Parameters | None, args: tuple[Any, ...], kwargs: dict[str, Any], skip_first: bool) -> Any:
    """The call's arguments by parameter name, without a leading ``self``/``cls`` when ``skip_first``."""
    names = parameters.names if parameters is not None else None
    if names is not None and len(args) <= len(names) and not kwargs:
        bound = dict(zip(names, args))
        if skip_first and args:
            del bound[names[0]]
        return bound
    signature = parameters.signature if parameters is not None else None
    if signature is None:
        return {"args": list(args), "kwargs": kwargs}
    try:
        arguments = dict(signature.bind(*args, **kwargs).arguments)
    except TypeError:  # the call itself is wrong and will raise; still show what was passed
        return {"args": list(args), "kwargs": kwargs}
    if skip_first and arguments:
        del arguments[next(iter(arguments))]
    return arguments


def snapshot(value: Any) -> Deferred | None:
    """A :class:`Deferred` for ``value`` if it can safely be serialised later, else ``None``."""
    if type(value) in _ATOMIC:
        return Deferred(value)
    kind = type(value)
    if kind is tuple or kind is list:
        if len(value) <= _SNAPSHOT_MAX_ITEMS and all(type(item) in _ATOMIC for item in value):
            return Deferred(tuple(value) if kind is tuple else list(value))
        return None
    if kind is dict:
        if len(value) <= _SNAPSHOT_MAX_ITEMS and all(
            type(k) is str and type(v) in _ATOMIC for k, v in value.items()
        ):
            return Deferred(dict(value))
    return None


def snapshot_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any], skip_first: bool
) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """Copies of the call's arguments that are safe to serialise later, or ``None`` if some are not.

    Scalars are kept as they are; small lists, tuples and dicts of scalars are copied (a later
    mutation by the caller must not change what was captured). ``self``/``cls`` is kept by
    reference when ``skip_first``: it is never serialised.
    """
    copied: list[Any] = []
    for i, item in enumerate(args):
        if type(item) in _ATOMIC or (i == 0 and skip_first):
            copied.append(item)
            continue
        deferred = snapshot(item)
        if deferred is None:
            return None
        copied.append(deferred.value)
    copied_kwargs: dict[str, Any] = {}
    for name, item in kwargs.items():
        if type(item) in _ATOMIC:
            copied_kwargs[name] = item
            continue
        deferred = snapshot(item)
        if deferred is None:
            return None
        copied_kwargs[name] = deferred.value
    return tuple(copied), copied_kwargs


def plain_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether every argument is an immutable scalar (so the call can be captured lazily)."""
    for item in args:
        if type(item) not in _ATOMIC:
            return False
    if kwargs:
        for item in kwargs.values():
            if type(item) not in _ATOMIC:
                return False
    return True

"""Reading YAML/JSON documents: multi-document files, ``kind: List``, duplicate keys refused.

Every failure is an :class:`~podfit.errors.InputError` naming the file (and the field when known).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from podfit.errors import InputError

__all__ = ["load_documents", "load_one", "read_text", "split_list"]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (the API server's strict decoding does too)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    explicit = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    merged = len(node.value) - explicit  # `<<: *anchor` keys come first; the mapping's own override them
    out: dict[Any, Any] = {}
    own: set[Any] = set()
    for i, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "found an unhashable mapping key", key_node.start_mark
            ) from None
        if key in own:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        if i >= merged:
            own.add(key)
        out[key] = loader.construct_object(value_node, deep=deep)  # type: ignore[no-untyped-call]
    return out


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# A plain `=` is YAML 1.1's "value" key type, which PyYAML resolves but cannot construct; Go's YAML
# (what kubectl reads manifests with) takes it as the string "=" (CRD enums of match operators).
_StrictLoader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)


def read_text(path: Path, what: str = "file") -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("", f"no such {what}", str(path)) from None
    except IsADirectoryError:
        raise InputError("", f"is a directory, expected a {what}", str(path)) from None
    except UnicodeDecodeError:
        raise InputError("", "not UTF-8 text", str(path)) from None
    except OSError as exc:
        raise InputError("", f"cannot read: {exc.strerror or exc}", str(path)) from None


def _yaml_error_text(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"invalid YAML: {where}{problem}"


def parse_documents(text: str, source: str) -> list[Any]:
    """All documents of a YAML (or JSON) text; empty documents are dropped."""
    try:
        docs = list(yaml.load_all(text, Loader=_StrictLoader))
    except yaml.YAMLError as exc:
        raise InputError("", _yaml_error_text(exc), source) from None
    except RecursionError:
        raise InputError("", "invalid YAML: nesting too deep", source) from None
    return [d for d in docs if d is not None]


def split_list(doc: Any, source: str, index: int | None = None) -> list[Mapping[str, Any]]:
    """A document as a list of objects: ``kind: List`` (and ``*List`` kinds) are flattened."""
    where = f"[document {index}]" if index is not None else ""
    if not isinstance(doc, Mapping):
        raise InputError(where, f"expected a mapping (an object), got {type(doc).__name__}", source)
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
        items = doc.get("items")
        if not isinstance(items, list):
            raise InputError(f"{where}items".lstrip("."), "expected a list", source)
        out: list[Mapping[str, Any]] = []
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise InputError(f"items[{i}]", f"expected an object, got {type(item).__name__}", source)
            out.append(item)
        return out
    return [doc]


def load_documents(path: Path) -> list[Mapping[str, Any]]:
    """Every object in ``path`` (multi-document YAML, JSON, ``kind: List``)."""
    docs = parse_documents(read_text(path), str(path))
    out: list[Mapping[str, Any]] = []
    for i, doc in enumerate(docs):
        out.extend(split_list(doc, str(path), i if len(docs) > 1 else None))
    return out


def load_one(path: Path, what: str) -> Mapping[str, Any]:
    """Exactly one object from ``path``."""
    docs = parse_documents(read_text(path, what), str(path))
    if not docs:
        raise InputError("", f"empty {what}", str(path))
    if len(docs) > 1:
        raise InputError("", f"expected one {what} document, found {len(docs)}", str(path))
    doc = docs[0]
    if not isinstance(doc, Mapping):
        raise InputError("", f"expected a mapping (an object), got {type(doc).__name__}", str(path))
    return doc

"""Reading YAML/JSON documents: multi-document files, ``kind: List``, duplicate keys.

A mapping key given twice is read as kubectl and the kubelet read it: the last value is used
(sigs.k8s.io/yaml's lenient conversion; the kubelet's strict decoding fails on it and the kubelet
falls back to lenient decoding). Callers that pass a ``warnings`` list get one
:class:`~podfit.model.diagnostics.Diagnostic` per duplicate; without one (or with ``--strict``)
a duplicate key is an error.

The parser is libyaml's when PyYAML has it (``yaml.CSafeLoader``, 3-4x faster on large files),
PyYAML's own otherwise; both under the same resolver and constructors, so the values are the same
(tests/io/test_yaml_loaders.py). An error is always PyYAML's wording: when libyaml fails, PyYAML
reads the text again. libyaml (like Go's YAML, a port of it) reads a few texts PyYAML refuses:
tabs between the tokens of a flow collection, flow collections nested several hundred deep.

Every failure is an :class:`~podfit.errors.InputError` naming the file (and the field when known).
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from podfit.errors import InputError
from podfit.io.json_as_yaml import json_documents
from podfit.model.diagnostics import DUPLICATE_KEY, INVALID_UTF8, Diagnostic
from podfit.model.gotext import go_quote, json_type

__all__ = ["LOADERS", "load_documents", "load_one", "parse_documents", "read_text", "read_yaml", "split_list"]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys, or records them (``duplicates`` set: then
    the last value is kept, as Go's lenient YAML decoding keeps it)."""

    duplicates: list[tuple[int, str]] | None = None


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    explicit = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    merged = len(node.value) - explicit  # `<<: *anchor` keys come first; the mapping's own override them
    out: dict[Any, Any] = {}
    own: set[Any] = set()
    for i, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "invalid map key: an object or a list used as a key (an unrendered template, {{ … }}?)",
                key_node.start_mark,
            ) from None
        if key in own:
            if loader.duplicates is None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {go_quote(str(key))}", key_node.start_mark
                )
            loader.duplicates.append((key_node.start_mark.line + 1, str(key)))
        if i >= merged:
            own.add(key)
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


def _strict(loader: type[Any]) -> None:
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    # A plain `=` is YAML 1.1's "value" key type, which PyYAML resolves but cannot construct; Go's
    # YAML (what kubectl reads manifests with) takes it as the string "=" (CRD enums of match
    # operators).
    loader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)


def _libyaml_loader() -> type[Any] | None:
    """The same strict loader on libyaml's parser (``yaml.CSafeLoader``: scanner, parser and composer
    in C, 3-4x faster; the resolver and constructors stay PyYAML's, so the values are the same), when
    PyYAML was built with libyaml 0.2.6 or later. Older libyaml has no nesting limit and PyYAML's
    C composer recurses without one: a deep enough document would overflow the C stack."""
    base = getattr(yaml, "CSafeLoader", None)
    try:
        from yaml import _yaml

        version = tuple(_yaml.get_version())
    except (ImportError, AttributeError):
        return None
    if base is None or version < (0, 2, 6):
        return None

    class _CStrictLoader(base):
        duplicates: list[tuple[int, str]] | None = None

    return _CStrictLoader


_strict(_StrictLoader)
_LIBYAML = _libyaml_loader()
if _LIBYAML is not None:
    _strict(_LIBYAML)
#: The loaders :func:`parse_documents` may use, fastest first (the tests check they agree).
LOADERS: tuple[type[Any], ...] = (_StrictLoader,) if _LIBYAML is None else (_LIBYAML, _StrictLoader)


def read_text(path: Path, what: str = "file", warnings: list[Diagnostic] | None = None) -> str:
    """The text of ``path`` as kubectl reads a file (cli-runtime FileVisitor): a UTF-16 file with
    its byte-order mark (what Windows PowerShell 5 writes for ``kubectl get -o yaml > f``) is
    decoded, a UTF-8 byte-order mark dropped. Bytes that are not UTF-8 are an error, unless
    ``warnings`` is given: then each becomes U+FFFD, as kubectl's decoder makes it, with a
    warning (a comment in another encoding goes in)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("", f"no such {what}", str(path)) from None
    except IsADirectoryError:
        raise InputError("", f"is a directory, expected a {what}", str(path)) from None
    except OSError as exc:
        raise InputError("", f"cannot read: {exc.strerror or exc}", str(path)) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                "", "not UTF-8 text, nor UTF-16 as its byte-order mark says", str(path)
            ) from None
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if warnings is None:
            raise InputError("", f"not UTF-8 text (byte {exc.start})", str(path)) from None
        line = data.count(b"\n", 0, exc.start) + 1
        warnings.append(
            Diagnostic(
                INVALID_UTF8,
                f"line {line}: bytes that are not UTF-8 read as U+FFFD, as kubectl reads them "
                "(--strict refuses them)",
                str(path),
            )
        )
        return data.decode("utf-8", errors="replace")


def _yaml_error_text(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"invalid YAML: {where}{problem}"


def _read_all(loader_class: type[Any], text: str, duplicates: list[tuple[int, str]] | None) -> list[Any]:
    loader = loader_class(text)
    loader.duplicates = duplicates
    try:
        docs = []
        while loader.check_data():
            docs.append(loader.get_data())
        return docs
    finally:
        loader.dispose()


def read_yaml(
    text: str, source: str, duplicates: list[tuple[int, str]] | None, loaders: tuple[type[Any], ...] = LOADERS
) -> list[Any]:
    """Every document of ``text``, read by the first of ``loaders``; ``duplicates`` as the loaders'
    (None: a duplicate key is an error). When a faster loader fails, the last one (PyYAML's own)
    reads the text again, so an error reads as it always did: libyaml words its errors differently
    and refuses a few texts PyYAML reads (surrogate escapes)."""
    for i, loader_class in enumerate(loaders):
        last = i == len(loaders) - 1
        found: list[tuple[int, str]] | None = None if duplicates is None else []
        try:
            docs = _read_all(loader_class, text, found)
        except yaml.YAMLError as exc:
            if last:
                hint = " (a Helm or Go template? render it first: helm template …)" if "{{" in text else ""
                raise InputError("", _yaml_error_text(exc) + hint, source) from None
            continue
        except RecursionError:
            if last:
                raise InputError("", "invalid YAML: nesting too deep", source) from None
            continue
        if duplicates is not None and found:
            duplicates.extend(found)
        return docs
    raise AssertionError("no YAML loader")  # pragma: no cover


def parse_documents(text: str, source: str, warnings: list[Diagnostic] | None = None) -> list[Any]:
    """All documents of a YAML (or JSON) text; empty documents are dropped. A duplicate mapping
    key is an error, unless ``warnings`` is given: then the last value is used and a warning
    naming the line is appended."""
    duplicates: list[tuple[int, str]] | None = None if warnings is None else []
    docs = json_documents(text)  # a JSON text json.loads reads as YAML reads it: 20x faster still
    if docs is None:
        docs = read_yaml(text, source, duplicates)
    if warnings is not None and duplicates:
        for line, key in duplicates:
            warnings.append(
                Diagnostic(
                    DUPLICATE_KEY,
                    f"line {line}: duplicate key {go_quote(key)}: the last value is used, as kubectl "
                    "and the kubelet read it (--strict refuses it)",
                    source,
                )
            )
    return [d for d in docs if d is not None]


def split_list(doc: Any, source: str, index: int | None = None) -> list[Mapping[str, Any]]:
    """A document as a list of objects: ``kind: List`` (and ``*List`` kinds) are flattened."""
    where = f"[document {index}]" if index is not None else ""
    if not isinstance(doc, Mapping):
        raise InputError(where, f"expected an object, got {json_type(doc)}", source)
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
        items = doc.get("items")
        if items is None:  # encoding/json writes a nil slice as null
            items = []
        if not isinstance(items, list):
            raise InputError(f"{where}items".lstrip("."), "expected a list", source)
        out: list[Mapping[str, Any]] = []
        # a typed list as the API server returns it (DeploymentList): its items carry no kind
        item_kind = kind[: -len("List")] if kind != "List" else None
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise InputError(f"items[{i}]", f"expected an object, got {json_type(item)}", source)
            if item_kind and "kind" not in item:
                item = {"kind": item_kind, **item}
                if "apiVersion" not in item and isinstance(doc.get("apiVersion"), str):
                    item["apiVersion"] = doc["apiVersion"]
            out.append(item)
        return out
    return [doc]


def load_documents(
    path: Path, warnings: list[Diagnostic] | None = None, empty_lists: list[str] | None = None
) -> list[Mapping[str, Any]]:
    """Every object in ``path`` (multi-document YAML, JSON, ``kind: List``); ``warnings`` as in
    :func:`parse_documents`; the kinds of the lists with no items go to ``empty_lists``."""
    docs = parse_documents(read_text(path, "file", warnings), str(path), warnings)
    if empty_lists is not None:
        empty_lists.extend(
            str(d["kind"])
            for d in docs
            if isinstance(d, Mapping)
            and str(d.get("kind", "")).endswith("List")
            and d.get("items") in ([], None)
            and "items" in d
        )
    out: list[Mapping[str, Any]] = []
    for i, doc in enumerate(docs):
        out.extend(split_list(doc, str(path), i if len(docs) > 1 else None))
    return out


def load_one(path: Path, what: str, warnings: list[Diagnostic] | None = None) -> Mapping[str, Any]:
    """Exactly one object from ``path``; ``warnings`` as in :func:`parse_documents`."""
    docs = parse_documents(read_text(path, what, warnings), str(path), warnings)
    if not docs:
        raise InputError("", f"empty {what}", str(path))
    if len(docs) > 1:
        raise InputError("", f"expected one {what} document, found {len(docs)}", str(path))
    doc = docs[0]
    if not isinstance(doc, Mapping):
        raise InputError("", f"expected an object, got {json_type(doc)}", str(path))
    return doc

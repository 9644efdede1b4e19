"""Writing YAML: always the text PyYAML's pure-Python emitter writes, by libyaml's emitter when that
writes the same text (``podfit simulate -o yaml`` of 5,000 pods: 37 -> 14 s of CPU for the whole
command, benchmarks/README.md).

Every YAML podfit writes (``-o yaml`` of simulate / explain / compare, policy and webhook manifests,
captured machines) goes through :func:`safe_dump` / :func:`safe_dump_all`, with the options its
caller passed to ``yaml.safe_dump`` before. Both emitters sit behind the same PyYAML representer
and resolver (``yaml.CSafeDumper`` = libyaml's emitter + PyYAML's ``SafeRepresenter``), so they
receive the same nodes; they differ only in how they lay some of them out. The differences found
(libyaml 0.2.6 against PyYAML 6.0.4; tests/io/test_yaml_out.py has one case of each):

- **Double-quoted scalars** (a string with a character outside printable ASCII: a tab, a newline
  next to a space, a control character, any non-ASCII character, which both escape since
  ``allow_unicode`` is off): PyYAML folds a long one after an escape as well as at a space, and
  decides before it writes the piece; libyaml folds only at a space, after passing ``width``.
- **Simple keys**: PyYAML counts a key's implicit tag (``!!str``, 5 characters) and wants fewer
  than 128 characters in all, libyaml counts the UTF-8 bytes of the scalar alone and allows 128:
  a key of 123-128 characters (or a shorter non-ASCII one) is ``? key`` in one and ``key:`` in the
  other. An empty key is ``? ''`` in PyYAML, ``'':`` in libyaml.
- **A scalar document** (``safe_dump("a")``): PyYAML ends it with ``...``, libyaml does not.
- A lone surrogate (``"\\ud800"``) is escaped by PyYAML and cannot be encoded by libyaml.

The rule (:func:`libyaml_writes_the_same`): libyaml writes a document only when every document is
a ``dict`` or ``list``, built of exactly ``dict`` / ``list`` / ``str`` / ``int`` / ``float`` /
``bool`` / ``None`` (no subclasses: their representation, or refusal, stays PyYAML's), nested at
most 64 deep, every string printable ASCII (``" "`` to ``"~"``; so no escapes, no double quotes, no
line breaks), every key a non-empty string shorter than 100 characters, a ``bool`` / ``None`` /
``float``, or an ``int`` of fewer than 60 digits. Everything else is written by PyYAML's emitter,
as before. Within the rule the two emitters write the same text: plain and single-quoted
scalars fold at the same spaces, flow collections wrap alike, anchors are named alike
(hypothesis, tests/io/test_yaml_out.py; every YAML-writing command over the examples,
tests/cli/test_yaml_output_paths.py). The check walks the document once (~0.7 s for the result
of 5,000 pods, 27 MB of YAML). libyaml alone only halves the time: PyYAML's representer and
resolver, which both emitters share, took the other half; :func:`_fast_dumper` builds the same
nodes faster.

Without libyaml (PyYAML built without it), everything is PyYAML's emitter.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["LIBYAML_DUMPER", "libyaml_writes_the_same", "safe_dump", "safe_dump_all"]


def _libyaml_dumper() -> type[Any] | None:
    """``yaml.CSafeDumper`` when PyYAML has libyaml 0.2.5 or later (the rule was established with
    0.2.6, PyYAML 6.0.4's wheels; 0.2.2-0.2.4 changed how documents end and were not examined)."""
    dumper = getattr(yaml, "CSafeDumper", None)
    try:
        from yaml import _yaml

        version = tuple(_yaml.get_version())
    except (ImportError, AttributeError):
        return None
    return dumper if dumper is not None and version >= (0, 2, 5) else None


#: libyaml's emitter under PyYAML's safe representer, or None (PyYAML without libyaml, or an old one).
LIBYAML_DUMPER: type[Any] | None = _libyaml_dumper()

_MAX_DEPTH = 64
_MAX_KEY = 100  # PyYAML: implicit tag (5) + key < 128; libyaml: key bytes <= 128
_MAX_INT_KEY = 10**59


_TAG = "tag:yaml.org,2002:"
_STR, _INT, _BOOL, _NULL, _MAP, _SEQ = (_TAG + t for t in ("str", "int", "bool", "null", "map", "seq"))


def _fast_dumper(base: type[Any]) -> type[Any]:
    """libyaml's dumper with PyYAML's safe representer and resolver specialised to the rule's types.

    ``represent_data`` builds the nodes ``SafeRepresenter`` builds (same tags, values, styles,
    flow styles, one node per shared dict / list so anchors come out alike) without its per-value
    dispatch through the type's MRO; floats (and anything else) still go to PyYAML's own code.
    ``resolve`` remembers the implicit tag of each scalar value (a pure function of the value when
    no path resolver is registered, as in podfit): libyaml's serializer asks it twice per scalar.
    """

    class FastDumper(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.resolved: dict[tuple[str, tuple[bool, bool]], str] = {}

        def represent_data(self, data: Any) -> Node:
            kind = type(data)
            if kind is str:
                return ScalarNode(_STR, data)
            if kind is dict or kind is list:
                node: Node | None = self.represented_objects.get(id(data))
                if node is not None:
                    return node
                self.object_keeper.append(data)
                return self.represent_dict_node(data) if kind is dict else self.represent_list_node(data)
            if kind is int:
                return ScalarNode(_INT, str(data))
            if kind is bool:
                return ScalarNode(_BOOL, "true" if data else "false")
            if data is None:
                return ScalarNode(_NULL, "null")
            return super().represent_data(data)  # type: ignore[no-any-return]

        def flow(self, best: bool) -> bool:
            return best if self.default_flow_style is None else bool(self.default_flow_style)

        def represent_dict_node(self, data: dict[Any, Any]) -> Node:
            value: list[tuple[Node, Node]] = []
            node = MappingNode(_MAP, value, flow_style=None)
            self.represented_objects[id(data)] = node
            items = list(data.items())
            if self.sort_keys:
                with contextlib.suppress(TypeError):  # as SafeRepresenter: unsortable keys keep their order
                    items = sorted(items)
            best = True
            represent = self.represent_data
            for key, item in items:
                key_node = represent(key)
                item_node = represent(item)
                if best and not (
                    type(key_node) is ScalarNode
                    and not key_node.style
                    and type(item_node) is ScalarNode
                    and not item_node.style
                ):
                    best = False
                value.append((key_node, item_node))
            node.flow_style = self.flow(best)
            return node

        def represent_list_node(self, data: list[Any]) -> Node:
            value: list[Node] = []
            node = SequenceNode(_SEQ, value, flow_style=None)
            self.represented_objects[id(data)] = node
            best = True
            represent = self.represent_data
            for item in data:
                item_node = represent(item)
                if best and not (type(item_node) is ScalarNode and not item_node.style):
                    best = False
                value.append(item_node)
            node.flow_style = self.flow(best)
            return node

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is not ScalarNode or self.yaml_path_resolvers:
                return super().resolve(kind, value, implicit)
            key = (value, implicit)
            tag = self.resolved.get(key)
            if tag is None:
                tag = self.resolved[key] = super().resolve(kind, value, implicit)
            return tag

    return FastDumper


_FAST = None if LIBYAML_DUMPER is None else _fast_dumper(LIBYAML_DUMPER)


def _key_is_safe(key: Any) -> bool:
    kind = type(key)
    if kind is str:
        return 0 < len(key) < _MAX_KEY and key.isascii() and key.isprintable()
    if kind is int:
        return -_MAX_INT_KEY < key < _MAX_INT_KEY
    return key is None or kind is bool or kind is float


def libyaml_writes_the_same(documents: Iterable[Any]) -> bool:
    """Whether every document is inside the rule above (libyaml then writes PyYAML's text)."""
    stack: list[tuple[Any, int]] = []
    for doc in documents:
        if type(doc) is not dict and type(doc) is not list:
            return False
        stack.append((doc, 1))
    seen: set[int] = set()
    scalars = (int, float, bool, type(None))
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:  # shared (an anchor and its aliases) or recursive: walked once
            continue
        seen.add(id(node))
        if depth > _MAX_DEPTH:
            return False
        items = node.values() if type(node) is dict else node
        if type(node) is dict and not all(map(_key_is_safe, node)):
            return False
        for item in items:
            kind = type(item)
            if kind is str:
                if not (item.isascii() and item.isprintable()):
                    return False
            elif kind is dict or kind is list:
                stack.append((item, depth + 1))
            elif kind not in scalars:
                return False
    return True


def safe_dump_all(
    documents: list[Any],
    *,
    sort_keys: bool = True,
    default_flow_style: bool | None = False,
    width: int | None = None,
) -> str:
    """``yaml.safe_dump_all(documents, ...)``'s text, by libyaml's emitter when it writes the same."""
    options: dict[str, Any] = {
        "sort_keys": sort_keys,
        "default_flow_style": default_flow_style,
        "width": width,
    }
    if _FAST is not None and libyaml_writes_the_same(documents):
        return yaml.dump_all(documents, Dumper=_FAST, **options)  # type: ignore[no-any-return]
    return yaml.safe_dump_all(documents, **options)  # type: ignore[no-any-return]


def safe_dump(
    data: Any, *, sort_keys: bool = True, default_flow_style: bool | None = False, width: int | None = None
) -> str:
    """``yaml.safe_dump(data, ...)``'s text, by libyaml's emitter when it writes the same."""
    return safe_dump_all([data], sort_keys=sort_keys, default_flow_style=default_flow_style, width=width)

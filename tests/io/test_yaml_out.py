"""podfit.io.yaml_out writes exactly what PyYAML's pure-Python emitter writes, with every option a
caller uses: by libyaml's emitter inside the rule (hypothesis: report-shaped documents), by PyYAML's
outside it (one case per known difference), and without libyaml at all."""

from __future__ import annotations

import contextlib
import importlib
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podfit.io import yaml_out
from podfit.io.yaml_out import libyaml_writes_the_same, safe_dump, safe_dump_all

LIBYAML = yaml_out._FAST is not None
needs_libyaml = pytest.mark.skipif(not LIBYAML, reason="PyYAML built without libyaml")

#: The options of every call site (cli/simulate; cli/explain and cli/compare; cli/policy and
#: cli/webhook (dump_all); cli/capture_machine and live/capture), and PyYAML's defaults.
OPTIONS: list[dict[str, Any]] = [
    {"sort_keys": False, "default_flow_style": None, "width": 120},
    {"sort_keys": False, "width": 120},
    {"sort_keys": False, "default_flow_style": None},
    {},
]


def _pure(documents: list[Any], options: dict[str, Any]) -> str:
    return yaml.safe_dump_all(documents, **options)  # type: ignore[no-any-return]


def _libyaml(documents: list[Any], options: dict[str, Any]) -> str:
    return yaml.dump_all(documents, Dumper=yaml.CSafeDumper, **options)  # type: ignore[no-any-return]


# Strings a report holds: names, messages, quantities, cpusets, and the awkward ones.
_PIECES = [
    *string.ascii_letters[:6],
    *"0123456789",
    " ",
    "  ",
    ":",
    ": ",
    " #",
    "#",
    "'",
    '"',
    "-",
    "- ",
    "?",
    ",",
    "[",
    "]",
    "{",
    "}",
    "&",
    "*",
    "!",
    "|",
    ">",
    "%",
    "@",
    "`",
    "\\",
    "~",
    "=",
    ".",
    "/",
    "yes",
    "No",
    "null",
    "~",
    "true",
    "1.5",
    "0x1f",
    "0o17",
    "1e3",
    "2024-01-01",
    "12:30:00",
    "---",
    "...",
    ".inf",
    "-.nan",
    "<<",
    "default/orders-db-0",
    "1-4,17-20",
    "20Gi",
    "TopologyAffinityError",
    "word ",
    "x" * 40,
    "a " * 30,
    "\t",
    "\n",
    "\r",
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\xa0",
    "é",
    "—",
    "→",
    "日本",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\U0001f600",
    "\U000e0001",
    "\ud800",
]
_ASCII_PIECES = [p for p in _PIECES if p.isascii() and p.isprintable()]
_ascii_text = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=200),
    st.lists(st.sampled_from(_ASCII_PIECES), max_size=20).map("".join),
    st.lists(st.sampled_from(_ASCII_PIECES), min_size=40, max_size=140).map("".join),  # past width
)
_CONTROL_PIECES = [*_ASCII_PIECES, "\t", "\n", "\r", "\x00", "\x07", "\x1b", "\x7f"]
_any_text = st.one_of(
    st.text(max_size=150),
    st.lists(st.sampled_from(_CONTROL_PIECES), min_size=40, max_size=140).map("".join),  # ASCII only
    st.lists(st.sampled_from(_PIECES), max_size=20).map("".join),
    st.lists(st.sampled_from(_PIECES), min_size=40, max_size=140).map("".join),
)
#: Keys around the simple-key limits (PyYAML: tag + key < 128; libyaml: key bytes <= 128).
_long_keys = st.tuples(st.integers(95, 135), st.sampled_from("kéx ")).map(lambda t: "a" + t[1] * t[0])


def _documents(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(min_value=10**70), st.floats(), text
    )
    keys = st.one_of(text, text, _long_keys, st.integers(), st.booleans(), st.none(), st.floats())
    tree = st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=8), st.dictionaries(keys, inner, max_size=6)),
        max_leaves=40,
    )
    roots = st.one_of(st.lists(tree, max_size=5), st.dictionaries(keys, tree, max_size=6))
    return st.one_of(roots, roots.map(_shared))


def _shared(doc: Any) -> Any:
    """The same dict / list twice (an anchor and an alias)."""
    inner = next(
        (v for v in (doc.values() if isinstance(doc, dict) else doc) if isinstance(v, (dict, list)) and v),
        None,
    )
    if inner is not None:
        if isinstance(doc, dict):
            doc["again"] = inner
        else:
            doc.append(inner)
    return doc


@needs_libyaml
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    docs=st.lists(_documents(_ascii_text), min_size=1, max_size=3), which=st.sampled_from(range(len(OPTIONS)))
)
def test_inside_the_rule_libyaml_writes_the_pure_text(docs: list[Any], which: int) -> None:
    """Printable-ASCII documents: mostly inside the rule, where libyaml's own emitter (and the
    helper's faster representer in front of it) must write PyYAML's bytes."""
    options = OPTIONS[which]
    pure = _pure(docs, options)
    assert safe_dump_all(docs, **options) == pure
    if libyaml_writes_the_same(docs):
        assert _libyaml(docs, options) == pure


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_documents(_any_text), which=st.sampled_from(range(len(OPTIONS))))
def test_every_document_is_the_pure_text(doc: Any, which: int) -> None:
    """Any characters (tabs, breaks, controls, non-BMP, lone surrogates): the helper's text is PyYAML's."""
    options = OPTIONS[which]
    assert safe_dump(doc, **options) == _pure([doc], options)
    if LIBYAML and libyaml_writes_the_same([doc]):
        assert _libyaml([doc], options) == _pure([doc], options)


_LONG_ESCAPED = {"message": "a\tb " * 40}
#: One document per difference found between libyaml's emitter and PyYAML's (docs in yaml_out).
KNOWN_DIFFERENCES: list[tuple[str, Any, dict[str, Any]]] = [
    ("double-quoted folding, escapes", _LONG_ESCAPED, OPTIONS[1]),
    ("double-quoted folding, non-ASCII", {"why": "admits it — " + "x " * 70}, OPTIONS[1]),
    ("double-quoted folding, escapes without spaces", {"k": "é" * 130}, OPTIONS[0]),
    ("double-quoted key in a flow mapping", {"k": {"x": 1, "é\n" + "é" * 70: None}}, OPTIONS[0]),
    ("key of 123 characters (implicit !!str counted)", {"k" * 123: 1}, OPTIONS[1]),
    ("key of 128 characters", {"k" * 128: 1}, OPTIONS[0]),
    ("empty key", {"": None}, OPTIONS[1]),
    ("scalar document: '...' end", "name", OPTIONS[1]),
    ("lone surrogate", {"name": "\ud800"}, OPTIONS[1]),
]


@pytest.mark.parametrize(
    ("doc", "options"), [c[1:] for c in KNOWN_DIFFERENCES], ids=[c[0] for c in KNOWN_DIFFERENCES]
)
def test_known_differences_are_written_by_pyyaml(doc: Any, options: dict[str, Any]) -> None:
    assert not libyaml_writes_the_same([doc])
    assert safe_dump(doc, **options) == _pure([doc], options)
    if LIBYAML:  # the rule is needed: libyaml alone writes other bytes (or cannot write them)
        with contextlib.suppress(UnicodeEncodeError):
            assert _libyaml([doc], options) != _pure([doc], options)


@pytest.mark.parametrize(
    ("doc", "inside"),
    [
        ({"a": [1, 2.5, None, True, "x y"], "b": {"c": []}}, True),
        ([{}, [], ""], True),
        ({"k" * 99: 1}, True),
        ({"k" * 100: 1}, False),
        ({10**58: 1}, True),
        ({10**59: 1}, False),
        ({(1, 2): 1}, False),
        ({"a": (1, 2)}, False),
        ({"a": b"bytes"}, False),
        ({"a": "tab\there"}, False),
        ({"a": "line\nbreak"}, False),
        ({"a": "del\x7f"}, False),
        (7, False),
    ],
)
def test_the_rule(doc: Any, inside: bool) -> None:
    assert libyaml_writes_the_same([doc]) is inside


def test_depth_and_recursion_go_to_pyyaml() -> None:
    deep: list[Any] = []
    node = deep
    for _ in range(70):
        node.append([])
        node = node[0]
    assert not libyaml_writes_the_same([deep])
    assert safe_dump(deep) == yaml.safe_dump(deep)
    looped: list[Any] = [1]
    looped.append(looped)  # walked once, written with an anchor by both
    assert safe_dump(looped, default_flow_style=None) == yaml.safe_dump(looped, default_flow_style=None)


def test_unrepresentable_values_fail_alike() -> None:
    with pytest.raises(yaml.representer.RepresenterError):
        safe_dump({"a": object()})


def test_without_libyaml_pyyaml_writes_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML built without libyaml has no ``yaml.CSafeDumper``: the module still loads and writes."""
    monkeypatch.delattr(yaml, "CSafeDumper", raising=False)
    try:
        module = importlib.reload(yaml_out)
        assert module.LIBYAML_DUMPER is None and module._FAST is None
        doc = {"steps": [{"pod": "default/a", "cpus": [1, 2, 3]}], "warnings": []}
        assert module.safe_dump(doc, sort_keys=False, default_flow_style=None, width=120) == yaml.safe_dump(
            doc, sort_keys=False, default_flow_style=None, width=120
        )
        assert module.safe_dump_all([doc, doc], sort_keys=False) == yaml.safe_dump_all(
            [doc, doc], sort_keys=False
        )
    finally:
        monkeypatch.undo()
        importlib.reload(yaml_out)
    assert (yaml_out._FAST is not None) == (yaml_out.LIBYAML_DUMPER is not None)


@needs_libyaml
def test_an_old_libyaml_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from yaml import _yaml

    monkeypatch.setattr(_yaml, "get_version", lambda: (0, 2, 2))
    try:
        module = importlib.reload(yaml_out)
        assert module._FAST is None
        assert module.safe_dump({"a": [1]}, default_flow_style=None) == "a: [1]\n"
    finally:
        monkeypatch.undo()
        importlib.reload(yaml_out)
    assert yaml_out._FAST is not None


@needs_libyaml
def test_libyaml_is_used_inside_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[Any] = []
    real = yaml.dump_all

    def spy(documents: Any, *args: Any, **kwargs: Any) -> Any:
        used.append(kwargs.get("Dumper"))
        return real(documents, *args, **kwargs)

    monkeypatch.setattr(yaml, "dump_all", spy)
    safe_dump({"a": 1})
    assert used[0] is yaml_out._FAST
    used.clear()
    safe_dump({"a": "é"})
    assert used[0] is yaml.SafeDumper


def test_every_yaml_podfit_writes_goes_through_yaml_out() -> None:
    """One writer: a direct yaml.safe_dump/dump elsewhere in src would bypass the rule's proof."""
    import re

    src = Path(__file__).resolve().parents[2] / "src" / "podfit"
    direct = [
        f"{path.relative_to(src)}:{n}"
        for path in sorted(src.rglob("*.py"))
        if path.name != "yaml_out.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\byaml\.(safe_dump|safe_dump_all|dump|dump_all)\(", line)
    ]
    assert direct == []

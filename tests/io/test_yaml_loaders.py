"""The YAML loaders agree: libyaml's parser (``yaml.CSafeLoader``, used when PyYAML has it) and
PyYAML's own read every data file and example to the same values, the same duplicate-key lines
and the same errors; where libyaml fails, PyYAML's reading (or its error) is the answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.errors import InputError
from podfit.io import yamlio
from podfit.io.yamlio import LOADERS, parse_documents, read_yaml

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = (
    "tests/**/*.yaml",
    "tests/**/*.yml",
    "tests/**/*.json",
    "examples/**/*.yaml",
    "examples/**/*.json",
)
FILES = sorted(p for pattern in PATTERNS for p in ROOT.glob(pattern))
PURE = (LOADERS[-1],)
LIBYAML = (LOADERS[0],)


def _version() -> tuple[int, ...]:
    try:
        from yaml import _yaml

        return tuple(_yaml.get_version())
    except (ImportError, AttributeError):
        return ()


def _typed(value: Any) -> Any:
    """The value with every leaf's type (``True == 1`` and ``1 == 1.0`` in Python)."""
    if isinstance(value, dict):
        return {"dict": [(_typed(k), _typed(v)) for k, v in value.items()]}
    if isinstance(value, list):
        return {"list": [_typed(v) for v in value]}
    return (type(value).__name__, repr(value))


def _reading(text: str, loaders: tuple[type[Any], ...], lenient: bool) -> Any:
    duplicates: list[tuple[int, str]] | None = [] if lenient else None
    try:
        docs = read_yaml(text, "f.yaml", duplicates, loaders)
    except InputError as exc:
        return ("error", str(exc))
    return ("read", _typed(docs), duplicates)


def test_libyaml_is_used_when_pyyaml_has_it() -> None:
    """Where PyYAML was built with libyaml >= 0.2.6 (the wheels are), the fast loader is first."""
    if getattr(yaml, "__with_libyaml__", False) and _version() >= (0, 2, 6):
        assert len(LOADERS) == 2 and issubclass(LOADERS[0], yaml.CSafeLoader)
    else:  # pragma: no cover - depends on the PyYAML build
        assert (yamlio._StrictLoader,) == LOADERS


def test_there_are_data_files() -> None:
    assert len(FILES) >= 150


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_both_loaders_read_every_data_file_alike(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for lenient in (True, False):
        assert _reading(text, LIBYAML, lenient) == _reading(text, PURE, lenient)


CASES: list[tuple[str, str]] = [
    ("duplicate", "a: 1\nb: 2\na: 3\n"),
    ("duplicate-nested", "kind: Pod\nspec:\n  containers:\n  - name: a\n    name: b\n"),
    ("duplicate-after-merge", "c: &c {name: c}\nd: {<<: *c, name: d, name: e}\n"),
    ("merge-overridden", "c: &c {x: 1, n: c}\nd: {<<: *c, n: d}\n"),
    ("multi-document", "a: 1\n---\n---\nb: [1, 2]\n...\n---\nc: {d: e}\n"),
    (
        "yaml-1.1-scalars",
        "a: yes\nb: off\nc: 0x1F\nd: 010\ne: 1_000\nf: 1:30\ng: ~\nh: 2024-01-02\ni: .inf\n",
    ),
    ("plain-equals", "enum: ['!=', =, =~]\nop: =\n"),
    ("quoted", "a: 'x''y'\nb: \"\\x41\\u00e9\\/\\t\"\n"),
    ("block-scalars", "c: |\n  lit\n  eral\nd: >\n  fol\n  ded\n"),
    ("anchors", "a: &x [1, 2]\nb: *x\nc: &y {k: v}\nd: *y\n"),
    ("json", '{"kind": "Pod", "spec": {"containers": [{"name": "a", "n": 1.5, "e": 1e5}]}}'),
    ("json-duplicate", '{"a": 1,\n "a": 2}'),
]
ERRORS: list[tuple[str, str]] = [
    ("unclosed-flow", "kind: Scenario\nnode: {machine: {sockets: 2\n"),
    ("bad-indentation", "a:\n  b: 1\n c: 2\n"),
    ("template-key", "spec:\n  {{ .Values.x }}: 1\n"),
    ("tab-indent", "a:\n\tb: 1\n"),
    ("unknown-tag", "a: !!python/object:os.system x\n"),
    ("deep", "[" * 5000),
    ("control-character", "a: \x01\n"),
]


@pytest.mark.parametrize("text", [c[1] for c in CASES + ERRORS], ids=[c[0] for c in CASES + ERRORS])
def test_both_loaders_agree(text: str) -> None:
    for lenient in (True, False):
        assert _reading(text, LOADERS, lenient) == _reading(text, PURE, lenient)


@pytest.mark.parametrize("text", [c[1] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_errors_read_as_pyyaml_words_them(text: str) -> None:
    """libyaml words (and sometimes places) its errors differently: PyYAML's error is the one shown."""
    with pytest.raises(InputError) as fast:
        parse_documents(text, "f.yaml", [])
    with pytest.raises(InputError) as pure:
        read_yaml(text, "f.yaml", [], PURE)
    assert str(fast.value) == str(pure.value)
    assert str(fast.value).startswith("f.yaml: invalid YAML")


def test_what_libyaml_refuses_pyyaml_reads() -> None:
    """Surrogate escapes: libyaml refuses them, PyYAML reads each half (as podfit always did)."""
    text = 'a: "\\ud83d\\ude00"\n'
    assert parse_documents(text, "f.yaml") == [{"a": "\ud83d\ude00"}]


@pytest.mark.parametrize("loaders", [LIBYAML, PURE], ids=["libyaml", "pyyaml"])
def test_duplicate_key_lines(loaders: tuple[type[Any], ...]) -> None:
    duplicates: list[tuple[int, str]] = []
    docs = read_yaml("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n---\nx: 1\nx: 2\n", "f.yaml", duplicates, loaders)
    assert docs == [{"a": 3, "b": {"c": 2}}, {"x": 2}]
    assert duplicates == [(4, "c"), (5, "a"), (8, "x")]
    with pytest.raises(InputError, match='line 4, column 3: duplicate key "c"'):
        read_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", "f.yaml", None, loaders)


@pytest.mark.skipif(len(LOADERS) == 1, reason="PyYAML without libyaml")
def test_what_libyaml_reads_and_pyyaml_refuses() -> None:
    """A known difference (podfit.io.yamlio): tabs between flow tokens, read as Go's YAML reads them."""
    text = '{\t"a":\t1}'
    assert _reading(text, LIBYAML, False) == ("read", _typed([{"a": 1}]), None)
    assert _reading(text, PURE, False)[0] == "error"

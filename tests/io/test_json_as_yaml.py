"""A JSON text read by json.loads only when that is what the YAML reader gives: generated documents
in every JSON layout against both YAML loaders, and each case where the readings differ."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podfit.io.json_as_yaml import json_documents
from podfit.io.yamlio import LOADERS, parse_documents, read_yaml

ROOT = Path(__file__).resolve().parents[2]


def _typed(value: Any) -> Any:
    """The value with every leaf's type (``True == 1`` and ``1 == 1.0`` in Python)."""
    if isinstance(value, dict):
        return {"dict": [(_typed(k), _typed(v)) for k, v in value.items()]}
    if isinstance(value, list):
        return {"list": [_typed(v) for v in value]}
    return (type(value).__name__, repr(value))


def _yaml(text: str, loaders: tuple[type[Any], ...]) -> Any:
    duplicates: list[tuple[int, str]] = []
    return _typed(read_yaml(text, "f.json", duplicates, loaders)), duplicates


def _same_as_yaml(text: str) -> bool:
    """json_documents' reading, when it reads, equals each loader's; returns whether it read."""
    docs = json_documents(text)
    if docs is None:
        return False
    for loader in LOADERS:
        assert (_typed(docs), []) == _yaml(text, (loader,)), loader
    return True


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        ["yes", "on", "Off", "~", "null", "1e5", "0x1F", "010", "1:30", "2024-01-02", "<<", "="]
    )
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
LAYOUTS = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([None, 0, 1, 2, 4]),
        "separators": st.sampled_from([None, (",", ":"), (", ", ": "), (" ,", " : ")]),
        "ensure_ascii": st.booleans(),
        "sort_keys": st.booleans(),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    value=st.dictionaries(st.text(max_size=12), VALUES, max_size=6) | st.lists(VALUES, max_size=6),
    layout=LAYOUTS,
)
def test_json_documents_read_what_yaml_reads(value: Any, layout: dict[str, Any]) -> None:
    _same_as_yaml(json.dumps(value, **layout))


@settings(max_examples=100, deadline=None)
@given(
    number=st.from_regex(r"-?(0|[1-9][0-9]{0,4})(\.[0-9]{1,4})?([eE][-+]?[0-9]{1,3})?", fullmatch=True),
)
def test_numbers_read_as_yaml_1_1_reads_them(number: str) -> None:
    """``1e5`` and ``1.5e3`` are strings to YAML 1.1, ``1.5e+3`` a float: the same here."""
    assert _same_as_yaml(f'{{"n": {number}, "l": [{number}]}}')


def test_ordinary_json_is_read_by_json() -> None:
    """The fast path is taken: the examples' webhook requests, a generated scenario."""
    texts = [p.read_text() for p in sorted(ROOT.glob("examples/**/*.json"))]
    texts.append(
        json.dumps(
            {"kind": "Scenario", "events": [{"add": {"metadata": {"name": f"p{i}"}}} for i in range(50)]}
        )
    )
    for text in texts:
        assert _same_as_yaml(text)


NOT_SAME: list[tuple[str, str]] = [
    ("duplicate-key", '{"a": 1, "a": 2}'),
    ("colon-on-next-line", '{"a"\n: 1}'),
    ("key-far-from-colon", '{"a"' + " " * 1100 + ": 1}"),
    ("long-key", '{"' + "k" * 1100 + '": 1}'),
    ("surrogate-pair", '{"a": "\\ud83d\\ude00"}'),
    ("nel-in-string", '{"a": "x\x85y"}'),
    ("line-separator", '{"a": "x\u2028y"}'),
    ("tab", '{\t"a": 1}'),
    ("control-character", '{"a": "\x7f"}'),
    ("nan", '{"a": NaN}'),
    ("not-json", "{a: 1}"),
    ("two-documents", '{"a": 1}\n---\n{"b": 2}'),
    ("scalar", '"a"'),
    ("byte-order-mark", '\ufeff{"a": 1}'),
    ("deep", "[" * 5000 + "]" * 5000),
]


@pytest.mark.parametrize("text", [c[1] for c in NOT_SAME], ids=[c[0] for c in NOT_SAME])
def test_left_to_yaml_when_the_readings_could_differ(text: str) -> None:
    assert json_documents(text) is None


def test_a_duplicate_key_in_json_still_names_its_line() -> None:
    warnings: list[Any] = []
    assert parse_documents('{"a": 1,\n "b": 2,\n "a": 3}', "f.json", warnings) == [{"a": 3, "b": 2}]
    assert [w.message.split(":")[0] for w in warnings] == ["line 3"]

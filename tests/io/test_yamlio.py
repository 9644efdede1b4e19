"""Reading manifests as kubectl does: YAML 1.1 corners real files use, duplicate keys still refused."""

from __future__ import annotations

from typing import Any

import pytest

from podfit.errors import InputError
from podfit.io.yamlio import parse_documents

C = {"x": 1, "n": "c"}
READ: list[tuple[str, str, Any]] = [
    # A plain `=` is YAML 1.1's "value" type; Go's YAML reads the string (CRD enums of match operators).
    ("plain-equals", "enum: ['!=', =, =~]\nop: =\n", {"enum": ["!=", "=", "=~"], "op": "="}),
    # Merge keys: the mapping's own keys override merged ones; the first merged mapping wins.
    ("merge-override", "c: &c {x: 1, n: c}\nd: {<<: *c, n: d}\n", {"c": C, "d": {"x": 1, "n": "d"}}),
    ("merge-list", "m: {<<: [{a: 1}, {a: 2, b: 2}], b: 3}\n", {"m": {"a": 1, "b": 3}}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "want"), [c[1:] for c in READ], ids=[c[0] for c in READ])
def test_reads_what_kubectl_reads(text: str, want: Any) -> None:
    assert parse_documents(text, "f.yaml") == [want]


@pytest.mark.parametrize(
    "text",
    ["a: 1\na: 2\n", "c: &c {name: c}\nd: {<<: *c, name: d, name: e}\n"],
    ids=["plain", "after-a-merge"],
)
def test_duplicate_keys_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="duplicate key"):
        parse_documents(text, "f.yaml")

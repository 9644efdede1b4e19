"""Upstream bitmask_test.go and numa_info_test.go tables (data in tests/upstream/topologymanager/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from podfit.errors import InputError
from podfit.model.policy_options import TopologyManagerOptions
from podfit.topology import bitmask as bm
from podfit.topology.numa_info import NUMAInfo, calculate_average_for, new_numa_info

DATA = Path(__file__).parents[1] / "upstream" / "topologymanager"
BITMASK = yaml.safe_load((DATA / "bitmask_test.yaml").read_text())
NUMA = yaml.safe_load((DATA / "numa_info_test.yaml").read_text())


def cases(table: dict[str, Any], test: str, key: str = "name") -> Any:
    return pytest.mark.parametrize("tc", table[test], ids=[str(c[key]) for c in table[test]])


def test_new_empty_bitmask() -> None:
    (tc,) = BITMASK["TestNewEmptyiBitMask"]
    assert bm.format_bitmask(bm.new_bitmask()) == tc["expectedMask"]


@cases(BITMASK, "TestNewBitMask")
def test_new_bitmask(tc: dict[str, Any]) -> None:
    assert bm.format_bitmask(bm.new_bitmask(*tc["bits"])) == tc["expectedMask"]


@cases(BITMASK, "TestAdd")
def test_add(tc: dict[str, Any]) -> None:
    mask = bm.new_bitmask()
    if tc.get("error"):
        with pytest.raises(ValueError, match="bit number must be in range 0-63"):
            bm.add(mask, *tc["bits"])
    else:
        mask = bm.add(mask, *tc["bits"])
    assert bm.format_bitmask(mask) == tc["expectedMask"]


@cases(BITMASK, "TestRemove")
def test_remove(tc: dict[str, Any]) -> None:
    mask = bm.new_bitmask(*tc["bitsSet"])
    if tc.get("error"):
        with pytest.raises(ValueError, match="bit number must be in range 0-63"):
            bm.remove(mask, *tc["bitsRemove"])
    else:
        mask = bm.remove(mask, *tc["bitsRemove"])
    assert bm.format_bitmask(mask) == tc["expectedMask"]


@cases(BITMASK, "TestAnd")
def test_and(tc: dict[str, Any]) -> None:
    masks = [bm.new_bitmask(*m) for m in tc["masks"]]
    assert bm.format_bitmask(bm.and_(masks[0], *masks)) == tc["andMask"]


@cases(BITMASK, "TestOr")
def test_or(tc: dict[str, Any]) -> None:
    masks = [bm.new_bitmask(*m) for m in tc["masks"]]
    assert bm.format_bitmask(bm.or_(masks[0], *masks)) == tc["orMask"]


@cases(BITMASK, "TestClear")
def test_clear(tc: dict[str, Any]) -> None:
    # Clear sets the mask to the empty mask whatever it held
    assert bm.new_bitmask(*tc["mask"]) != 0
    assert bm.format_bitmask(0) == tc["clearedMask"]


@cases(BITMASK, "TestFill")
def test_fill(tc: dict[str, Any]) -> None:
    assert bm.format_bitmask(bm.fill()) == tc["filledMask"]


@cases(BITMASK, "TestIsEmpty")
def test_is_empty(tc: dict[str, Any]) -> None:
    assert bm.is_empty(bm.new_bitmask(*tc["mask"])) == tc["expectedEmpty"]


@cases(BITMASK, "TestIsSet")
def test_is_set(tc: dict[str, Any]) -> None:
    assert bm.is_set(bm.new_bitmask(*tc["mask"]), tc["checkBit"]) == tc["expectedSet"]


@cases(BITMASK, "TestAnySet")
def test_any_set(tc: dict[str, Any]) -> None:
    assert bm.any_set(bm.new_bitmask(*tc["mask"]), tc["checkBits"]) == tc["expectedSet"]


@cases(BITMASK, "TestIsEqual")
def test_is_equal(tc: dict[str, Any]) -> None:
    first, second = bm.new_bitmask(*tc["firstMask"]), bm.new_bitmask(*tc["secondMask"])
    assert bm.is_equal(first, second) == tc["expectedEqual"]


@cases(BITMASK, "TestCount")
def test_count(tc: dict[str, Any]) -> None:
    assert bm.count(bm.new_bitmask(*tc["bits"])) == tc["expectedCount"]


@cases(BITMASK, "TestGetBits")
def test_get_bits(tc: dict[str, Any]) -> None:
    assert bm.get_bits(bm.new_bitmask(*tc["bits"])) == tc["expectedBits"]


@cases(BITMASK, "TestIsNarrowerThan")
def test_is_narrower_than(tc: dict[str, Any]) -> None:
    first, second = bm.new_bitmask(*tc["firstMask"]), bm.new_bitmask(*tc["secondMask"])
    assert bm.is_narrower_than(first, second) == tc["expectedFirstNarrower"]


@cases(BITMASK, "TestIterateBitMasks")
def test_iterate_bit_masks(tc: dict[str, Any]) -> None:
    masks = list(bm.iterate_bit_masks(range(tc["numbits"])))
    assert len(masks) == (1 << tc["numbits"]) - 1
    assert len(set(masks)) == len(masks)


@cases(NUMA, "TestNUMAInfo")
def test_new_numa_info(tc: dict[str, Any]) -> None:
    opts = TopologyManagerOptions(prefer_closest_numa=tc.get("preferClosestNUMA", False))
    topology = [(n["id"], n.get("distances")) for n in tc["topology"]]
    if "expectedErr" in tc:
        with pytest.raises(InputError, match=tc["expectedErr"]):
            new_numa_info(topology, opts)
        return
    info = new_numa_info(topology, opts)
    expected = {k: None if v is None else tuple(v) for k, v in tc["expectedDistances"].items()}
    assert info == NUMAInfo(nodes=tuple(tc["expectedNodes"]), distances=expected)


@cases(NUMA, "TestCalculateAvgDistanceFor")
def test_calculate_average_for(tc: dict[str, Any]) -> None:
    distances = {k: tuple(v) for k, v in tc["distance"].items()}
    assert calculate_average_for(distances, bm.new_bitmask(*tc["bm"])) == tc["expectedAvg"]


@cases(NUMA, "TestClosest", key="description")
def test_closest(tc: dict[str, Any]) -> None:
    info = NUMAInfo(nodes=(), distances={k: tuple(v) for k, v in tc["distances"].items()})
    current, candidate = bm.new_bitmask(*tc["current"]), bm.new_bitmask(*tc["candidate"])
    result = info.closest(candidate, current)
    assert result == (current if tc["expected"] == "current" else candidate)


def test_iterate_bit_masks_order() -> None:
    # the order hint providers rely on: by size, then lexicographic
    assert list(bm.iterate_bit_masks([0, 1, 2])) == [0b001, 0b010, 0b100, 0b011, 0b101, 0b110, 0b111]


def test_format_bitmask_widths() -> None:
    assert bm.format_bitmask(0b100) == "100"
    assert bm.format_bitmask(0b101) == "0101"

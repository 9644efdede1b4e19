"""CPU sets as Python ints (bit i = CPU i), formatted and parsed the way the kubelet does.

Mirrors: k8s.io/utils/cpuset ``Parse`` / ``String`` (Linux CPU list syntax, e.g. ``"0-3,8"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from podfit.errors import CPUSetParseError

__all__ = ["CPUSetParseError", "cpus", "format_cpuset", "mask", "parse_cpuset", "size"]


def mask(cpu_ids: Iterable[int]) -> int:
    """The bitmask holding every CPU id in ``cpu_ids``."""
    m = 0
    for c in cpu_ids:
        if c < 0:
            raise ValueError(f"negative CPU id {c}")
        m |= 1 << c
    return m


def cpus(m: int) -> Iterator[int]:
    """The CPU ids of ``m`` in ascending order."""
    while m:
        low = m & -m
        yield low.bit_length() - 1
        m ^= low


def size(m: int) -> int:
    """Number of CPUs in ``m``."""
    return m.bit_count()


def format_cpuset(m: int) -> str:
    """Linux list syntax: sorted, consecutive runs as ``a-b``, comma separated; ``""`` when empty.

    Mirrors: k8s.io/utils/cpuset CPUSet.String (one step per run of consecutive CPUs, not per CPU)
    """
    if m < 0:
        raise ValueError("negative CPU set")
    parts: list[str] = []
    while m:
        start = (m & -m).bit_length() - 1
        rest = m >> start
        run = (~rest & (rest + 1)).bit_length() - 1  # consecutive CPUs from ``start``
        parts.append(str(start) if run == 1 else f"{start}-{start + run - 1}")
        m ^= ((1 << run) - 1) << start
    return ",".join(parts)


def _atoi(text: str, whole: str) -> int:
    # Go strconv.Atoi: optional sign, decimal digits only, no surrounding space.
    body = text[1:] if text[:1] in "+-" else text
    if not body.isdigit() or not body.isascii():
        raise CPUSetParseError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    value = int(text)
    if value < 0:
        raise CPUSetParseError(f"invalid CPU id {value} in {whole!r}")
    return value


def parse_cpuset(text: str) -> int:
    """Parse Linux CPU list syntax (``"0-5,34,46-48"``) into a bitmask.

    Mirrors k8s.io/utils/cpuset ``Parse``: the empty string is the empty set; a range with
    start > end is an error; ``"1-1"`` is accepted.
    """
    if text == "":
        return 0
    result = 0
    for part in text.split(","):
        bounds = part.split("-", 1)
        if len(bounds) == 1:
            result |= 1 << _atoi(bounds[0], text)
            continue
        start, end = _atoi(bounds[0], text), _atoi(bounds[1], text)
        if start > end:
            raise CPUSetParseError(f'invalid range "{part}" ({start} > {end})')
        result |= ((1 << (end - start + 1)) - 1) << start
    return result

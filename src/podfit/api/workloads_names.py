"""How the API server and the controllers name what they create, made deterministic.

The real names carry randomness (``generateName`` suffixes) or hash a Go object dump
(``pod-template-hash``, ``controller-revision-hash``). podfit keeps their *shape* — the alphabet, the
lengths, the truncation rules — and replaces the randomness by a stable hash of the object's
identity, so the same input always gives the same names. The hash values are not the ones a real
cluster computes (that would need Go's object dump byte for byte); only their form is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "ALPHANUMS",
    "MAX_GENERATED_NAME_LENGTH",
    "canonical",
    "controller_revision_hash",
    "generate_name",
    "pod_generate_name_with_index",
    "pod_template_hash",
    "random_suffix",
    "replica_set_name",
    "safe_encode_string",
    "unique_names",
]

# The controllers' "random" alphabet: no vowels, no 0/1/3 (no accidental words).
ALPHANUMS: Final = "bcdfghjklmnpqrstvwxz2456789"
RANDOM_LENGTH: Final = 5
MAX_NAME_LENGTH: Final = 63
MAX_GENERATED_NAME_LENGTH: Final = MAX_NAME_LENGTH - RANDOM_LENGTH  # 58
DNS1123_SUBDOMAIN_MAX_LENGTH: Final = 253
CONTROLLER_REVISION_PREFIX_MAX: Final = 223

_FNV32_OFFSET: Final = 0x811C9DC5
_FNV32_PRIME: Final = 0x01000193
_MASK32: Final = 0xFFFFFFFF


def canonical(value: Any) -> str:
    """A stable text of a decoded YAML/JSON value: mapping keys sorted, scalars JSON-quoted."""
    if isinstance(value, Mapping):
        items = sorted((str(k), v) for k, v in value.items())
        return "{" + ",".join(f"{json.dumps(k)}:{canonical(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if value is None or isinstance(value, bool | int | float | str):
        return json.dumps(value)
    return json.dumps(str(value))  # dates and other YAML scalars


def fnv32a(data: bytes) -> int:
    """32-bit FNV-1a (what ``ComputeHash`` feeds the pod template dump to)."""
    h = _FNV32_OFFSET
    for byte in data:
        h = ((h ^ byte) * _FNV32_PRIME) & _MASK32
    return h


def fnv32(data: bytes) -> int:
    """32-bit FNV-1 (what ``HashControllerRevision`` uses)."""
    h = _FNV32_OFFSET
    for byte in data:
        h = ((h * _FNV32_PRIME) & _MASK32) ^ byte
    return h


def safe_encode_string(text: str) -> str:
    """Every character mapped into :data:`ALPHANUMS` by its code point.

    Mirrors: staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go SafeEncodeString (v1.36)."""
    return "".join(ALPHANUMS[ord(c) % len(ALPHANUMS)] for c in text)


def pod_template_hash(template: Mapping[str, Any], collision_count: int | None = None) -> str:
    """The Deployment's ``pod-template-hash``: FNV-1a 32 of the template, its decimal digits
    safe-encoded (so 6 to 10 characters out of ``bcdf456789``).

    Mirrors the shape of pkg/controller/controller_utils.go ComputeHash (v1.36); the bytes hashed
    are podfit's canonical text of the template, not Go's object dump, so the value differs from
    a real cluster's while being just as deterministic."""
    data = canonical(template).encode()
    if collision_count is not None:
        data += (collision_count & _MASK32).to_bytes(8, "little")
    return safe_encode_string(str(fnv32a(data)))


def controller_revision_hash(template: Mapping[str, Any]) -> str:
    """A ControllerRevision's hash (StatefulSet and DaemonSet pods carry it): FNV-1 32, safe-encoded.

    Mirrors the shape of pkg/controller/history/controller_history.go HashControllerRevision (v1.36)."""
    return safe_encode_string(str(fnv32(canonical(template).encode())))


def controller_revision_name(prefix: str, hash_: str) -> str:
    """Mirrors: pkg/controller/history/controller_history.go ControllerRevisionName (v1.36)."""
    return f"{prefix[:CONTROLLER_REVISION_PREFIX_MAX]}-{hash_}"


def replica_set_name(deployment_name: str, template_hash: str) -> str:
    """``<deployment>-<pod-template-hash>``, the Deployment's name cut so the whole stays a DNS subdomain.

    Mirrors: pkg/controller/deployment/sync.go generateReplicaSetName (v1.36)."""
    room = DNS1123_SUBDOMAIN_MAX_LENGTH - 1 - len(template_hash)
    if len(deployment_name) > room > 0:
        deployment_name = deployment_name[:room]
    return f"{deployment_name}-{template_hash}"


def random_suffix(seed: str) -> str:
    """Five characters of :data:`ALPHANUMS`, a pure function of ``seed`` (stands for ``rand.String(5)``)."""
    n = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    out = []
    for _ in range(RANDOM_LENGTH):
        n, digit = divmod(n, len(ALPHANUMS))
        out.append(ALPHANUMS[digit])
    return "".join(out)


def generate_name(base: str, seed: str) -> str:
    """The API server's ``generateName``: ``base`` cut to 58 characters, then 5 suffix characters.

    Mirrors: staging/src/k8s.io/apiserver/pkg/storage/names/generate.go GenerateName (v1.36),
    with :func:`random_suffix` for the random string."""
    return base[:MAX_GENERATED_NAME_LENGTH] + random_suffix(seed)


def unique_names(base: str, seed: str, count: int) -> list[str]:
    """``count`` distinct generated names (the API server retries a taken name; so do we)."""
    names: list[str] = []
    taken: set[str] = set()
    for i in range(count):
        attempt = 0
        name = generate_name(base, f"{seed}/{i}")
        while name in taken:
            attempt += 1
            name = generate_name(base, f"{seed}/{i}#{attempt}")
        taken.add(name)
        names.append(name)
    return names


def pod_generate_name_with_index(job_name: str, index: int) -> str:
    """``<job>-<index>-``, the Job name cut so the index survives the 58-character limit.

    Mirrors: pkg/controller/job/indexed_job_utils.go podGenerateNameWithIndex (v1.36)."""
    append = f"-{index}-"
    prefix = job_name + append
    if len(prefix) > MAX_GENERATED_NAME_LENGTH:
        prefix = prefix[: MAX_GENERATED_NAME_LENGTH - len(append)] + append
    return prefix

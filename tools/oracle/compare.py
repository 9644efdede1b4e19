"""Compare podfit's ``simulate --output json`` document with the oracle's output for one scenario.

What is compared, step by step (``Mismatch.field``):

* ``error``: both refuse to start, or neither (the words differ by design: the oracle prefixes the
  manager, podfit says which check failed, so only presence is compared) -- then nothing else;
* ``reservedCPUs``, ``initialDefaultCPUSet``;
* per add: ``admitted``; for a rejection by the managers, ``reason`` and ``message``;
* ``podHint`` (pod scope) and ``containerHints`` (container scope; the containers the oracle has);
* ``containerCPUs``: every container with a CPU manager state entry (podfit: an assignment other
  than ``node_shared``), ``podCPUs``;
* ``defaultCPUSet`` after every step;
* with the Memory Manager Static: ``containerMemory`` (NUMA affinity and bytes per resource) and
  ``memoryMachineState`` (reserved and free per NUMA node and resource).

The oracle does not run the node-allocatable predicate, nor the 1.34+ pod-features handler
(``PodLevelResourcesNotSupported``); both run after the managers' handler and are treated alike
here. When podfit rejects a pod with ``OutOf…``
that the oracle's managers admitted, the two nodes hold different pods from then on: the comparison
stops there (``Comparison.truncated_at``). When the oracle's managers reject a pod and podfit says
``OutOf…``, that is a mismatch (the managers' handler runs first in the kubelet).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.oracle.convert import HARNESS_REMOVE

__all__ = ["Comparison", "Mismatch", "compare", "same_message"]

# reasons of the admit handlers that run after the managers' (the oracle runs only the managers)
_POST_MANAGER_REASONS = ("OutOf", "PodLevelResourcesNotSupported")

# The Memory Manager's validatePodScopeResources names the first used-up resource its Go map
# iteration meets: random when several are used up (seen 15/15 in 30 oracle runs of one pod).
_RANDOM_RESOURCE = (
    re.compile(r"^(pod rejected, sum of exclusive container )\S+( requests equals pod budget, .*)$"),
    re.compile(r"^(pod rejected, pod has shared init containers but no )\S+( available for them)$"),
)


def same_message(podfit: str, oracle: str) -> bool:
    """Equal, or equal but for the resource a random Go map iteration named."""
    if podfit == oracle:
        return True
    for pattern in _RANDOM_RESOURCE:
        p, o = pattern.match(podfit), pattern.match(oracle)
        if p and o and p.groups() == o.groups():
            return True
    return False


@dataclass(frozen=True)
class Mismatch:
    step: int  # -1: the node itself
    field: str
    podfit: Any
    oracle: Any

    def __str__(self) -> str:
        where = "node" if self.step < 0 else f"step {self.step}"
        return f"{where}: {self.field}: podfit {self.podfit!r} != oracle {self.oracle!r}"


@dataclass
class Comparison:
    mismatches: list[Mismatch] = field(default_factory=list)
    steps_compared: int = 0
    truncated_at: int | None = None  # the step where podfit's predicate rejected a pod the oracle admitted

    @property
    def agree(self) -> bool:
        return not self.mismatches


def _cpu_entries(step: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in step.get("containers") or []:
        if c.get("assignment") not in (None, "node_shared") and c.get("cpus") is not None:
            out[c["name"]] = c["cpus"]
    return out


def _memory_entries(step: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in step.get("containers") or []:
        m = c.get("memory")
        if m is not None:
            out[c["name"]] = {"numaAffinity": sorted(m["numaAffinity"]), "bytes": dict(m["bytes"])}
    return out


def _machine_state(numa_memory: Mapping[str, Any] | None) -> dict[str, dict[str, tuple[int, int]]]:
    if not numa_memory:
        return {}
    return {
        numa: {
            kind: (t["reserved"], t["free"])
            for kind, t in tables.items()
            if kind in ("memory",) or t["allocatable"]
        }
        for numa, tables in numa_memory.items()
    }


def _oracle_machine_state(state: Mapping[str, Any] | None) -> dict[str, dict[str, tuple[int, int]]]:
    if not state:
        return {}
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for numa, entry in state.items():
        tables = {}
        for kind, t in entry["memoryMap"].items():
            if kind == "memory" or t["reserved"] or t["free"]:
                tables[kind] = (t["reserved"], t["free"])
        out[numa] = tables
    return out


def _hint(h: Mapping[str, Any] | None) -> tuple[tuple[int, ...], bool] | None:
    if h is None:
        return None
    return tuple(sorted(h["numaAffinity"])), bool(h["preferred"])


def _align(
    podfit_steps: list[Mapping[str, Any]], oracle_ops: list[Mapping[str, Any]]
) -> list[tuple[int, int | None]]:
    """(oracle step of the event, oracle step holding the state after it) per podfit step: an add
    that the harness followed by a marked ``remove`` (a predicate rejection) has the state after
    that remove; any other step is its own."""
    out: list[tuple[int, int | None]] = []
    j = 0
    for _ in podfit_steps:
        nxt = oracle_ops[j + 1] if j + 1 < len(oracle_ops) else None
        if nxt is not None and nxt.get("harness") == HARNESS_REMOVE["harness"]:
            out.append((j, j + 1))
            j += 2
        else:
            out.append((j, None))
            j += 1
    if j != len(oracle_ops):
        raise ValueError(f"podfit has {len(podfit_steps)} steps, the oracle {len(oracle_ops)} (not aligned)")
    return out


def compare(podfit: Mapping[str, Any], oracle_line: Mapping[str, Any]) -> Comparison:
    """``podfit``: the result document; ``oracle_line``: the oracle's line (``input``, ``output``)."""
    oracle = oracle_line["output"]
    ops = oracle_line["input"]["ops"]
    memory = "memoryManager" in oracle_line["input"]
    cmp = Comparison()
    mm = cmp.mismatches
    p_err, o_err = podfit.get("error"), oracle.get("error")
    if bool(p_err) != bool(o_err):
        mm.append(Mismatch(-1, "error", p_err, o_err))
        return cmp
    if o_err:
        return cmp
    node = podfit["node"]
    if node["reservedCPUs"] != oracle.get("reservedCPUs"):
        mm.append(Mismatch(-1, "reservedCPUs", node["reservedCPUs"], oracle.get("reservedCPUs")))
    if node["initialDefaultCPUSet"] != oracle.get("initialDefaultCPUSet"):
        mm.append(
            Mismatch(
                -1, "initialDefaultCPUSet", node["initialDefaultCPUSet"], oracle.get("initialDefaultCPUSet")
            )
        )
    o_steps = oracle["steps"]
    for i, (p, (j, after)) in enumerate(zip(podfit["steps"], _align(podfit["steps"], ops), strict=True)):
        o = o_steps[j]
        o_after = o_steps[after] if after is not None else o
        cmp.steps_compared += 1
        if o["op"] == "add":
            p_adm, o_adm = bool(p["admitted"]), bool(o.get("admitted"))
            p_reason = p.get("reason") or ""
            if not p_adm and p_reason.startswith(_POST_MANAGER_REASONS):
                if not o_adm:  # the managers' handler speaks first
                    mm.append(
                        Mismatch(
                            i,
                            "admitted",
                            f"{p_reason}: {p.get('message')}",
                            f"{o.get('reason')}: {o.get('message')}",
                        )
                    )
                elif after is None:  # run without the predicate's remove: the states part here
                    cmp.truncated_at = i
                    return cmp
            elif p_adm != o_adm:
                mm.append(
                    Mismatch(
                        i,
                        "admitted",
                        f"{p_adm} {p_reason}: {p.get('message')}",
                        f"{o_adm} {o.get('reason')}: {o.get('message')}",
                    )
                )
            elif not o_adm:
                if p_reason != o.get("reason", ""):
                    mm.append(Mismatch(i, "reason", p_reason, o.get("reason")))
                if not same_message(p.get("message") or "", o.get("message", "")):
                    mm.append(Mismatch(i, "message", p.get("message"), o.get("message")))
            # policy none runs the none scope: no merge, the store's empty hint {[], false}
            none_hint = {"numaAffinity": [], "preferred": False}
            if "podHint" in o and _hint(p.get("podHint") or none_hint) != _hint(o["podHint"]):
                mm.append(Mismatch(i, "podHint", p.get("podHint"), o["podHint"]))
            for name, oh in (o.get("containerHints") or {}).items():
                ph = (p.get("containerHints") or {}).get(name)
                if p.get("containerHints") is None and p.get("podHint") is None:
                    ph = none_hint
                if _hint(ph) != _hint(oh):
                    mm.append(Mismatch(i, f"containerHints.{name}", ph, oh))
            if p_adm and o_adm:
                pc, oc = _cpu_entries(p), dict(o.get("containerCPUs") or {})
                if pc != oc:
                    mm.append(Mismatch(i, "containerCPUs", pc, oc))
                if (p.get("podCPUs") or "") != (o.get("podCPUs") or ""):
                    mm.append(Mismatch(i, "podCPUs", p.get("podCPUs"), o.get("podCPUs")))
                if memory:
                    pmem = _memory_entries(p)
                    omem = {
                        k: {"numaAffinity": sorted(v["numaAffinity"]), "bytes": v["bytes"]}
                        for k, v in (o.get("containerMemory") or {}).items()
                    }
                    if pmem != omem:
                        mm.append(Mismatch(i, "containerMemory", pmem, omem))
        if p["defaultCPUSet"] != o_after["defaultCPUSet"]:
            mm.append(Mismatch(i, "defaultCPUSet", p["defaultCPUSet"], o_after["defaultCPUSet"]))
        if memory:
            ps, os_ = (
                _machine_state(p.get("nodeMemory")),
                _oracle_machine_state(o_after.get("memoryMachineState")),
            )
            if ps != os_:
                mm.append(Mismatch(i, "memoryMachineState", ps, os_))
    return cmp

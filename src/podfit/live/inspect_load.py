"""``inspect``'s inputs from a bundle: the machine, the kubelet configuration, the pod list, the
PodResources answers and the checkpoint files checked as the kubelet checks them at start-up.

Every piece that cannot be used is a note (one line naming the file) and the rest goes on.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podfit.api.kubelet_config import kubelet_config_from_dict
from podfit.checkpoint.cpu import CheckpointError, decode_cpu_checkpoint
from podfit.checkpoint.devices import DeviceRestore, read_device_checkpoint
from podfit.checkpoint.memory import decode_memory_checkpoint
from podfit.errors import InputError
from podfit.io.sysfs import load_machine_path, machine_from_sysfs
from podfit.io.yamlio import parse_documents
from podfit.live.bundle import Bundle
from podfit.live.pods import LivePod, read_pods_document
from podfit.live.values import AllocatableResources, PodResources, allocatable_from_json, pods_from_json
from podfit.memory.state import MemoryState
from podfit.model.diagnostics import Diagnostic
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.release.profile import DEFAULT_RELEASE, release_profile

__all__ = ["FileCheck", "Loaded", "load", "read_checkpoints"]

CPU_FILE = "kubelet/cpu_manager_state"
MEMORY_FILE = "kubelet/memory_manager_state"
DEVICE_FILE = "kubelet/device-plugins/kubelet_internal_checkpoint"
KUBELET_PATH = "/var/lib/kubelet/"
PLRM = "PodLevelResourceManagers"
_FLAGS = (
    "--cpu-manager-policy",
    "--cpu-manager-policy-options",
    "--reserved-cpus",
    "--kube-reserved",
    "--system-reserved",
    "--reserved-memory",
    "--memory-manager-policy",
    "--topology-manager-policy",
    "--topology-manager-scope",
    "--feature-gates",
)


@dataclass(frozen=True)
class FileCheck:
    """A kubelet state file as the kubelet's start-up reads it: ``ok`` (``detail``: the format),
    ``refused`` (``detail``: the kubelet's own error text) or, for the device manager's file, which
    never stops the kubelet, ``unreadable`` (``detail``: the error and that it starts empty)."""

    name: str
    status: str
    detail: str


@dataclass
class Loaded:
    bundle: Bundle
    node_name: str
    machine: Machine | None = None
    config: KubeletConfig | None = None
    config_source: str = ""
    pods: list[LivePod] | None = None
    listed: tuple[PodResources, ...] | None = None
    allocatable: AllocatableResources | None = None
    checks: list[FileCheck] = field(default_factory=list)
    cpu_state: Any = None  # CPUState
    memory_state: MemoryState | None = None
    devices: DeviceRestore | None = None  # None: no device manager checkpoint in the bundle
    notes: list[str] = field(default_factory=list)


def _machine(bundle: Bundle, loaded: Loaded) -> None:
    sysfs = bundle.under("sysfs")
    with tempfile.TemporaryDirectory(prefix="podfit-inspect-") as tmp:
        root = Path(tmp)
        if sysfs:
            for name, data in sysfs.items():
                target = root / "sysfs" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            try:
                loaded.machine = machine_from_sysfs(root / "sysfs")
                return
            except InputError as exc:
                loaded.notes.append(f"{bundle.source}: sysfs: {exc} (trying machine.yaml)")
        captured = bundle.get("machine.yaml")
        if captured is None:
            loaded.notes.append(f"{bundle.source}: no machine topology (sysfs, machine.yaml): no CPU map")
            return
        (root / "machine.yaml").write_bytes(captured)
        try:
            loaded.machine = load_machine_path(root / "machine.yaml")
        except InputError as exc:
            loaded.notes.append(f"{bundle.source}: machine.yaml: {exc.message}")


def _config(bundle: Bundle, loaded: Loaded, version: str) -> None:
    for name in ("kubelet/config.yaml", "kubelet/configz.json"):
        data = bundle.get(name)
        if data is None:
            continue
        source = f"{bundle.source}: {name}"
        try:
            found: list[Diagnostic] = []
            docs = parse_documents(data.decode("utf-8"), source, found)
            if len(docs) != 1:
                raise InputError("", f"expected one document, found {len(docs)}")
            # read as the kubelet reads its file: what it ignores is a note, not a failure
            loaded.config = kubelet_config_from_dict(
                docs[0], release_profile(version), strict=False, warnings=found
            )
            loaded.notes.extend(f"{source}: {w.line()}" for w in found)
            loaded.config_source = name
            break
        except UnicodeDecodeError:
            loaded.notes.append(f"{source}: not UTF-8 text; ignored")
        except InputError as exc:
            loaded.notes.append(
                f"{source}: {' '.join(str(exc.under('') if exc.source else exc).split())}; ignored"
            )
    if loaded.config is None:
        loaded.notes.append(
            f"{bundle.source}: no usable kubelet configuration: the checkpoints are read with "
            "their own policy names and no restart check is made"
        )
    cmdline = bundle.get("kubelet/cmdline")
    if cmdline:
        argv = [a.decode("utf-8", "replace") for a in cmdline.split(b"\0") if a]
        flags = sorted({a.split("=", 1)[0] for a in argv if a.split("=", 1)[0] in _FLAGS})
        if flags:
            loaded.notes.append(
                f"the kubelet's command line also sets {', '.join(flags)} (flags override the "
                "config file; podfit reads the file only)"
            )


def _pods(bundle: Bundle, loaded: Loaded) -> None:
    data = bundle.get("pods.json")
    if data is None:
        return
    source = f"{bundle.source}: pods.json"
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        loaded.notes.append(f"{source}: not JSON ({exc}); ignored")
        return
    try:
        pods, notes = read_pods_document(doc, source)
    except InputError as exc:
        loaded.notes.append(f"{exc}; ignored")
        return
    loaded.notes.extend(notes)
    if loaded.node_name:
        elsewhere = [p for p in pods if p.node_name and p.node_name != loaded.node_name]
        if elsewhere:
            loaded.notes.append(f"{source}: {len(elsewhere)} pod(s) bound to other nodes; left out")
        pods = [p for p in pods if p not in elsewhere]
    loaded.pods = pods


def _podresources(bundle: Bundle, loaded: Loaded) -> None:
    for name, parse in (
        ("podresources/list.json", pods_from_json),
        ("podresources/allocatable.json", allocatable_from_json),
    ):
        data = bundle.get(name)
        if data is None:
            continue
        try:
            value = parse(json.loads(data))
        except (ValueError, UnicodeDecodeError) as exc:
            loaded.notes.append(f"{bundle.source}: {name}: not JSON ({exc}); ignored")
            continue
        except InputError as exc:
            loaded.notes.append(f"{bundle.source}: {name}: {exc}; ignored")
            continue
        if name.endswith("list.json"):
            loaded.listed = value  # type: ignore[assignment]
        else:
            loaded.allocatable = value  # type: ignore[assignment]


def _format(data: bytes) -> str:
    """Which checkpoint format the file looks like (for the report only)."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return "not JSON"
    if not isinstance(doc, dict):
        return "not a checkpoint object"
    parts = []
    if "data" in doc or "dataChecksum" in doc:
        parts.append("data + dataChecksum (newer than v1.36)")
    if "podEntries" in doc:
        parts.append("with podEntries (PodLevelResourceManagers on)")
    entries = doc.get("entries")
    if isinstance(entries, dict) and entries and all(isinstance(v, str) for v in entries.values()):
        parts.append("V1 entries by container ID")
    parts.append(f"policy {doc.get('policyName')!r}")
    return ", ".join(parts)


def _policy_of(data: bytes) -> str:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return ""
    return (
        doc.get("policyName", "") if isinstance(doc, dict) and isinstance(doc.get("policyName"), str) else ""
    )


def _other_gate(decode: Any, data: bytes, policy: str, gate: bool, path: str, version: str) -> str:
    """A hint when the file reads with the pod-level gate flipped (written by a kubelet whose
    PodLevelResourceManagers gate differed: a version or configuration change)."""
    try:
        decode(data, policy_name=policy, pod_level_gate=not gate, path=path, version=version)
    except CheckpointError:
        return ""
    state = "on" if not gate else "off"
    return f" [podfit: the file reads with {PLRM} {state}: written by a kubelet with that gate {state}]"


def read_checkpoints(
    bundle: Bundle, config: KubeletConfig | None, version: str | None = None
) -> tuple[list[FileCheck], Any, MemoryState | None]:
    """Both managers' files read as the kubelet of release ``version`` (default: the
    configuration's release) with ``config`` reads them at start-up (without a configuration: with
    the file's own policy name, the pod-level gate on)."""
    if version is None:
        version = config.release.version if config is not None else DEFAULT_RELEASE
    checks: list[FileCheck] = []
    gate = config.feature_gates.enabled(PLRM) if config is not None else True
    states: list[Any] = [None, None]
    files: tuple[tuple[str, Any, str | None], ...] = (
        (CPU_FILE, decode_cpu_checkpoint, config.cpu_manager_policy if config else None),
        (MEMORY_FILE, decode_memory_checkpoint, config.memory_manager_policy if config else None),
    )
    for i, (name, decode, configured) in enumerate(files):
        data = bundle.get(name)
        if data is None:
            continue
        policy = configured if configured is not None else _policy_of(data)
        path = KUBELET_PATH + name.split("/", 1)[1]
        try:
            states[i] = decode(data, policy_name=policy, pod_level_gate=gate, path=path, version=version)
        except CheckpointError as exc:
            other = _other_gate(decode, data, policy, gate, path, version)
            checks.append(FileCheck(name, "refused", exc.message + other))
            continue
        checks.append(FileCheck(name, "ok", f"checksum verified; {_format(data)}"))
    return checks, states[0], states[1]


def read_device_file(
    bundle: Bundle, version: str = DEFAULT_RELEASE
) -> tuple[FileCheck | None, DeviceRestore | None]:
    """The device manager's checkpoint as its start-up reads it (``None``: not in the bundle)."""
    data = bundle.get(DEVICE_FILE)
    if data is None:
        return None, None
    restored = read_device_checkpoint(data, version=version)
    status = "ok" if restored.error is None else "unreadable"
    return FileCheck(DEVICE_FILE, status, restored.diagnosis()), restored


def load(
    bundle: Bundle,
    *,
    machine: Machine | None = None,
    config: KubeletConfig | None = None,
    version: str = DEFAULT_RELEASE,
) -> Loaded:
    """Everything ``inspect`` reads from ``bundle`` (``machine`` / ``config`` override the bundle's)
    as the kubelet of release ``version`` reads it (its configuration fields and gates, its
    checkpoint formats)."""
    node = bundle.manifest.get("node")
    loaded = Loaded(bundle, node if isinstance(node, str) else "")
    loaded.notes.extend(bundle.notes)
    for name, reason in bundle.missing().items():
        loaded.notes.append(f"not captured: {name}: {reason}")
    if machine is not None:
        loaded.machine = machine
    else:
        _machine(bundle, loaded)
    if config is not None:
        loaded.config, loaded.config_source = config, "--kubelet-config"
    else:
        _config(bundle, loaded, version)
    _pods(bundle, loaded)
    _podresources(bundle, loaded)
    loaded.checks, loaded.cpu_state, loaded.memory_state = read_checkpoints(bundle, loaded.config, version)
    check, loaded.devices = read_device_file(bundle, version)
    if check is not None:
        loaded.checks.append(check)
    return loaded

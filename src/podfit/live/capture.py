"""``capture-node``: collect, read-only, what a node's kubelet knows — sysfs topology, the
managers' checkpoint files, the kubelet configuration (and command line), the PodResources answers,
optionally the node's pod list — as bundle files plus a manifest. A missing piece is a manifest
entry with its reason, never a failure.

Host paths (``kubelet_dir``, ``kubelet_config``, ``socket``) are read below ``root`` (``/host`` in
``kubectl debug node/NAME``); ``configz`` and ``pods`` are local files.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podfit import __version__
from podfit.errors import InputError
from podfit.io.yaml_out import safe_dump
from podfit.live.bundle import BUNDLE_FORMAT, MAX_FILE_BYTES, ManifestItem

__all__ = ["CaptureOptions", "capture_node", "kubelet_config_flag", "sysfs_files"]

_SYSFS_FILES = (
    "devices/system/cpu/online",
    "devices/system/cpu/cpu*[0-9]/topology/core_id",
    "devices/system/cpu/cpu*[0-9]/topology/physical_package_id",
    "devices/system/cpu/cpu*[0-9]/cache/index*/level",
    "devices/system/cpu/cpu*[0-9]/cache/index*/id",
    "devices/system/cpu/cpu*[0-9]/cache/index*/shared_cpu_map",
    "devices/system/cpu/cpu*[0-9]/cache/index*/shared_cpu_list",
    "devices/system/node/node*[0-9]/cpulist",
    "devices/system/node/node*[0-9]/meminfo",
    "devices/system/node/node*[0-9]/distance",
    "devices/system/node/node*[0-9]/hugepages/hugepages-*/nr_hugepages",
)
_SYSFS_MARKERS = "devices/system/node/node*[0-9]/cpu*[0-9]"  # links to the node's CPUs: names only
_STATE_FILES = ("cpu_manager_state", "memory_manager_state", "device-plugins/kubelet_internal_checkpoint")


@dataclass
class CaptureOptions:
    root: Path = Path("/")
    kubelet_dir: str = "/var/lib/kubelet"
    kubelet_config: str | None = None  # None: the running kubelet's --config, else <kubelet_dir>/config.yaml
    configz: Path | None = None
    socket: str | None = None  # None: <kubelet_dir>/pod-resources/kubelet.sock
    pods: Path | None = None
    timeout: float = 5.0
    node_name: str | None = None
    podresources: bool = True


@dataclass
class _Capture:
    files: dict[str, bytes] = field(default_factory=dict)
    items: list[ManifestItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def found(self, name: str, data: bytes, source: str) -> None:
        self.files[name] = data
        self.items.append(ManifestItem(name, "found", source, size=len(data)))

    def missing(self, name: str, source: str, reason: str) -> None:
        self.items.append(ManifestItem(name, "missing", source, reason))


def _host(opts: CaptureOptions, path: str) -> Path:
    return opts.root / path.lstrip("/")


def _read(path: Path) -> tuple[bytes | None, str]:
    """The file's bytes, or ``None`` and why not."""
    try:
        if not path.exists():
            return None, "no such file"
        if path.is_dir():
            return None, "is a directory"
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, f"{size} bytes, over the {MAX_FILE_BYTES} byte limit"
        return path.read_bytes(), ""
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"


def sysfs_files(sys_root: Path) -> dict[str, bytes]:
    """The sysfs files podfit's topology reader uses (``devices/system/...``, relative names);
    a node directory's CPU links become empty marker files."""
    out: dict[str, bytes] = {}
    for pattern in _SYSFS_FILES:
        for path in sorted(sys_root.glob(pattern)):
            data, _ = _read(path)
            if data is not None:
                out[path.relative_to(sys_root).as_posix()] = data
    for path in sorted(sys_root.glob(_SYSFS_MARKERS)):
        out[path.relative_to(sys_root).as_posix()] = b""
    return out


def _capture_sysfs(opts: CaptureOptions, cap: _Capture) -> None:
    from podfit.io.sysfs import capture_machine

    sys_root = _host(opts, "/sys")
    files = sysfs_files(sys_root)
    if not files:
        cap.missing("sysfs", str(sys_root), "no devices/system/cpu files")
        return
    for name, data in files.items():
        cap.files[f"sysfs/{name}"] = data
    cap.items.append(ManifestItem("sysfs", "found", str(sys_root), size=sum(map(len, files.values()))))
    try:
        machine = capture_machine(sys_root)
    except InputError as exc:
        cap.missing("machine.yaml", str(sys_root), f"topology not readable: {exc}")
        return
    text = safe_dump({"node": machine}, sort_keys=False, default_flow_style=None)
    cap.found("machine.yaml", text.encode(), str(sys_root))


def kubelet_config_flag(argv: list[str]) -> str | None:
    """The value of ``--config`` on a kubelet command line."""
    for i, arg in enumerate(argv):
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
        if arg == "--config" and i + 1 < len(argv):
            return argv[i + 1]
    return None


def _kubelet_cmdline(opts: CaptureOptions) -> list[str] | None:
    proc = _host(opts, "/proc")
    try:
        entries = sorted(p for p in proc.iterdir() if p.name.isdigit())
    except OSError:
        return None
    for entry in entries:
        try:
            raw = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        argv = [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]
        if argv and Path(argv[0]).name == "kubelet":
            return argv
    return None


def _capture_config(opts: CaptureOptions, cap: _Capture) -> None:
    argv = _kubelet_cmdline(opts)
    if argv is not None:
        cap.found("kubelet/cmdline", ("\0".join(argv) + "\0").encode(), "/proc/<kubelet>/cmdline")
    else:
        cap.missing("kubelet/cmdline", str(_host(opts, "/proc")), "no kubelet process found")
    path = opts.kubelet_config or (argv and kubelet_config_flag(argv)) or f"{opts.kubelet_dir}/config.yaml"
    source = _host(opts, path)
    data, why = _read(source)
    if data is not None:
        cap.found("kubelet/config.yaml", data, str(source))
    else:
        cap.missing("kubelet/config.yaml", str(source), why)
    if opts.configz is not None:
        data, why = _read(opts.configz)
        if data is not None:
            cap.found("kubelet/configz.json", data, str(opts.configz))
        else:
            cap.missing("kubelet/configz.json", str(opts.configz), why)


def _capture_state(opts: CaptureOptions, cap: _Capture) -> None:
    for name in _STATE_FILES:
        source = _host(opts, f"{opts.kubelet_dir}/{name}")
        data, why = _read(source)
        if data is not None:
            cap.found(f"kubelet/{name}", data, str(source))
        else:
            cap.missing(f"kubelet/{name}", str(source), why)


def _json(message: Any) -> bytes:
    from google.protobuf import json_format

    return (json.dumps(json_format.MessageToDict(message), indent=2, sort_keys=True) + "\n").encode()


def _capture_podresources(opts: CaptureOptions, cap: _Capture) -> None:
    from podfit.live.client import PodResourcesClient, PodResourcesUnavailable

    socket = _host(opts, opts.socket or f"{opts.kubelet_dir}/pod-resources/kubelet.sock")
    try:
        client = PodResourcesClient(socket, opts.timeout)
    except InputError as exc:  # the 'live' extra is missing
        cap.missing("podresources", str(socket), str(exc))
        return
    with client:
        try:
            client.connect()
        except PodResourcesUnavailable as exc:
            cap.missing("podresources", str(socket), str(exc))
            return
        for name, call in (("list", client.list), ("allocatable", client.allocatable)):
            try:
                reply = call()
            except PodResourcesUnavailable as exc:
                cap.missing(f"podresources/{name}.json", str(socket), str(exc))
                continue
            cap.found(f"podresources/{name}.json", _json(reply), str(socket))
            cap.files[f"podresources/{name}.pb"] = reply.SerializeToString()
            if name == "list":
                _capture_gets(client, reply, cap, str(socket))


def _capture_gets(client: Any, listed: Any, cap: _Capture, socket: str) -> None:
    from podfit.live.client import PodResourcesUnavailable

    for pod in listed.pod_resources:
        name = f"podresources/get/{pod.namespace}/{pod.name}.json"
        try:
            reply = client.get(pod.namespace, pod.name)
        except PodResourcesUnavailable as exc:
            cap.missing(name, socket, str(exc))
            continue
        cap.found(name, _json(reply), socket)


def _capture_pods(opts: CaptureOptions, cap: _Capture) -> None:
    if opts.pods is None:
        cap.missing(
            "pods.json", "", "not given (kubectl get pods -A -o json --field-selector spec.nodeName=N)"
        )
        return
    data, why = _read(opts.pods)
    if data is None:
        cap.missing("pods.json", str(opts.pods), why)
        return
    cap.found("pods.json", data, str(opts.pods))


def _node_name(opts: CaptureOptions) -> str:
    if opts.node_name:
        return opts.node_name
    data, _ = _read(_host(opts, "/etc/hostname"))
    return data.decode("utf-8", "replace").strip() if data else ""


def capture_node(opts: CaptureOptions) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The bundle's files and its manifest."""
    cap = _Capture()
    _capture_sysfs(opts, cap)
    _capture_state(opts, cap)
    _capture_config(opts, cap)
    if opts.podresources:
        _capture_podresources(opts, cap)
    else:
        cap.missing("podresources", "", "not asked for (--no-podresources)")
    _capture_pods(opts, cap)
    manifest = {
        "format": BUNDLE_FORMAT,
        "podfitVersion": __version__,
        "capturedAt": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "node": _node_name(opts),
        "root": str(opts.root),
        "timeoutSeconds": opts.timeout,
        "items": [i.to_json() for i in cap.items],
        "notes": cap.notes,
    }
    return cap.files, manifest

"""Node bundles: what ``capture-node`` collected, as a ``.tar.gz`` (or the same tree as a
directory), with ``MANIFEST.json`` saying what was found, what was missing and why.

Writing is atomic (:func:`podfit.io.files.write_atomic`): the archive goes to a temporary file
next to the target (fsync'ed), which is then renamed over it, so a writer killed at any moment
leaves the old file or the new one (and at worst a ``.<name>.*.podfit-tmp`` file, which the next
write removes).

Reading takes a bundle, a bundle directory, or a plain directory such as ``simulate
--checkpoint-dir`` output or ``/var/lib/kubelet``. Damage is reported, not raised: a truncated
archive keeps the members read before the damage, an oversized or unreadable file becomes a note.
Only an archive that yields nothing at all is an :class:`~podfit.errors.InputError` (exit 2).
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from podfit.errors import InputError
from podfit.io.files import TMP_SUFFIX, write_atomic

__all__ = [
    "BUNDLE_FORMAT",
    "MAX_FILE_BYTES",
    "Bundle",
    "ManifestItem",
    "read_bundle",
    "write_bundle",
]

BUNDLE_FORMAT = "podfit-node-bundle/v1"
MANIFEST = "MANIFEST.json"
MAX_FILE_BYTES = 64 * 1024 * 1024
"""A file larger than this is not read (a kubelet state file is kilobytes; 100 MB is damage)."""

# Where a plain directory keeps the pieces (``simulate --checkpoint-dir`` writes the first two).
_PLAIN_NAMES: Mapping[str, str] = {
    "cpu_manager_state": "kubelet/cpu_manager_state",
    "memory_manager_state": "kubelet/memory_manager_state",
    "device-plugins/kubelet_internal_checkpoint": "kubelet/device-plugins/kubelet_internal_checkpoint",
    "config.yaml": "kubelet/config.yaml",
    "kubelet-config.yaml": "kubelet/config.yaml",
    "configz.json": "kubelet/configz.json",
    "pods.json": "pods.json",
    "machine.yaml": "machine.yaml",
    "node.yaml": "machine.yaml",
}


@dataclass(frozen=True)
class ManifestItem:
    """One piece a capture looked for: ``status`` is ``found`` or ``missing`` (then ``reason``)."""

    name: str
    status: str
    source: str = ""
    reason: str = ""
    size: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status}
        if self.source:
            out["source"] = self.source
        if self.reason:
            out["reason"] = self.reason
        if self.size is not None:
            out["bytes"] = self.size
        return out


@dataclass
class Bundle:
    """The files of a bundle (name -> bytes), its manifest (``{}`` for a plain directory) and the
    notes taken while reading it."""

    source: str
    files: dict[str, bytes] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def get(self, name: str) -> bytes | None:
        return self.files.get(name)

    def under(self, prefix: str) -> dict[str, bytes]:
        """The files below ``prefix/`` (names relative to it)."""
        p = prefix.rstrip("/") + "/"
        return {n[len(p) :]: data for n, data in self.files.items() if n.startswith(p)}

    def missing(self) -> dict[str, str]:
        """What the capture looked for and did not find: name -> reason."""
        items = self.manifest.get("items") if isinstance(self.manifest, Mapping) else None
        out: dict[str, str] = {}
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and item.get("status") != "found":
                out[str(item.get("name"))] = str(item.get("reason", ""))
        return out


# ----- writing ---------------------------------------------------------------------------------
def _archive(files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> bytes:
    buf = io.BytesIO()
    # mtime 0 and sorted names: the same capture gives the same bytes
    with (
        gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        members = {MANIFEST: (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode(), **files}
        for name in sorted(members):
            data = members[name]
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def write_bundle(target: Path, files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> Path:
    """Write the bundle ``target`` (``.tar.gz``) atomically."""
    return write_atomic(target, _archive(files, manifest))


# ----- reading ---------------------------------------------------------------------------------
def _safe_name(name: str) -> str | None:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        return None
    return str(p)


def _read_archive(path: Path, data: bytes) -> Bundle:
    bundle = Bundle(str(path))
    try:
        tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 (closed below)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        why = "not gzip data" if not data.startswith(b"\x1f\x8b") else " ".join(str(exc).split()[:12])
        raise InputError("", f"not a readable bundle (a .tar.gz): {why}", str(path)) from None
    try:
        while True:
            try:
                member = tar.next()
            except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
                bundle.notes.append(f"{path}: archive damaged after {len(bundle.files)} file(s) ({exc})")
                break
            if member is None:
                break
            name = _safe_name(member.name)
            if member.isdir():
                continue
            if name is None or not member.isfile():
                bundle.notes.append(f"{path}: {member.name}: skipped (not a plain file inside the bundle)")
                continue
            if member.size > MAX_FILE_BYTES:
                bundle.notes.append(
                    f"{path}: {name}: {member.size} bytes, over the {MAX_FILE_BYTES} byte limit; skipped"
                )
                continue
            try:
                f = tar.extractfile(member)
                content = f.read() if f is not None else b""
            except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
                bundle.notes.append(f"{path}: {name}: truncated ({exc})")
                break
            bundle.files[name] = content
    finally:
        tar.close()
    if not bundle.files:
        raise InputError("", "the bundle holds no readable file", str(path))
    _load_manifest(bundle)
    return bundle


def _load_manifest(bundle: Bundle) -> None:
    raw = bundle.files.pop(MANIFEST, None)
    if raw is None:
        bundle.notes.append(f"{bundle.source}: no {MANIFEST} (read as a plain set of files)")
        return
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        bundle.notes.append(f"{bundle.source}: {MANIFEST}: not JSON ({exc}); ignored")
        return
    if not isinstance(doc, dict) or doc.get("format") != BUNDLE_FORMAT:
        bundle.notes.append(f"{bundle.source}: {MANIFEST}: not a {BUNDLE_FORMAT} manifest; ignored")
        return
    bundle.manifest = doc


def _read_file(path: Path, bundle: Bundle) -> bytes | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            bundle.notes.append(f"{path}: {size} bytes, over the {MAX_FILE_BYTES} byte limit; skipped")
            return None
        return path.read_bytes()
    except OSError as exc:
        bundle.notes.append(f"{path}: cannot read: {exc.strerror or exc}")
        return None


def _read_directory(path: Path) -> Bundle:
    bundle = Bundle(str(path))
    if (path / MANIFEST).is_file():  # an unpacked bundle
        for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.endswith(TMP_SUFFIX)):
            data = _read_file(file, bundle)
            if data is not None:
                bundle.files[file.relative_to(path).as_posix()] = data
        _load_manifest(bundle)
        return bundle
    for plain, name in _PLAIN_NAMES.items():  # a kubelet root dir or a --checkpoint-dir
        candidate = path / plain
        if candidate.is_file() and name not in bundle.files:
            data = _read_file(candidate, bundle)
            if data is not None:
                bundle.files[name] = data
    for sub in ("podresources", "sysfs"):
        if (path / sub).is_dir():
            for file in sorted(p for p in (path / sub).rglob("*") if p.is_file()):
                data = _read_file(file, bundle)
                if data is not None:
                    bundle.files[file.relative_to(path).as_posix()] = data
    if not bundle.files:
        raise InputError("", "no bundle and no kubelet state file (cpu_manager_state, ...) here", str(path))
    return bundle


def read_bundle(path: Path) -> Bundle:
    """The bundle at ``path`` (a ``.tar.gz`` file or a directory)."""
    if path.is_dir():
        return _read_directory(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("", "no such file or directory", str(path)) from None
    if size == 0:
        raise InputError("", "empty file (not a bundle)", str(path))
    if size > MAX_FILE_BYTES * 4:
        raise InputError("", f"{size} bytes: too large for a node bundle", str(path))
    return _read_archive(path, path.read_bytes())

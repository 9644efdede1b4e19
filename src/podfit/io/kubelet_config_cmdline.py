"""The kubelet's command-line flags as the files users find them in: kubeadm's
``/var/lib/kubelet/kubeadm-flags.env`` (``KUBELET_KUBEADM_ARGS="--…"``), ``/etc/default/kubelet``
and ``/etc/sysconfig/kubelet`` (``KUBELET_EXTRA_ARGS=…``; AKS writes every flag there as
``KUBELET_FLAGS=…``), a systemd unit or drop-in (``ExecStart=/usr/bin/kubelet --…``,
``Environment="KUBELET_EXTRA_ARGS=…"``), or a command line as ``ps`` shows it.

The flags podfit reads become KubeletConfiguration fields (:mod:`podfit.api.kubelet_flags`), over
every field at its default; ``--config FILE`` names a file that is not in this one (a note says
so: give that file as well to read it).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any, Final

from podfit.api.kubelet_flags import flags_from_args
from podfit.io.kubelet_config_forms import with_flags
from podfit.model.kubelet_config import API_VERSION, KIND

__all__ = ["from_command_line", "looks_like_flags"]

_FLAG: Final = re.compile(r"(?:^|[\s\"'=])--[a-z][a-z0-9-]+")
_ASSIGNMENT: Final = re.compile(r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=(.*)$")


def looks_like_flags(text: str) -> bool:
    """Whether ``text`` holds kubelet flags rather than a YAML/JSON object."""
    return len(_FLAG.findall(text)) >= 1 and not text.lstrip().startswith(("{", "apiVersion", "kind"))


def _tokens(text: str) -> list[str]:
    """The shell words of every line, with continuation lines joined; ``KEY=value`` (environment
    files, ``Environment=``, ``ExecStart=``) gives the value's words."""
    joined = re.sub(r"\\\r?\n", " ", text)
    words: list[str] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        match = _ASSIGNMENT.match(line)
        body = match.group(1) if match else line
        parts = _split(body)
        for part in parts:
            inner = _ASSIGNMENT.match(part)
            if inner and "--" in inner.group(1):  # Environment="KUBELET_EXTRA_ARGS=--a=b --c=d"
                part = inner.group(1)
            # a quoted value holds words: $KUBELET_KUBEADM_ARGS is split again where it is used
            words.extend(_split(part) if any(c.isspace() for c in part) else [part])
    return words


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _flags(words: list[str]) -> list[str]:
    """``--name=value`` and ``--name value`` words as ``name=value`` (a flag with no value: true)."""
    args: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if not word.startswith("--") or len(word) < 3:
            continue
        name, found, value = word[2:].partition("=")
        if not found:
            if i < len(words) and not words[i].startswith("-"):
                value = words[i]
                i += 1
            else:
                value = "true"
        if "$" in value:  # ${KUBELET_EXTRA_ARGS}: an environment variable this file does not set
            continue
        args.append(f"{name}={value}")
    return args


def from_command_line(text: str, source: str, notes: list[str]) -> Mapping[str, Any]:
    """The KubeletConfiguration the kubelet flags in ``text`` make (see the module docstring)."""
    flags = flags_from_args(_flags(_tokens(text)))
    path = flags.pop("config", None)
    notes.append(f"{source}: kubelet command-line flags: every other field at its default")
    if path is not None:
        notes.append(
            f"{source}: --config {path}: that file is not in this one; flags override it on the node"
        )
    config = {"apiVersion": API_VERSION, "kind": KIND}
    return with_flags(config, flags, "the command line", source, notes)  # type: ignore[no-any-return]

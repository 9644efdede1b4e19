"""The certificate watcher: a changed, valid pair asks for a reload once; a half-written pair waits."""

from __future__ import annotations

from pathlib import Path

import pytest

trustme = pytest.importorskip("trustme")

from podfit.webhook.server import CertWatcher  # noqa: E402


def _write(ca: object, cert: Path, key: Path) -> None:
    issued = ca.issue_cert("localhost")  # type: ignore[attr-defined]
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))


def test_reload_only_for_a_changed_valid_pair(tmp_path: Path) -> None:
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    ca = trustme.CA()
    _write(ca, cert, key)
    calls: list[int] = []
    watcher = CertWatcher(cert, key, 60, lambda: calls.append(1))
    assert not watcher.check() and calls == []  # nothing changed
    other = trustme.CA().issue_cert("localhost")
    other.cert_chain_pems[0].write_to_path(str(cert))  # the new certificate, the old key: not a pair yet
    assert not watcher.check() and calls == []
    other.private_key_pem.write_to_path(str(key))
    assert watcher.check() and calls == [1]
    assert not watcher.check() and calls == [1]  # seen
    key.unlink()
    assert not watcher.check() and calls == [1]  # a missing file waits

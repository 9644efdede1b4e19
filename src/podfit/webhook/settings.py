"""What one webhook server is started with; handed to each worker process through the environment."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import Final

__all__ = ["ENV", "ServeSettings"]

ENV: Final = "PODFIT_WEBHOOK_SETTINGS"


@dataclass(frozen=True)
class ServeSettings:
    policy: str  # path of the policy file
    cert: str | None = None  # TLS certificate chain (PEM); None = plain HTTP (tests, local tries)
    key: str | None = None  # its private key (PEM)
    host: str = "0.0.0.0"
    port: int = 8443
    workers: int = 1
    threads: int = 4  # evaluation threads per worker (the deadline cuts a slow one loose)
    cache_size: int = 4096  # evaluations kept per worker, keyed by the pod's spec
    cert_check_seconds: float = 10.0  # how often the certificate files are checked for changes
    max_body_bytes: int = 3 * 1024 * 1024
    log_level: str = "warning"

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ServeSettings:
        raw = os.environ.get(ENV)
        if not raw:
            raise RuntimeError(f"{ENV} is not set: start the webhook with `podfit webhook serve`")
        return cls(**json.loads(raw))

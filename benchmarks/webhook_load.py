"""Load test of ``podfit webhook serve`` on loopback (127.0.0.1) only, with TLS, driven by Debian's
``hey`` (count-bounded; ``--http2``; ``--rate`` caps the total requests per second) or ``wrk``
(HTTP/1.1; a Lua script stops each thread after its share of ``--requests``).

    python -m benchmarks.webhook_load                       # 100,000 reviews, 16 connections, 2 workers
    python -m benchmarks.webhook_load --rate 2000 --http2   # latency at 2,000 reviews/s over HTTP/2
    python -m benchmarks.webhook_load --tool wrk --cache-size 0   # every review evaluated (no cache)

Reports reviews/s, p50/p99 latency, errors (transport errors and non-200 answers) and the server's
resident memory (all its processes) after a warm-up and after the run, and writes them as JSON
(``--out``). A benchmark, not a test: targets are reported, never asserted. Bounded: ``--requests``
requests and ``--timeout`` seconds, after which the load tool is stopped.

hey sends the request's Host (with its port) as the TLS server name, which rustls refuses
("illegal parameter"); ``-host localhost`` makes it a host name the test certificate holds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "examples" / "webhook" / "policy.yaml"
SCENARIO = ROOT / "examples" / "kep5526-tightly-coupled-database.yaml"


def review_body() -> bytes:
    """A realistic AdmissionReview: the KEP-5526 database pod (its answer carries warnings)."""
    pod = yaml.safe_load(SCENARIO.read_text())["events"][0]["add"]
    review = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "0d6f7c1e-4b36-4a4e-9a55-6c7f1e2b3c4d",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE",
            "namespace": "default",
            "name": pod["metadata"]["name"],
            "object": pod,
        },
    }
    return json.dumps(review).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certs(tmp: Path) -> tuple[Path, Path, Path]:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    paths = (tmp / "tls.crt", tmp / "tls.key", tmp / "ca.crt")
    cert.cert_chain_pems[0].write_to_path(str(paths[0]))
    cert.private_key_pem.write_to_path(str(paths[1]))
    ca.cert_pem.write_to_path(str(paths[2]))
    return paths


def tree_rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants (KiB), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_ready(url: str, ca: Path, timeout: float) -> None:
    import httpx

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            verify = ssl.create_default_context(cafile=str(ca))
            if httpx.get(url + "/readyz", verify=verify, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the webhook did not become ready within {timeout:g}s")


def run_hey(url: str, body: Path, n: int, c: int, rate: float, http2: bool, timeout: float) -> dict[str, Any]:
    cmd = ["hey", "-n", str(n), "-c", str(c), "-m", "POST", "-T", "application/json", "-D", str(body)]
    cmd += ["-host", "localhost", "-t", "10"]
    if rate:
        cmd += ["-q", f"{rate / c:.3f}"]
    if http2:
        cmd.append("-h2")
    out = subprocess.run([*cmd, url + "/validate"], capture_output=True, text=True, timeout=timeout).stdout
    codes = {int(k): int(v) for k, v in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    errors = sum(int(v) for v in re.findall(r"^\s+\[(\d+)\]\s+\w+ \"", out, re.M))
    pct = {p: float(v) * 1000 for p, v in re.findall(r"(\d+)% in ([\d.]+) secs", out)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {
        "tool": "hey",
        "protocol": "HTTP/2" if http2 else "HTTP/1.1",
        "reviews_per_s": rps,
        "p50_ms": pct.get("50"),
        "p99_ms": pct.get("99"),
        "ok": codes.get(200, 0),
        "errors": errors + sum(v for k, v in codes.items() if k != 200),
        "raw": out,
    }


_WRK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open(os.getenv("PODFIT_BODY"), "rb"); wrk.body = f:read("*a"); f:close()
local limit = tonumber(os.getenv("PODFIT_PER_THREAD"))
local seen, bad = 0, 0
function response(status, headers, body)
  seen = seen + 1
  if status ~= 200 then bad = bad + 1 end
  if seen >= limit then wrk.thread:stop() end
end
function done(summary, latency, requests)
  io.write(string.format("PODFIT requests=%d p50_us=%d p99_us=%d errors=%d timeouts=%d non2xx=%d secs=%f\\n",
    summary.requests, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status,
    summary.errors.timeout, summary.errors.status, summary.duration / 1e6))
end
"""


def run_wrk(url: str, body: Path, n: int, c: int, seconds: float) -> dict[str, Any]:
    """wrk for ``seconds`` (each thread stops sending after its share of ``n``; wrk still waits out
    the duration, so the rate is the count over the whole duration: a lower bound then)."""
    script = body.with_suffix(".lua")
    script.write_text(_WRK_LUA)
    threads = 1
    env = {**os.environ, "PODFIT_BODY": str(body), "PODFIT_PER_THREAD": str(n // threads)}
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(c),
        "-d",
        f"{max(1, int(seconds))}s",
        "--latency",
        "-s",
        str(script),
    ]
    out = subprocess.run(
        [*cmd, url + "/validate"], capture_output=True, text=True, env=env, timeout=seconds + 30
    ).stdout
    m = re.search(
        r"PODFIT requests=(\d+) p50_us=(\d+) p99_us=(\d+) errors=(\d+) timeouts=(\d+)"
        r" non2xx=(\d+) secs=([\d.]+)",
        out,
    )
    if m is None:
        raise SystemExit("wrk printed no summary:\n" + out)
    requests, p50, p99, errors, timeouts, _, secs = m.groups()
    return {
        "tool": "wrk",
        "protocol": "HTTP/1.1",
        "reviews_per_s": int(requests) / float(secs),
        "p50_ms": int(p50) / 1000,
        "p99_ms": int(p99) / 1000,
        "ok": int(requests) - int(errors),
        "errors": int(errors) + int(timeouts),
        "raw": out,
    }


def _stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument(
        "--rate", type=float, default=0, help="total requests/s (hey only; 0 = as fast as it goes)"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tool", choices=("hey", "wrk"), default="hey")
    ap.add_argument("--http2", action="store_true", help="hey over HTTP/2 (default HTTP/1.1)")
    ap.add_argument("--cache-size", type=int, default=4096, help="0: every review is evaluated")
    ap.add_argument("--timeout", type=float, default=300, help="seconds before hey is stopped")
    ap.add_argument("--seconds", type=float, default=20, help="wrk: the run's duration")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "webhook-report.json")
    args = ap.parse_args(argv)
    if shutil.which(args.tool) is None:
        print(f"{args.tool} is not installed (Debian: apt-get install {args.tool})", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="podfit-load-") as tmpdir:
        tmp = Path(tmpdir)
        cert, key, ca = make_certs(tmp)
        body = tmp / "review.json"
        body.write_bytes(review_body())
        port = free_port()
        url = f"https://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "podfit.cli.main", "webhook", "serve", "--policy", str(POLICY)]
        cmd += ["--cert", str(cert), "--key", str(key), "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--workers", str(args.workers), "--cache-size", str(args.cache_size)]
        server = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped benchmark stops its server
        try:
            wait_ready(url, ca, 30)
            warm = max(1000, args.requests // 20)
            if args.tool == "hey":
                run_hey(url, body, warm, args.concurrency, 0, args.http2, args.timeout)
            else:
                run_wrk(url, body, warm, args.concurrency, 3)
            rss_before = tree_rss_kib(server.pid)
            if args.tool == "hey":
                result = run_hey(
                    url, body, args.requests, args.concurrency, args.rate, args.http2, args.timeout
                )
            else:
                result = run_wrk(url, body, args.requests, args.concurrency, args.seconds)
            rss_after = tree_rss_kib(server.pid)
        finally:
            _stop(server)
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "result": {k: v for k, v in result.items() if k != "raw"},
        "rss_kib_before": rss_before,
        "rss_kib_after": rss_after,
        "targets": {"reviews_per_s": ">= 2000", "p99_ms": "<= 20", "errors": "0", "memory": "flat"},
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    r = report["result"]
    print(
        f"{r['tool']} {r['protocol']} workers={args.workers} c={args.concurrency} cache={args.cache_size}: "
        f"{r['reviews_per_s']:.0f} reviews/s, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, "
        f"{r['ok']} ok, {r['errors']} errors; RSS {rss_before / 1024:.1f} -> {rss_after / 1024:.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Regenerate podfit's PodResources gRPC modules from src/podfit/live/podresources/api.proto
# (podfit's own .proto, wire-compatible with the kubelet's v1 API). Needs grpcio-tools
# (pip install -e '.[dev]'). The generated files are committed; tests/live/test_proto.py checks
# they equal a fresh generation.
#
#   tools/gen_podresources.sh [PYTHON] [OUTDIR]
#
# PYTHON defaults to .venv/bin/python (else python3); OUTDIR to src (the tree the proto path is
# relative to, so the generated imports read `from podfit.live.podresources import api_pb2`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-}"
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
OUT="${2:-src}"
"$PY" -m grpc_tools.protoc -I src \
  --python_out="$OUT" --pyi_out="$OUT" --grpc_python_out="$OUT" \
  podfit/live/podresources/api.proto

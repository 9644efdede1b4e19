#!/bin/bash
# Build the CPU / memory checkpoint probe inside each release's vendored kubelet tree (README.md).
# usage: build.sh WORKDIR RELEASE...   (WORKDIR/ms-<release> holds go.mod, go.sum and vendor/)
set -e
W=$1; shift
HERE=$(cd "$(dirname "$0")" && pwd)
export GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 GOTELEMETRY=off
# the v1.33 - v1.36 kubelets were built with Go 1.24 - 1.26, whose encoding/json is the v1 decoder
export GOEXPERIMENT=nojsonv2
export GOCACHE=$W/gocache GOPATH=$W/gopath
for REL in "$@"; do
  case $REL in 1.33) TAG=k133;; 1.34) TAG=k134;; 1.36) TAG=k136;; *) TAG="";; esac
  D=$W/ms-$REL
  mkdir -p "$D/cmd/ckprobe" && rm -f "$D"/cmd/ckprobe/*.go && cp "$HERE"/*.go "$D/cmd/ckprobe/"
  (cd "$D" && go build -p 1 -tags "$TAG" -o "$W/ckprobe-$REL" ./cmd/ckprobe)
  echo "built $W/ckprobe-$REL"
done

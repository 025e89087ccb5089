#!/usr/bin/env bash
# Builds self-contained releases of the appliance.
#   deploy/publish.sh [linux-x64|linux-arm64] [--gpu]
# --gpu swaps in the CUDA build of ONNX Runtime (OnnxRuntimeFlavor=Gpu); it must be available in the package source.
set -euo pipefail
cd "$(dirname "$0")/.."
rid=${1:-linux-x64}
flavor=Cpu
[ "${2:-}" = "--gpu" ] && flavor=Gpu
out=.artifacts/publish/$rid
dotnet publish src/InterPositive.Host -c Release -r "$rid" --self-contained true \
  -p:PublishProfile="$rid" -p:OnnxRuntimeFlavor="$flavor" -o "$out"
cp README.md "$out/"
echo "published to $out"

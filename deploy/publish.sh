#!/usr/bin/env bash
# Builds self-contained releases of the appliance.
#   deploy/publish.sh [linux-x64|linux-arm64] [--cpu]
# The appliance ships ONNX Runtime's GPU build (CUDA and TensorRT providers when their libraries are installed, the CPU
# provider otherwise); --cpu builds with the CPU-only package instead (OnnxRuntimeFlavor=Cpu), for boxes without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
rid=${1:-linux-x64}
flavor=Gpu
[ "${2:-}" = "--cpu" ] && flavor=Cpu
out=.artifacts/publish/$rid
dotnet publish src/InterPositive.Host -c Release -r "$rid" --self-contained true \
  -p:PublishProfile="$rid" -p:OnnxRuntimeFlavor="$flavor" -o "$out"
cp README.md "$out/"
echo "published to $out"

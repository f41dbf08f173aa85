#!/usr/bin/env bash
# The trainer's GPU measurement as one prepared command for a lent GPU machine that has no Node
# (docs/PERFORMANCE.md, "Measuring on a lent GPU"). Two steps:
#
#   scripts/gpu_bench.sh prepare   here: .gpu/ (git-ignored) with Node (xz), the training bundle
#                                  (tar.xz, scripts/bundle_training.ts) and the Vulkan loader (.deb)
#   scripts/gpu_bench.sh run       there, in the repository root with .gpu carried: unpacks them and
#                                  runs bench:train on webgpu, host and device data paths; the
#                                  tables go to $OUT (or .gpu/out)
#
# QUICK=1 with `run`: small sizes and batches, to try the script on a software adapter (lavapipe).
set -euo pipefail
cd "$(dirname "$0")/.."

prepare() {
  mkdir -p .gpu
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude
  rm -f .gpu/*.deb .gpu/node.xz .gpu/train.tar.xz
  xz -T0 -6 -c "$(command -v node)" >.gpu/node.xz
  rm -rf .gpu/train
  node --import tsx scripts/bundle_training.ts --out .gpu/train --platform linux-x64 >/dev/null
  tar -C .gpu -cJf .gpu/train.tar.xz train
  rm -rf .gpu/train
  # the Vulkan loader for x86-64 (the lent machines have the NVIDIA driver but may lack the loader)
  local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/gpu-bench-apt'
  mkdir -p /tmp/gpu-bench-apt/partial
  # shellcheck disable=SC2086
  apt-get $o update >/dev/null && (cd .gpu && apt-get $o download libvulkan1 >/dev/null)
  du -ch .gpu/* | tail -n 1
  echo "then: device run, carry [\".gpu\"], command: bash scripts/gpu_bench.sh run"
}

run() {
  local out=${OUT:-$PWD/.gpu/out}
  mkdir -p "$out"
  for f in .gpu/*.deb; do dpkg -x "$f" /; done
  ldconfig
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; fi
  local bin=/tmp/gpu-bench/bin
  mkdir -p "$bin" /tmp/gpu-bench/bundle
  xz -dc .gpu/node.xz >"$bin/node"
  chmod +x "$bin/node"
  export PATH=$bin:$PATH
  tar -C /tmp/gpu-bench/bundle -xJf .gpu/train.tar.xz
  { nvidia-smi -L 2>/dev/null || echo "no nvidia-smi"; node --version; } | tee "$out/device.txt"
  local small=(--sizes 96 --batch 256 --seconds 20) mobile=(--sizes 224 --batch 128 --seconds 30)
  if [ "${QUICK:-0}" = 1 ]; then small=(--sizes 32 --batch 16 --seconds 2) mobile=(--sizes 32 --batch 4 --seconds 2); fi
  cd /tmp/gpu-bench/bundle/train
  # small-gap 0.75 (the served members): the one-core-bound host path against the device path
  node bench_train.js --backends webgpu --workers 1 --archs small-gap --widths 0.75 "${small[@]}" \
    --data-paths host,device --augment recipe 2>&1 | tee "$out/bench_small_gap.txt"
  # the pretrained MobileNetV2 at its native size, device path (issue #15: ≥ 1,400 img/s)
  node bench_train.js --backends webgpu --workers 1 --archs mobilenetv2 "${mobile[@]}" \
    --data-paths device --augment recipe 2>&1 | tee "$out/bench_mobilenetv2.txt"
}

case "${1:-}" in
prepare) prepare ;;
run) run ;;
*)
  echo "usage: scripts/gpu_bench.sh prepare|run (see the comment at the top)" >&2
  exit 2
  ;;
esac

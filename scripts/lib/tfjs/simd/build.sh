#!/bin/sh
# Rebuilds conv_grad.wasm from conv_grad.c (Debian/Ubuntu: apt-get install clang lld). The .wasm is
# committed, so training needs no compiler; rebuild after editing the C source and run the tests.
set -e
cd "$(dirname "$0")"
clang --target=wasm32 -O3 -msimd128 -nostdlib -fno-builtin -Wall -Werror \
  -Wl,--no-entry -Wl,--strip-all -Wl,--initial-memory=1048576 -Wl,--stack-first \
  -o conv_grad.wasm conv_grad.c
echo "wrote $(pwd)/conv_grad.wasm ($(wc -c < conv_grad.wasm) bytes)"

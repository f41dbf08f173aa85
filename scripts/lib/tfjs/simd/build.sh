#!/bin/sh
# Rebuilds each kernel's .wasm from its .c (conv_grad, batch_norm; Debian/Ubuntu: apt-get install
# clang lld). The .wasm files are committed, so training needs no compiler; rebuild after editing a C
# source and run the tests.
set -e
cd "$(dirname "$0")"
for name in conv_grad batch_norm; do
  clang --target=wasm32 -O3 -msimd128 -nostdlib -fno-builtin -Wall -Werror \
    -Wl,--no-entry -Wl,--strip-all -Wl,--initial-memory=1048576 -Wl,--stack-first \
    -o "$name.wasm" "$name.c"
  echo "wrote $(pwd)/$name.wasm ($(wc -c < "$name.wasm") bytes)"
done

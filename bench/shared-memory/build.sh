#!/usr/bin/env bash
# Builds the experiment's module (bench/shared-memory/hnsw-shared.{js,wasm}):
# the SIMD engine's sources (native/) as scripts/build-wasm.sh builds them,
# with -pthread, so that its memory is a SharedArrayBuffer that other
# workers can instantiate the same module on, and its locks (hnswlib's
# std::mutex, the allocator's) are real. Not part of the package: the
# outputs are committed for `node bench/shared-memory/run.mjs`.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NODE_PATH="${NODE_PATH:-}:$PWD/node_modules"
out=bench/shared-memory
exported="$(sed -n "s/^exported='\(.*\)'$/\1/p" scripts/build-wasm.sh)"
# What a second instance needs to run on its own stack and thread state.
exported="$exported,_emscripten_stack_set_limits,_emscripten_tls_init,__emscripten_thread_init"
em++ native/vicinity_hnsw.cpp -o "$out/hnsw-shared.js" \
  -std=c++17 -O3 -flto -DNDEBUG -sMALLOC=emmalloc -pthread -Wno-pthreads-mem-growth \
  -msse -msse2 -msse3 -msse4.1 -msimd128 \
  -fwasm-exceptions \
  -sMODULARIZE -sEXPORT_ES6 -sEXPORT_NAME=createHnswShared \
  -sENVIRONMENT=web,worker \
  -sALLOW_MEMORY_GROWTH -sMAXIMUM_MEMORY=4GB \
  -sFILESYSTEM=0 -sDYNAMIC_EXECUTION=0 \
  -sEXPORTED_FUNCTIONS="$exported" \
  -sEXPORTED_RUNTIME_METHODS=UTF8ToString,HEAPU8,HEAPU32,HEAPF32,stackRestore \
  -sINCOMING_MODULE_JS_API=locateFile,instantiateWasm,acceptLabel,wasmMemory,buffer,wasmModule,ENVIRONMENT_IS_PTHREAD
# Emscripten's pthread worker script is not used: the experiment starts its own workers.
rm -f "$out/hnsw-shared.worker.js"
ls -l "$out"

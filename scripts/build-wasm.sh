#!/usr/bin/env bash
# Rebuilds the SIMD engine (src/engine/simd/hnsw-simd.{js,wasm}) from
# native/ with Debian's emscripten (apt-get install emscripten). The outputs
# are committed, so installing and testing never need Emscripten; the hash
# of the sources recorded beside them lets a test notice a stale build.
set -euo pipefail
cd "$(dirname "$0")/.."

# Emscripten's JS optimiser needs acorn; take it from this project's node_modules.
export NODE_PATH="${NODE_PATH:-}:$PWD/node_modules"
out=src/engine/simd

exported='_malloc,_free,_vh_last_error,_vh_create,_vh_load,_vh_free,_vh_count,_vh_capacity,_vh_resize,_vh_add,_vh_mark_deleted,_vh_set_ef,_vh_search_batch,_vh_get_vector,_vh_serialized_size,_vh_serialize,_vh_save_begin,_vh_save_size,_vh_save_read,_vh_save_end,_vh_load_begin,_vh_load_feed,_vh_load_end,_vh_load_abort'

# The runtime exports name the heap views src/engine/SimdEngine.ts and
# bench/engine.mjs use (HEAPU8, HEAPU32, HEAPF32): later Emscripten releases
# put a view on the module only when it is listed.

# -flto and emmalloc (the smaller of Emscripten's allocators) keep the module
# small enough that a first visit stays within its 150 kB budget (gzipped,
# with the page and the worker): 83.4 kB gzipped without them, 77.7 kB with;
# leaving out hnswlib's file code (native/hnswlib/README.md) took it to 38.4 kB.
em++ native/vicinity_hnsw.cpp -o "$out/hnsw-simd.js" \
  -std=c++17 -O3 -flto -DNDEBUG -sMALLOC=emmalloc \
  -msse -msse2 -msse3 -msse4.1 -msimd128 \
  -fwasm-exceptions \
  -sMODULARIZE -sEXPORT_ES6 -sEXPORT_NAME=createHnswSimd \
  -sENVIRONMENT=web,worker \
  -sALLOW_MEMORY_GROWTH -sMAXIMUM_MEMORY=4GB \
  -sFILESYSTEM=0 -sDYNAMIC_EXECUTION=0 \
  -sEXPORTED_FUNCTIONS="$exported" \
  -sEXPORTED_RUNTIME_METHODS=UTF8ToString,HEAPU8,HEAPU32,HEAPF32 \
  -sINCOMING_MODULE_JS_API=locateFile,instantiateWasm,acceptLabel

# The library writes nothing to the console: the glue's default print
# functions (used only if the C++ side printed or aborted) become no-ops.
sed -i 's/console\.log\.bind(console)/function(){}/; s/console\.warn\.bind(console)/function(){}/' "$out/hnsw-simd.js"
if grep -q 'console' "$out/hnsw-simd.js"; then
  echo "hnsw-simd.js still refers to the console" >&2
  exit 1
fi

node scripts/wasm-source-hash.mjs --write
ls -l "$out"

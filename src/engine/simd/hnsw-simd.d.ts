// Types of the Emscripten glue built by scripts/build-wasm.sh.
import type { HnswSimdModule } from './HnswSimdModule.js';

declare const createHnswSimd: (overrides?: {
  locateFile?: (path: string, prefix: string) => string;
  acceptLabel?: (label: number) => boolean;
}) => Promise<HnswSimdModule>;
export default createHnswSimd;

// Loads the project's Node-API addon (native/), built by `npm run build:native`.
// Every native function is typed here once; the rest of the code imports from this module.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Bytes = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** Codec numbers shared with native/src/frame_codec.h. */
export const enum CodecId {
  Raw = 0,
  Lz4Block = 1,
  Lz4Framed = 2,
  Bslz4 = 3,
}

export interface NativeAddon {
  buildInfo(): { compiler: string };
  // Further functions are added by the modules that implement them (see native/src/*.c);
  // they are declared in the TypeScript module that wraps them.
  [name: string]: unknown;
}

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('stream-pipeline: cannot find the project root (package.json next to native/)');
}

let cached: NativeAddon | undefined;

/** The loaded addon; throws a clear error when it has not been built. */
export function nativeAddon(): NativeAddon {
  if (cached) return cached;
  const path = join(findProjectRoot(), 'native', 'build', 'Release', 'sp_native.node');
  if (!existsSync(path)) {
    throw new Error(`stream-pipeline: native addon missing at ${path}; run "npm run build:native"`);
  }
  cached = createRequire(import.meta.url)(path) as NativeAddon;
  return cached;
}

export type { Bytes };

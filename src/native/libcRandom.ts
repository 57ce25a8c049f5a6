// The C library's rand(), shared with libzmq: see native/src/libc_random.c for why it is seeded.
import { nativeAddon } from './addon.js';

let seeded = false;

/** Seeds rand() from the kernel's random source, once per process. */
export function seedLibcRandom(): void {
  if (seeded) return;
  nativeAddon().seedLibcRandom();
  seeded = true;
}

// The image dtype a header implies. V1 headers never state it and V2 headers may omit
// image_dtype (the real EIGER2 capture does), so it is inferred; each Frame carries its own
// authoritative dtype either way.
import type { PixelDtype } from './events.js';

const BY_NAME: Record<string, PixelDtype> = { uint8: 'uint8', uint16: 'uint16', uint32: 'uint32' };

export function dtypeFromName(name: unknown): PixelDtype | null {
  return typeof name === 'string' ? (BY_NAME[name] ?? null) : null;
}

export function dtypeFromBits(bits: number | null): PixelDtype | null {
  if (bits === null || bits <= 0) return null;
  return bits <= 8 ? 'uint8' : bits <= 16 ? 'uint16' : 'uint32';
}

/** The smallest dtype holding `saturation` (the largest valid count), or null when unknown. */
export function dtypeFromSaturation(saturation: number | null): PixelDtype | null {
  if (saturation === null || saturation <= 0) return null;
  return saturation <= 0xff ? 'uint8' : saturation <= 0xffff ? 'uint16' : 'uint32';
}

// The latest hit's pixels into an image: counts on a log scale (log1p, so zero stays zero),
// clipped at a high percentile of the valid pixels so a few hot pixels do not push every spot
// into the dark end, and masked bins in a neutral gap colour.
import type { PREVIEW_MASKED } from '../dashboardMessages.js';
import { COUNTS, GAP_RGB, pack } from './colorMap.js';

/** The contract's masked value, checked against it by the type (the page imports no values). */
const MASKED: typeof PREVIEW_MASKED = 0xffff;
const CLIP_PERCENTILE = 0.999;
const GAP = pack(GAP_RGB);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian uint16 from base64 (the contract's byte order, whatever the host's). */
export function decodePixels(base64: string, count: number): Uint16Array {
  const bytes = base64Bytes(base64);
  if (bytes.length < count * 2) throw new Error(`preview: ${bytes.length} bytes for ${count} pixels`);
  // Nearly every host is little-endian: then the bytes already are the pixels.
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  return out;
}

function base64Bytes(base64: string): Uint8Array {
  const native = (Uint8Array as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (native) return native(base64);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The count at the clipping percentile of the valid pixels (at least 1). A histogram, not a
 * sort: one pass over the pixels whatever their values. */
export function clipLevel(pixels: Uint16Array, histogram = new Uint32Array(65536)): number {
  histogram.fill(0);
  let valid = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    if (v !== MASKED) {
      histogram[v]!++;
      valid++;
    }
  }
  const target = valid * CLIP_PERCENTILE;
  let seen = 0;
  for (let v = 0; v < MASKED; v++) {
    seen += histogram[v]!;
    if (seen >= target) return Math.max(1, v);
  }
  return 1;
}

/** RGBA for the pixels, as ImageData holds them. The colour of each count up to the clip is
 * looked up, not computed: the clip is at most the pixel count's order, so the table is cheaper
 * than a logarithm per pixel. */
export function colourPixels(pixels: Uint16Array, clip: number, out: ImageData): void {
  const rgba = new Uint32Array(out.data.buffer, out.data.byteOffset, pixels.length);
  const scale = 255 / Math.log1p(clip);
  const colours = new Uint32Array(clip + 1);
  for (let v = 0; v <= clip; v++) colours[v] = COUNTS[Math.min(255, Math.round(Math.log1p(v) * scale))]!;
  const top = colours[clip]!;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    rgba[i] = v === MASKED ? GAP : v >= clip ? top : colours[v]!;
  }
}

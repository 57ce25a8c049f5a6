// Size limits shared by the receiver and the codec. Sizes announced by the stream (shapes, framed
// headers) are checked against these before any memory is reserved for them, so a tiny hostile
// message cannot make every worker allocate gigabytes.

/**
 * Most pixels one frame (or header array) may have: 2^26 = 67 Mpx. The largest detectors this
 * pipeline serves (EIGER2 XE 16M, PILATUS4 CdTe 20M) have about 18 Mpx, so this leaves room while
 * capping one uint32 frame at 256 MiB.
 */
export const MAX_FRAME_PIXELS = 2 ** 26;

/** A description of why `width` x `height` is too large, or null when it is within the limit. */
export function framePixelsProblem(width: number, height: number): string | null {
  const pixels = width * height;
  if (pixels <= MAX_FRAME_PIXELS) return null;
  return `${width}x${height} = ${pixels} pixels exceeds the limit of ${MAX_FRAME_PIXELS} (MAX_FRAME_PIXELS)`;
}

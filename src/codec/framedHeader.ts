// The 12-byte header in front of bitshuffle-LZ4 (HDF5 filter 32008) and V2 framed LZ4 data:
// the decoded size in bytes (uint64, big-endian), then the block size (uint32, big-endian).
// Read here without decoding anything, to check an announced size against the frame's shape.
export const FRAMED_HEADER_BYTES = 12;

/** The decoded size the header announces, or null when the data is shorter than the header. */
export function framedDecodedBytes(data: Uint8Array): number | null {
  if (data.byteLength < FRAMED_HEADER_BYTES) return null;
  const view = new DataView(data.buffer, data.byteOffset, FRAMED_HEADER_BYTES);
  return view.getUint32(0, false) * 2 ** 32 + view.getUint32(4, false);
}

// A real copy of a byte view. Buffer.prototype.slice (what `.slice()` calls on the Buffers ZeroMQ
// hands out) returns a view of the same memory, so copies go through Uint8Array's slice.
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}

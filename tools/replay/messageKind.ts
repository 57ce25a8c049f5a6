// Cheap classification of a raw stream message (V1 multipart JSON or V2 CBOR) without decoding
// frames: enough for the recorder to count frames and stop after N series ends.
export type MessageKind = 'header' | 'image' | 'end' | 'other';

const HTYPE = /"htype"\s*:\s*"([^"]+)"/;
/** CBOR text "type" (0x64 't' 'y' 'p' 'e'). */
const CBOR_TYPE_KEY = Buffer.from([0x64, 0x74, 0x79, 0x70, 0x65]);
const CBOR_VALUES: Array<[Buffer, MessageKind]> = [
  [Buffer.from([0x65, ...Buffer.from('start')]), 'header'],
  [Buffer.from([0x65, ...Buffer.from('image')]), 'image'],
  [Buffer.from([0x63, ...Buffer.from('end')]), 'end'],
];
/** How far into a CBOR message to look for the type key (it is the first key on real detectors). */
const CBOR_SCAN_BYTES = 4096;

export function messageKind(parts: readonly Uint8Array[]): MessageKind {
  const first = parts[0];
  if (!first || first.length === 0) return 'other';
  if (first[0] === 0x7b) return v1Kind(first);
  return parts.length === 1 ? v2Kind(first) : 'other';
}

function v1Kind(part: Uint8Array): MessageKind {
  const head = Buffer.from(part.buffer, part.byteOffset, Math.min(part.length, 512)).toString('latin1');
  const htype = HTYPE.exec(head)?.[1];
  if (!htype) return 'other';
  if (htype.startsWith('dheader')) return 'header';
  if (htype.startsWith('dimage-')) return 'image';
  if (htype.startsWith('dseries_end')) return 'end';
  return 'other';
}

function v2Kind(message: Uint8Array): MessageKind {
  const head = Buffer.from(message.buffer, message.byteOffset, Math.min(message.length, CBOR_SCAN_BYTES));
  let at = head.indexOf(CBOR_TYPE_KEY);
  while (at >= 0) {
    const value = at + CBOR_TYPE_KEY.length;
    for (const [bytes, kind] of CBOR_VALUES) {
      if (head.subarray(value, value + bytes.length).equals(bytes)) return kind;
    }
    at = head.indexOf(CBOR_TYPE_KEY, at + 1);
  }
  return 'other';
}

// Why a stream message was rejected. Every reason has a counter in ReceiverStats and a log line;
// the receiver skips the message and carries on.

export const ERROR_REASONS = [
  'malformed-json', //        a V1 part that should be JSON is not (or is not an object)
  'malformed-cbor', //        a V2 message that is not valid CBOR (or not a map)
  'unknown-htype', //         V1 htype this receiver does not know, or the wrong htype in a part
  'unknown-type', //          V2 "type" this receiver does not know
  'bad-field', //             a required field is missing or has the wrong type/range
  'image-before-header', //   an image (or end) message while no series is open
  'wrong-series', //          an image/end whose series id differs from the open series
  'unknown-encoding', //      an encoding, dtype or compression this project cannot decode
  'size-mismatch', //         the encoded frame would not decode to width*height*elemSize bytes
  'frame-too-large', //       a frame, header shape or header array above MAX_FRAME_PIXELS (src/codec/limits.ts)
  'decode-failed', //         verifyDecode: the frame failed to decode
  'part-count', //            a V1 message with a missing or extra part
  'blob-size', //             a V1 blob whose length differs from its descriptor's `size`
  'header-array', //          a flatfield/mask/countrate array in a header that could not be used (header kept)
  'internal', //              a bug in this receiver; logged as an error
] as const;

export type ErrorReason = (typeof ERROR_REASONS)[number];

/** A rejected message: `reason` is the counter it goes to, `message` names what was wrong. */
export class StreamError extends Error {
  readonly reason: ErrorReason;
  readonly details: Record<string, unknown>;

  constructor(reason: ErrorReason, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'StreamError';
    this.reason = reason;
    this.details = details;
  }
}

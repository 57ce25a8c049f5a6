// Stream V1 (JSON multipart) → decoded messages, dispatched on the htype of the first part.
import type { DecodedMessage } from '../DecodedMessage.js';
import { requireInt, shown } from '../fields.js';
import type { SeriesTracker } from '../SeriesTracker.js';
import { StreamError } from '../StreamError.js';
import { htypeName, parseJsonPart } from './jsonPart.js';
import { decodeV1Header, type V1HeaderOptions } from './v1Header.js';
import { decodeV1Image } from './v1Image.js';

export type Stream1Options = V1HeaderOptions;

export class Stream1Decoder {
  constructor(private readonly options: Stream1Options = {}) {}

  decode(parts: Uint8Array[], tracker: SeriesTracker, receivedAt: number): DecodedMessage {
    const first = parseJsonPart(parts[0]!, 'V1 message part 1');
    const htype = htypeName(first);
    switch (htype) {
      case 'dheader':
        return decodeV1Header(parts, first, receivedAt, this.options);
      case 'dimage':
        return { kind: 'image', frames: [decodeV1Image(parts, first, tracker, receivedAt)] };
      case 'dseries_end': {
        if (parts.length !== 1) {
          throw new StreamError('part-count', `V1 end-of-series message has ${parts.length} parts; expected 1`, {
            parts: parts.length,
          });
        }
        const series = requireInt(first, 'series', 'V1 end-of-series message');
        tracker.require('end', series, null);
        return { kind: 'end', series };
      }
      default:
        throw new StreamError('unknown-htype', `V1 message has unknown htype ${shown(first['htype'])}`, {
          htype: shown(first['htype']),
        });
    }
  }
}

// Builds stream V1 ("legacy") multipart messages as an EIGER detector sends them: JSON parts with
// sorted keys, each ending in "\n"; binary blobs as raw little-endian bytes. See the wire format
// reference §1 (global header of 1, 2 or 8 parts + optional appendix; 4-part images; series end).
import { bitDepth, countrateTable, flatfield, frameTicks, v1Config, type SimulatedSeries } from './SimulatedSeries.js';

/** A detector JSON part: keys sorted, newline-terminated. */
export function jsonPart(value: Record<string, unknown>): Buffer {
  return Buffer.from(`${JSON.stringify(sortKeys(value))}\n`);
}

function sortKeys(value: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = value[key];
  return sorted;
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** The V1 name of the simulator's encoding for a dtype: bitshuffle-LZ4 with the element size. */
export function v1EncodingName(setup: SimulatedSeries): string {
  return `bs${bitDepth(setup)}-lz4<`;
}

export class Stream1Encoder {
  readonly setup: SimulatedSeries;

  constructor(setup: SimulatedSeries) {
    this.setup = setup;
  }

  /** The global header message (parts per header_detail, plus the appendix when set). */
  header(): Buffer[] {
    const s = this.setup;
    const parts = [jsonPart({ htype: 'dheader-1.0', series: s.series, header_detail: s.headerDetail })];
    if (s.headerDetail !== 'none') parts.push(jsonPart(v1Config(s)));
    if (s.headerDetail === 'all') {
      const shape = [s.model.width, s.model.height];
      const table = countrateTable(s);
      parts.push(
        jsonPart({ htype: 'dflatfield-1.0', shape, type: 'float32' }),
        bytesOf(flatfield(s)),
        jsonPart({ htype: 'dpixelmask-1.0', shape, type: 'uint32' }),
        bytesOf(s.model.pixelMask()),
        jsonPart({ htype: 'dcountrate_table-1.0', shape: [2, table.length / 2], type: 'float32' }),
        bytesOf(table),
      );
    }
    const appendix = s.headerAppendix;
    if (appendix !== undefined)
      parts.push(Buffer.from(typeof appendix === 'string' ? appendix : JSON.stringify(appendix)));
    return parts;
  }

  /** Part 2 of an image message; depends only on the blob, so callers may cache it per blob. */
  imageDataHeader(blobSize: number): Buffer {
    const s = this.setup;
    return jsonPart({
      htype: 'dimage_d-1.0',
      shape: [s.model.width, s.model.height],
      type: s.dtype,
      encoding: v1EncodingName(s),
      size: blobSize,
    });
  }

  /**
   * An image message: dimage (frame number, md5 of the blob), dimage_d, the blob, dconfig with
   * 20 ns tick times, and the image appendix when set.
   */
  image(
    frame: number,
    blob: Buffer,
    blobMd5: string,
    dataHeader: Buffer = this.imageDataHeader(blob.length),
  ): Buffer[] {
    const s = this.setup;
    const t = frameTicks(s, frame);
    const parts = [
      jsonPart({ htype: 'dimage-1.0', series: s.series, frame, hash: blobMd5 }),
      dataHeader,
      blob,
      jsonPart({ htype: 'dconfig-1.0', start_time: t.start, stop_time: t.stop, real_time: t.real }),
    ];
    if (s.imageAppendix !== undefined) parts.push(Buffer.from(s.imageAppendix));
    return parts;
  }

  end(): Buffer[] {
    return [jsonPart({ htype: 'dseries_end-1.0', series: this.setup.series })];
  }
}

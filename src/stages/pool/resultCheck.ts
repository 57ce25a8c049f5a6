// A worker's result as the pipeline accepts it: every field of a FrameResult checked for type,
// range and size, and copied into a fresh object, so a faulty or hostile worker can neither
// write a malformed record ("hit": "no", n_spots -5, a 200,000-spot list, a nested structure
// the results file cannot serialise) nor pass extra keys on to the feed. The frame's identity
// (run, series, frame, path, receivedAt) is not taken from the worker at all: the dispatcher
// stamps it from the task the worker was sent (stampResult).
import {
  FRAME_FLAGS,
  RESULT_LIMITS,
  type FrameFlag,
  type FramePreview,
  type FrameResult,
} from '../../sinks/records.js';
import { PREVIEW_MAX_SIDE } from '../analysis/FramePreview.js';

/** Counts a detector frame can hold (2^26 pixels) comfortably fit below this. */
const MAX_COUNT = 2 ** 31;

export class ResultError extends Error {}

type Identity = 'run' | 'series' | 'frame' | 'path' | 'receivedAt';

/** A result as checked: everything but the frame's identity, which comes from the task. */
export type CheckedResult = Omit<FrameResult, Identity>;

/** Throws a ResultError naming the first field that is wrong. */
export function checkResult(raw: unknown): CheckedResult {
  const r = object(raw, 'result');
  const nSpots = count(r, 'n_spots');
  return {
    n_spots: nSpots,
    n_spots_no_ice: count(r, 'n_spots_no_ice', nSpots),
    n_spots_4A: count(r, 'n_spots_4A', nSpots),
    hit: boolean(r, 'hit'),
    d_min: r['d_min'] === null ? null : positive(r, 'd_min'),
    total_intensity: finite(r, 'total_intensity'),
    saturated_pixels: count(r, 'saturated_pixels'),
    background: finite(r, 'background'),
    spots: spots(r['spots']),
    radial: radial(r['radial']),
    separation: separation(r['separation']),
    flags: flags(r['flags']),
    timing: timing(r['timing']),
    ...(r['preview'] !== undefined ? { preview: preview(r['preview']) } : {}),
  };
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ResultError(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function finite(r: Record<string, unknown>, key: string): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ResultError(`${key} is not a finite number`);
  return v;
}

function positive(r: Record<string, unknown>, key: string): number {
  const v = finite(r, key);
  if (v <= 0) throw new ResultError(`${key} is not positive`);
  return v;
}

function count(r: Record<string, unknown>, key: string, max = MAX_COUNT): number {
  const v = r[key];
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max)
    throw new ResultError(`${key} is not an integer in 0..${max}`);
  return v as number;
}

function boolean(r: Record<string, unknown>, key: string): boolean {
  const v = r[key];
  if (typeof v !== 'boolean') throw new ResultError(`${key} is not true or false`);
  return v;
}

function array(v: unknown, key: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw new ResultError(`${key} is not an array`);
  if (v.length > max) throw new ResultError(`${key} has ${v.length} entries, more than ${max}`);
  return v;
}

// The arrays are checked in place and kept: they are the decoder's fresh objects, and a checked
// array of numbers can carry nothing else (a copy would double the cost of a 20,000-spot result).
function spots(v: unknown): [number, number, number][] {
  const list = array(v, 'spots', RESULT_LIMITS.spots);
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    if (!Array.isArray(s) || s.length !== 3) throw new ResultError(`spots[${i}] is not [x, y, intensity]`);
    if (!isFinite(s[0]) || !isFinite(s[1]) || !isFinite(s[2]))
      throw new ResultError(`spots[${i}] has a value that is not a finite number`);
  }
  return list as [number, number, number][];
}

function radial(v: unknown): (number | null)[] {
  const list = array(v, 'radial', RESULT_LIMITS.radialBins);
  for (let i = 0; i < list.length; i++) {
    if (list[i] !== null && !isFinite(list[i]))
      throw new ResultError(`radial[${i}] is neither a finite number nor null`);
  }
  return list as (number | null)[];
}

function separation(v: unknown): number[] {
  const list = array(v, 'separation', RESULT_LIMITS.separationBins);
  for (let i = 0; i < list.length; i++) {
    if (!Number.isInteger(list[i]) || (list[i] as number) < 0) throw new ResultError(`separation[${i}] is not a count`);
  }
  return list as number[];
}

function flags(v: unknown): FrameFlag[] {
  const list = array(v, 'flags', FRAME_FLAGS.length);
  const seen = new Set<FrameFlag>();
  for (const f of list) {
    if (!(FRAME_FLAGS as readonly unknown[]).includes(f))
      throw new ResultError(`flag ${JSON.stringify(String(f).slice(0, 40))} is not known`);
    seen.add(f as FrameFlag);
  }
  return [...seen];
}

function timing(v: unknown): FrameResult['timing'] {
  const t = object(v, 'timing');
  const ms = (key: string) => {
    const x = finite(t, key);
    if (x < 0) throw new ResultError(`timing.${key} is negative`);
    return x;
  };
  return { decode: ms('decode'), analysis: ms('analysis'), total: ms('total'), wait: ms('wait') };
}

/** A preview the size the worker makes them (PREVIEW_MAX_SIDE), its pixels exactly its shape. */
function preview(v: unknown): FramePreview {
  const p = object(v, 'preview');
  const size = (key: string, max: number) => {
    try {
      return count(p, key, max);
    } catch (err) {
      throw new ResultError(`preview.${(err as Error).message}`);
    }
  };
  const bin = size('bin', 1024);
  const width = size('width', PREVIEW_MAX_SIDE);
  const height = size('height', PREVIEW_MAX_SIDE);
  const pixels = p['pixels'];
  if (bin < 1 || width < 1 || height < 1) throw new ResultError('preview has a zero size');
  if (!(pixels instanceof Uint8Array) || pixels.byteLength !== width * height * 2)
    throw new ResultError(`preview.pixels is not ${width} x ${height} uint16 values`);
  return { bin, width, height, pixels };
}

function isFinite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

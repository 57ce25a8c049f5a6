// Typed access to the fields of a decoded JSON object or CBOR map, with errors that name the
// message and the field.
import { StreamError } from './StreamError.js';

export type Fields = { readonly [key: string]: unknown };

/** Longest rendering of an offending value in an error message. */
const SHOWN_MAX = 80;

/**
 * An offending value as error messages show it: JSON, byte strings and typed arrays by their
 * size, cut at SHOWN_MAX characters. A hostile value can be megabytes; its message must not be.
 */
export function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of ${v.byteLength} bytes`;
  let text: string;
  try {
    text =
      JSON.stringify(v, (_k, x: unknown) =>
        ArrayBuffer.isView(x) ? `<${x.byteLength} bytes>` : typeof x === 'bigint' ? x.toString() : x,
      ) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX)}… (${text.length} characters)` : text;
}

export function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export function requireInt(obj: Fields, key: string, what: string, min = 0): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new StreamError('bad-field', `${what}: "${key}" must be an integer >= ${min}, got ${shown(v)}`, {
      field: key,
    });
  }
  return v;
}

export function requireString(obj: Fields, key: string, what: string): string {
  const v = obj[key];
  if (typeof v !== 'string') {
    throw new StreamError('bad-field', `${what}: "${key}" must be a string, got ${shown(v)}`, { field: key });
  }
  return v;
}

/** A finite number, or null when absent; a present non-number is an error. */
export function optionalNumber(obj: Fields, key: string, what: string): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new StreamError('bad-field', `${what}: "${key}" must be a number, got ${shown(v)}`, { field: key });
  }
  return v;
}

export function optionalString(obj: Fields, key: string, what: string): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string')
    throw new StreamError('bad-field', `${what}: "${key}" must be a string, got ${shown(v)}`, { field: key });
  return v;
}

/** hc in eV·Å: wavelength [Å] = HC_EV_ANGSTROM / photon energy [eV]. */
export const HC_EV_ANGSTROM = 12398.4198;

/** Fills in the wavelength or the photon energy from the other when only one is known (or usable). */
export function wavelengthAndEnergy(
  wavelength: number | null,
  energy: number | null,
): { wavelength: number | null; photonEnergy: number | null } {
  const w = wavelength !== null && wavelength > 0 ? wavelength : null;
  const e = energy !== null && energy > 0 ? energy : null;
  return {
    wavelength: w ?? (e !== null ? HC_EV_ANGSTROM / e : wavelength),
    photonEnergy: e ?? (w !== null ? HC_EV_ANGSTROM / w : energy),
  };
}

// Typed access to the fields of a decoded JSON object or CBOR map, with errors that name the
// message and the field.
import { StreamError } from './StreamError.js';

export type Fields = { readonly [key: string]: unknown };

export function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export function requireInt(obj: Fields, key: string, what: string, min = 0): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new StreamError('bad-field', `${what}: "${key}" must be an integer >= ${min}, got ${JSON.stringify(v) ?? 'nothing'}`, { field: key });
  }
  return v;
}

export function requireString(obj: Fields, key: string, what: string): string {
  const v = obj[key];
  if (typeof v !== 'string') {
    throw new StreamError('bad-field', `${what}: "${key}" must be a string, got ${JSON.stringify(v) ?? 'nothing'}`, { field: key });
  }
  return v;
}

/** A finite number, or null when absent; a present non-number is an error. */
export function optionalNumber(obj: Fields, key: string, what: string): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new StreamError('bad-field', `${what}: "${key}" must be a number, got ${JSON.stringify(v)}`, { field: key });
  }
  return v;
}

export function optionalString(obj: Fields, key: string, what: string): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new StreamError('bad-field', `${what}: "${key}" must be a string, got ${JSON.stringify(v)}`, { field: key });
  return v;
}

/** hc in eV·Å: wavelength [Å] = HC_EV_ANGSTROM / photon energy [eV]. */
export const HC_EV_ANGSTROM = 12398.4198;

/** Fills in the wavelength or the photon energy from the other when only one is known (or usable). */
export function wavelengthAndEnergy(wavelength: number | null, energy: number | null): { wavelength: number | null; photonEnergy: number | null } {
  const w = wavelength !== null && wavelength > 0 ? wavelength : null;
  const e = energy !== null && energy > 0 ? energy : null;
  return {
    wavelength: w ?? (e !== null ? HC_EV_ANGSTROM / e : wavelength),
    photonEnergy: e ?? (w !== null ? HC_EV_ANGSTROM / w : energy),
  };
}

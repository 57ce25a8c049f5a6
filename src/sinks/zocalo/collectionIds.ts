// Which data collection a series is, in the facility's terms: ISPyB's data-collection id and
// the file name the results are about. The beamline control system (GDA) puts them in the
// series' header user data (V1 header appendix, a JSON text; V2 start user_data, a map) as
// `{"dcid": 12345, "file": "/dls/i03/data/.../xtal_1_master.h5"}` (also accepted:
// `ispyb_dcid`, `filename`); the configuration gives a fallback id. Nothing else of the user
// data is read, and none of it can make this throw.

export interface CollectionIds {
  dcid: number | null;
  file: string | null;
}

const MAX_TEXT = 1 << 20;
const MAX_FILE = 4096;

export function collectionIds(userData: unknown, configuredDcid: number | null): CollectionIds {
  const o = asObject(userData);
  const dcid = positiveInteger(o?.['dcid']) ?? positiveInteger(o?.['ispyb_dcid']) ?? configuredDcid;
  const file = text(o?.['file']) ?? text(o?.['filename']);
  return { dcid, file };
}

function asObject(v: unknown): Record<string, unknown> | null {
  if (typeof v === 'string') {
    if (v.length > MAX_TEXT) return null;
    try {
      return asObject(JSON.parse(v.replace(/\0+$/, '').trim()));
    } catch {
      return null;
    }
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function positiveInteger(v: unknown): number | null {
  return Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : null;
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_FILE ? v : null;
}

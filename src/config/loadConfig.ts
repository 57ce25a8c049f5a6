// Reads a YAML configuration file, validates it against configSchema, fills in defaults.
// Every error names the offending key and the line it is on, because the person reading it
// is at a beamline with a detector armed, not in a debugger.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, isMap, isSeq, type Document, type Node } from 'yaml';
import { configSchema, type SchemaNode } from './configSchema.js';
import { endpointProblem } from './endpoint.js';
import { MAX_GRID_IMAGES, parseGridShape } from '../stages/grid/gridScan.js';
import type { PipelineConfig } from './PipelineConfig.js';

export class ConfigError extends Error {
  constructor(
    message: string,
    /** Dotted key path, e.g. "pipeline.fast.workers" ("" for the whole file). */
    readonly key: string,
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: true, allowUnionTypes: true });
ajv.addFormat('zmq-connect', { type: 'string', validate: (v: string) => endpointProblem(v, 'connect') === null });
// configSchema is typed by PipelineConfig (schemaTypes.ts), so what passes it is one.
const validate = ajv.compile<PipelineConfig>(configSchema);

/** Values set from the command line, as dotted key paths, e.g. { 'detector.endpoint': 'tcp://...' }:
 * applied to the file's values before anything is checked, so every rule sees them. */
export type ConfigOverrides = Record<string, unknown>;

/** Loads and validates a configuration file. Throws ConfigError naming the key and line. */
export function loadConfig(file: string, overrides: ConfigOverrides = {}): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration ${file}: ${(err as Error).message}`, '', null);
  }
  return parseConfig(text, file, overrides);
}

/** Validates configuration text; `source` names it in messages. */
export function parseConfig(text: string, source = 'configuration', overrides: ConfigOverrides = {}): PipelineConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? null;
    throw new ConfigError(
      `${source}${line ? `:${line}` : ''}: YAML syntax error: ${e.message.split('\n')[0]}`,
      '',
      line,
    );
  }
  const data: unknown = doc.toJS() ?? {};
  applyOverrides(data, overrides);
  if (!validate(data)) {
    const err = validate.errors![0]!;
    throw describe(err, data, doc, lines, source);
  }
  checkConsistency(data, doc, lines, source);
  return data;
}

function applyOverrides(data: unknown, overrides: ConfigOverrides): void {
  for (const [path, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const keys = path.split('.');
    let node = data as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]!] = value;
  }
}

/** Rules a schema cannot express: relations between keys. */
function checkConsistency(c: PipelineConfig, doc: Document, lines: LineCounter, source: string): void {
  const fail = (path: string[], message: string): never => {
    const line = lineOf(doc, lines, path);
    throw new ConfigError(`${source}${line ? `:${line}` : ''}: ${path.join('.')}: ${message}`, path.join('.'), line);
  };
  for (const name of ['fast', 'good'] as const) {
    const pool = c.pipeline[name];
    if (pool.min_workers > pool.max_workers) {
      fail(
        ['pipeline', name, 'min_workers'],
        `must not exceed max_workers (${pool.min_workers} > ${pool.max_workers})`,
      );
    }
    if (pool.workers > pool.max_workers) pool.max_workers = pool.workers;
    if (pool.workers < pool.min_workers) pool.min_workers = pool.workers;
  }
  const r = c.analysis.radial.range;
  if (r && !(r[0] < r[1])) fail(['analysis', 'radial', 'range'], `low must be below high, got [${r[0]}, ${r[1]}]`);
  // No unit goes below 0 (2theta included): the bins would start where no pixel can be.
  if (r && r[0] < 0) fail(['analysis', 'radial', 'range'], 'must not be negative');
  const { d_min, d_max } = c.analysis.mask;
  if (d_min !== null && d_max !== null && d_min >= d_max) {
    fail(['analysis', 'mask', 'd_min'], `must be below d_max (${d_min} >= ${d_max})`);
  }
  const d = c.analysis.dispersion;
  if (d.min_spot_size > d.max_spot_size)
    fail(['analysis', 'dispersion', 'min_spot_size'], 'must not exceed max_spot_size');
  const p = c.analysis.peakfinder8;
  if (p.min_pix_count > p.max_pix_count)
    fail(['analysis', 'peakfinder8', 'min_pix_count'], 'must not exceed max_pix_count');
  const s = c.detector.simulate;
  if (s && !/^tcp:\/\//.test(c.detector.endpoint))
    fail(['detector', 'endpoint'], 'the simulator needs a tcp:// endpoint');
  if (s?.grid != null) {
    try {
      parseGridShape(s.grid);
    } catch (err) {
      fail(['detector', 'simulate', 'grid'], (err as Error).message);
    }
  }
  const g = c.detector.grid_scan;
  if (g && g.cols * g.rows > MAX_GRID_IMAGES)
    fail(
      ['detector', 'grid_scan', 'cols'],
      `cols x rows must not exceed ${MAX_GRID_IMAGES} images (${g.cols}x${g.rows})`,
    );
}

function describe(err: ErrorObject, data: unknown, doc: Document, lines: LineCounter, source: string): ConfigError {
  const path = err.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let key = path;
  let what: string;
  switch (err.keyword) {
    case 'additionalProperties': {
      const extra = String((err.params as { additionalProperty: string }).additionalProperty);
      key = [...path, extra];
      const known = Object.keys(schemaAt(path)?.properties ?? {});
      what = `unknown key${known.length ? ` (known here: ${known.join(', ')})` : ''}`;
      break;
    }
    case 'required': {
      key = [...path, String((err.params as { missingProperty: string }).missingProperty)];
      what = 'is required in this section (it has no default)';
      break;
    }
    case 'type':
      what = `must be ${String((err.params as { type: string }).type).replace(',', ' or ')}, got ${JSON.stringify(valueAt(data, path))}`;
      break;
    case 'enum':
      what = `must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(valueAt(data, path))}`;
      break;
    case 'format':
      what = endpointProblem(String(valueAt(data, path)), 'connect') ?? `${err.message ?? 'is invalid'}`;
      break;
    default:
      what = `${err.message ?? 'is invalid'}, got ${JSON.stringify(valueAt(data, path))}`;
  }
  const line = lineOf(doc, lines, key);
  const name = key.join('.') || '(top level)';
  return new ConfigError(`${source}${line ? `:${line}` : ''}: ${name}: ${what}`, key.join('.'), line);
}

function schemaAt(path: string[]) {
  let node: SchemaNode | undefined = configSchema;
  for (const p of path) node = node?.properties?.[p];
  return node;
}

/** The value being validated at `path` (the file's, or a command-line override's). */
function valueAt(data: unknown, path: string[]): unknown {
  let v = data;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** The line of a key (or of the nearest existing parent), 1-based. */
function lineOf(doc: Document, lines: LineCounter, path: string[]): number | null {
  for (let n = path.length; n > 0; n--) {
    const parent = n > 1 ? doc.getIn(path.slice(0, n - 1), true) : doc.contents;
    if (isMap(parent)) {
      const pair = parent.items.find((it) => (it.key as { value?: unknown } | null)?.value === path[n - 1]);
      const range = (pair?.key as Node | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
    } else if (isSeq(parent)) {
      const item = parent.items[Number(path[n - 1])] as Node | undefined;
      if (item?.range) return lines.linePos(item.range[0]).line;
    }
  }
  return null;
}

import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../src/config/loadConfig.js';
import { configSchema, type SchemaNode } from '../src/config/configSchema.js';

const configsDir = join(__dirname, '..', 'configs');

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration files', () => {
  it.each(readdirSync(configsDir).filter((f) => f.endsWith('.yaml')))('shipped %s is valid', (file) => {
    const config = loadConfig(join(configsDir, file));
    expect(config.pipeline.good.workers).toBeGreaterThanOrEqual(0);
    expect(config.analysis.dispersion.sigma_background).toBe(6);
  });

  it('fills every default into an empty file', () => {
    const c = parseConfig('');
    expect(c.detector.endpoint).toBe('tcp://127.0.0.1:9999');
    expect(c.detector.simulate).toBeNull();
    expect(c.pipeline.fast.sampling).toEqual({ every: 1, fraction: 1 });
    expect(c.analysis.peakfinder8.max_num_peaks).toBe(2048);
    expect(c.outputs.http_port).toBe(8080);
  });

  it('fills simulator defaults when the section is present', () => {
    const c = parseConfig('detector:\n  endpoint: tcp://127.0.0.1:1234\n  simulate:\n    frames: 10\n');
    expect(c.detector.simulate).toMatchObject({ frames: 10, model: 'eiger2-4m', stream: 'v1', rate: 100 });
  });
});

describe('the configured grid scan', () => {
  it('is none by default, and fills in what the file leaves out', () => {
    expect(parseConfig('').detector.grid_scan).toBeNull();
    const c = parseConfig('detector:\n  grid_scan:\n    cols: 20\n    rows: 15\n    dx_mm: 0.02\n');
    expect(c.detector.grid_scan).toEqual({
      cols: 20,
      rows: 15,
      snaked: false,
      orientation: 'horizontal',
      dx_mm: 0.02,
      dy_mm: null,
    });
  });

  it('requires its size, naming the missing key', () => {
    const e = errorOf('detector:\n  grid_scan:\n    cols: 20\n    snaked: true\n');
    expect(e.key).toBe('detector.grid_scan.rows');
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/detector\.grid_scan\.rows: is required in this section/);
  });

  it('refuses a grid of more than a million images, and a simulated grid that is no COLSxROWS', () => {
    const big = errorOf('detector:\n  grid_scan:\n    cols: 2000\n    rows: 2000\n');
    expect(big.message).toMatch(/detector\.grid_scan\.cols: cols x rows must not exceed 1000000 images \(2000x2000\)/);
    const shape = errorOf('detector:\n  endpoint: tcp://127.0.0.1:1\n  simulate:\n    grid: "20"\n');
    expect(shape.key).toBe('detector.simulate.grid');
    expect(shape.line).toBe(4);
    expect(shape.message).toMatch(/a grid is COLSxROWS .*got "20"/);
    expect(parseConfig('detector:\n  simulate:\n    grid: 20x15\n').detector.simulate?.grid).toBe('20x15');
  });

  it('is the only section with keys the file must give: every key without a default is required', () => {
    const undefaulted: string[] = [];
    const walk = (node: SchemaNode, path: string): void => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (child.default === undefined) {
          undefaulted.push(`${path}${key}`);
          expect(node.required, `${path}${key} has no default`).toContain(key);
        }
        walk(child, `${path}${key}.`);
      }
      for (const key of node.required ?? []) expect(node.properties?.[key]?.default).toBeUndefined();
    };
    walk(configSchema, '');
    expect(undefaulted).toEqual(['detector.grid_scan.cols', 'detector.grid_scan.rows']);
  });
});

describe('configuration errors name the key and line', () => {
  it('rejects an unknown key', () => {
    const e = errorOf('pipeline:\n  fast:\n    wokers: 2\n');
    expect(e.key).toBe('pipeline.fast.wokers');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/test\.yaml:3: pipeline\.fast\.wokers: unknown key \(known here: .*workers/);
  });

  it('rejects a wrong type', () => {
    const e = errorOf('analysis:\n  radial:\n    bins: many\n');
    expect(e.key).toBe('analysis.radial.bins');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/must be integer, got "many"/);
  });

  it('rejects an impossible value', () => {
    const e = errorOf('analysis:\n  hit:\n    min_spots: -3\n');
    expect(e.key).toBe('analysis.hit.min_spots');
    expect(e.message).toMatch(/must be >= 1, got -3/);
  });

  it('rejects a value outside an enum', () => {
    const e = errorOf('pipeline:\n  good:\n    spot_finder: magic\n');
    expect(e.message).toMatch(/pipeline\.good\.spot_finder: must be one of "dispersion", "peakfinder8", got "magic"/);
  });

  it('rejects inconsistent keys', () => {
    const e = errorOf('pipeline:\n  good:\n    min_workers: 4\n    max_workers: 2\n');
    expect(e.key).toBe('pipeline.good.min_workers');
    expect(e.line).toBe(3);
    const r = errorOf('analysis:\n  radial:\n    range: [3, 1]\n');
    expect(r.message).toMatch(/analysis\.radial\.range: low must be below high/);
    // In every unit (2theta too): the analysis could make no bins of it.
    const t = errorOf('analysis:\n  radial:\n    unit: 2theta\n    range: [-1, 10]\n');
    expect(t.message).toMatch(/analysis\.radial\.range: must not be negative/);
    const seed = errorOf('detector:\n  simulate:\n    seed: -1\n');
    expect(seed.key).toBe('detector.simulate.seed');
  });

  it('reports YAML syntax errors with their line', () => {
    const e = errorOf('detector:\n  endpoint: [unclosed\n');
    expect(e.message).toMatch(/YAML syntax error/);
    expect(e.line).not.toBeNull();
  });

  it('rejects a duplicate key', () => {
    expect(errorOf('name: a\nname: b\n').message).toMatch(/YAML syntax error/);
  });

  it('says when the file cannot be read', () => {
    expect(() => loadConfig('/nonexistent/x.yaml')).toThrow(/cannot read configuration \/nonexistent\/x\.yaml/);
  });
});

describe('README configuration reference', () => {
  it('lists every key exactly as the schema defines it (regenerate with `npm run docs`)', async () => {
    const { readFileSync } = await import('node:fs');
    const { configReferenceMarkdown } = await import('../src/config/configDocs.js');
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(configReferenceMarkdown());
  });
});

describe('command-line overrides', () => {
  it('are applied before validation, so the schema and the consistency rules see them', () => {
    const c = parseConfig('pipeline:\n  good:\n    max_workers: 2\n', 'c.yaml', {
      'pipeline.good.workers': 5,
      'outputs.http_port': 0,
      'detector.endpoint': undefined,
    });
    expect(c.pipeline.good).toMatchObject({ workers: 5, max_workers: 5 });
    expect(c.outputs.http_port).toBe(0);
    expect(c.detector.endpoint).toBe('tcp://127.0.0.1:9999');
    expect(() => parseConfig('name: x\n', 'c.yaml', { 'detector.endpoint': 'tcp://*:9999' })).toThrow(
      /detector\.endpoint: cannot connect to every interface/,
    );
    expect(() => parseConfig('name: x\n', 'c.yaml', { 'pipeline.fast.workers': 1000 })).toThrow(
      /pipeline\.fast\.workers/,
    );
  });
});

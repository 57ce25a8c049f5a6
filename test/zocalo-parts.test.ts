// The Zocalo sink's parts without a broker: the outbox's order through memory, disk and back
// (and what it drops when full), recipe routing and its errors, the collection ids read from
// header user data, the message shapes, the status broadcast.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox, type OutboxMessage } from '../src/sinks/zocalo/Outbox.js';
import { defaultRecipe, RecipeRoutes } from '../src/sinks/zocalo/recipe.js';
import { collectionIds } from '../src/sinks/zocalo/collectionIds.js';
import { envelope, perImageResult } from '../src/sinks/zocalo/zocaloMessages.js';
import { statusMessage } from '../src/sinks/zocalo/statusBroadcast.js';
import { brokerCredentials, checkBrokerUrl } from '../src/sinks/zocalo/brokerCredentials.js';
import type { FrameResult } from '../src/sinks/records.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const message = (i: number, bytes = 100): OutboxMessage => ({
  exchange: '',
  routingKey: 'q',
  body: Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(bytes) })),
  series: 1,
  image: i,
});
const index = (m: OutboxMessage | undefined) => (JSON.parse(m!.body.toString()) as { i: number }).i;

describe('Outbox', () => {
  it('keeps the order through memory and disk, puts unconfirmed ones first, and drops past its limits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-outbox-'));
    dirs.push(dir);
    const box = new Outbox({ memoryBytes: 10 * 300, diskBytes: 20 * 300 }, join(dir, 'spill'));
    let accepted = 0;
    for (let i = 0; i < 40; i++) if (box.put(message(i, 200))) accepted++;
    expect(box.onDisk).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(40);
    expect(box.dropped).toBe(40 - accepted);
    const first = [box.take(), box.take()];
    box.putBack(first as OutboxMessage[]); // sent, the connection dropped: they go again, first
    const order: number[] = [];
    for (let m = box.take(); m; m = box.take()) order.push(index(m));
    expect(order).toEqual(Array.from({ length: accepted }, (_, i) => i));
    // Memory again once the disk is empty.
    box.put(message(99));
    expect(box.onDisk).toBe(0);
    expect(index(box.take())).toBe(99);
    box.close();
  });
});

describe('recipes', () => {
  it('routes each channel of the generated recipe to its queue, through an exchange when configured', () => {
    const r = defaultRecipe('pia');
    expect(r.of('result')).toEqual([{ exchange: '', routingKey: 'pia', pointer: 2 }]);
    expect(r.of('series')[0]!.routingKey).toBe('pia.series');
    expect(r.of('xray-centring')[0]!.routingKey).toBe('pia.xray_centring');
    expect(r.queues().sort()).toEqual(['pia', 'pia.series', 'pia.xray_centring']);
    expect(defaultRecipe('pia', 'results').of('result')).toEqual([
      { exchange: 'results', routingKey: 'pia', pointer: 2 },
    ]);
  });

  it('follows a facility recipe: named and unnamed outputs, queues and topics, unused channels dropped', () => {
    const recipe = {
      '1': { service: 'per-image analysis', queue: 'per_image_analysis', output: [2, 3] },
      '2': { service: 'ISPyB', queue: 'ispyb_connector' },
      '3': { service: 'SSX plots', topic: 'transient.ssx', queue: 'ssx' },
      start: [[1, []]],
    };
    const r = new RecipeRoutes(recipe, 1, 'test');
    expect(r.of('result').map((d) => [d.exchange, d.routingKey, d.pointer])).toEqual([
      ['', 'ispyb_connector', 2],
      ['', 'ssx', 3],
      ['transient.ssx', '', 3],
    ]);
    expect(r.of('series')).toEqual([]);
    expect(() => new RecipeRoutes({ '1': { output: { result: 9 } } }, 1, 'test')).toThrow(
      /step 9 .* is not in the recipe/,
    );
    expect(() => new RecipeRoutes({ '1': { output: 2 }, '2': { service: 'x' } }, 1, 'test')).toThrow(
      /step 2 has neither a queue nor a topic/,
    );
    expect(() => new RecipeRoutes({ '1': {} }, 4, 'test')).toThrow(/step 4 \(the pipeline's/);
  });
});

describe('collection ids', () => {
  it('reads dcid and file from V1 text or V2 maps, falls back to the configured id, never throws', () => {
    expect(collectionIds('{"dcid": 123, "file": "/dls/x_master.h5"}\n', null)).toEqual({
      dcid: 123,
      file: '/dls/x_master.h5',
    });
    expect(collectionIds({ ispyb_dcid: 7, filename: 'f.h5' }, null)).toEqual({ dcid: 7, file: 'f.h5' });
    expect(collectionIds('not json', 5)).toEqual({ dcid: 5, file: null });
    expect(collectionIds({ dcid: -1, file: 3 }, 9)).toEqual({ dcid: 9, file: null });
    expect(collectionIds(null, null)).toEqual({ dcid: null, file: null });
    expect(collectionIds('x'.repeat(2_000_000), null)).toEqual({ dcid: null, file: null });
  });
});

describe('messages', () => {
  const r = {
    run: 1,
    series: 4,
    frame: 9,
    path: 'good',
    n_spots: 50,
    n_spots_no_ice: 45,
    n_spots_4A: 20,
    hit: true,
    d_min: null,
    total_intensity: 1234,
    flags: ['ice-rings'],
    receivedAt: 1_700_000_000_000,
  } as unknown as FrameResult;
  const ctx = { dcid: 42, file: 'x_master.h5', series: 4, seriesUniqueId: 'U', environmentId: 'E' };

  it("carries PIA's names, 1-based file numbers, -1 for no resolution estimate, and our ids", () => {
    expect(perImageResult(r, ctx)).toEqual({
      file: 'x_master.h5',
      'file-number': 10,
      'file-pattern-index': 10,
      n_spots_total: 50,
      n_spots_no_ice: 45,
      n_spots_4A: 20,
      estimated_d_min: -1,
      total_intensity: 1234,
      'file-seen-at': 1_700_000_000,
      dcid: 42,
      series_id: 4,
      series_unique_id: 'U',
      image_id: 9,
      hit: true,
      flags: ['ice-rings'],
    });
  });

  it("wraps a payload as python-workflows' recipe wrapper does", () => {
    const routes = defaultRecipe('q');
    const body = JSON.parse(envelope(routes, routes.of('result')[0]!, ctx, { a: 1 }).toString());
    expect(body).toEqual({
      recipe: routes.recipe,
      'recipe-pointer': 2,
      'recipe-path': [1],
      environment: { ID: 'E', source: 'stream-pipeline' },
      payload: { a: 1 },
    });
  });

  it('broadcasts a status with the fields python-workflows requires', () => {
    const s = JSON.parse(statusMessage({ hostname: 'ws123.diamond.ac.uk', pid: 4242, utilization: 0.25 }).toString());
    expect(s).toMatchObject({
      host: 'uk.ac.diamond.ws123.4242',
      status: 4,
      statustext: 'processing',
      service: 'stream-pipeline',
    });
    expect(s.utilization).toEqual({ '2': 0.75, '4': 0.25 });
    expect(s.workflows).toMatch(/^stream-pipeline \d+\.\d+\.\d+$/);
  });
});

describe('broker settings', () => {
  it('refuses credentials in the URL and odd schemes; reads credentials from the environment, both or neither', () => {
    expect(() => checkBrokerUrl('amqp://u:p@h:5672')).toThrow(/must not hold a user or password/);
    expect(() => checkBrokerUrl('http://h')).toThrow(/amqp:\/\//);
    expect(checkBrokerUrl('amqps://h:5671').port).toBe('5671');
    expect(
      brokerCredentials(null, { STREAM_PIPELINE_ZOCALO_USERNAME: 'a', STREAM_PIPELINE_ZOCALO_PASSWORD: 'b' }),
    ).toEqual({ username: 'a', password: 'b' });
    expect(() => brokerCredentials(null, { STREAM_PIPELINE_ZOCALO_USERNAME: 'a' })).toThrow(/both/);
    expect(brokerCredentials(null, {})).toEqual({ username: 'guest', password: 'guest' });
  });
});

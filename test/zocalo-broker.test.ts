// Results into a real RabbitMQ, read back by a Zocalo-side consumer written with Debian's
// python3-pika as python-workflows' transport reads: one recipe-wrapped message per good-path
// frame, values equal to the results file; series start and end; the broker killed mid-series
// and started again loses nothing the pipeline made and costs the series nothing; a broker
// that is not there at start is a warning; bad settings are clear errors.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, PROJECT_ROOT, runCli } from './helpers/cli.js';
import { rabbitmqMissing, TestBroker } from '../tools/rabbitmq/TestBroker.js';
import type { ZocaloCounters } from '../src/sinks/zocalo/ZocaloSink.js';
import { readResults, startPipelineRun, testConfig, type ResultsRecord } from './helpers/pipelineRun.js';

const missing = rabbitmqMissing();
if (missing) console.warn(`broker tests skipped: ${missing}`);
const POOLS = `  fast:\n    workers: 1\n    max_workers: 1\n  good:\n    workers: 1\n    max_workers: 1`;

interface Consumed {
  queue: string;
  recipe: boolean;
  headers: Record<string, unknown>;
  delivery_mode: number;
  redelivered: boolean;
  body: Record<string, unknown> | null;
  expiration: string | null;
  message: {
    recipe: Record<string, unknown>;
    'recipe-pointer': number;
    'recipe-path': number[];
    environment: { ID: string };
    payload: Record<string, unknown>;
  };
}

/** Reads `count` messages (or until idle) from the queues as a Zocalo service would. */
function consume(port: number, queues: string[], count: number, idleS = 20): Promise<Consumed[]> {
  return new Promise((resolve, reject) => {
    const py = spawn('/usr/bin/python3', [
      join(PROJECT_ROOT, 'test/helpers/zocaloConsumer.py'),
      String(port),
      queues.join(','),
      String(count),
      String(idleS),
    ]);
    let out = '';
    let err = '';
    py.stdout.on('data', (d) => (out += d));
    py.stderr.on('data', (d) => (err += d));
    py.on('close', (code) =>
      code === 0
        ? resolve(
            out
              .trim()
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as Consumed),
          )
        : reject(new Error(`consumer failed (${code}): ${err.slice(-2000)}`)),
    );
  });
}

/** The test configuration with these lines added under outputs:. */
function withOutputs(lines: string): string {
  return testConfig(POOLS).replace('outputs:\n', `outputs:\n${lines}`);
}

function zocaloYaml(url: string, queue: string): string {
  return withOutputs(`  zocalo:\n    url: ${url}\n    queue: ${queue}\n`);
}

const statusOf = async (url: string) => (await (await fetch(url)).json()) as { zocalo: ZocaloCounters };

describe.skipIf(missing !== null)('results into RabbitMQ', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    assertBuilt();
    broker = await TestBroker.start();
  }, 90_000);
  afterAll(async () => broker?.stop());

  it('publishes one recipe-wrapped message per good-path frame, equal to the results file', async () => {
    const queue = 'test.pia.one';
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '60', '--rate', '40', '--hit-fraction', '0.3', '--dtype', 'uint16', '--seed', '31'],
      yaml: zocaloYaml(broker.url, queue).replace('outputs:\n', 'outputs:\n  radial_in_results: false\n'),
      timeoutMs: 120_000,
    });
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const messages = await consume(broker.port, [queue], 60);
    const series = await consume(broker.port, [`${queue}.series`], 2);
    const frames = readResults(run.dir).filter((r) => r.type === 'frame' && r.path === 'good');
    expect(messages).toHaveLength(60);
    const byImage = new Map(frames.map((f) => [f['frame'] as number, f]));
    for (const m of messages) {
      expect(m.recipe).toBe(true);
      expect(m.delivery_mode).toBe(2);
      expect(Object.keys(m.message).sort()).toEqual([
        'environment',
        'payload',
        'recipe',
        'recipe-path',
        'recipe-pointer',
      ]);
      expect(m.message['recipe-pointer']).toBe(2);
      expect(m.message['recipe-path']).toEqual([1]);
      const p = m.message.payload;
      const f = byImage.get(p['image_id'] as number) as ResultsRecord;
      expect(p['file-number']).toBe((f['frame'] as number) + 1);
      expect(p['file-pattern-index']).toBe((f['frame'] as number) + 1);
      expect(p['n_spots_total']).toBe(f['n_spots']);
      expect(p['n_spots_no_ice']).toBe(f['n_spots_no_ice']);
      expect(p['n_spots_4A']).toBe(f['n_spots_4A']);
      expect(p['estimated_d_min']).toBe(f['d_min'] ?? -1);
      expect(p['total_intensity']).toBe(f['total_intensity']);
      expect(p['hit']).toBe(f['hit']);
      expect(p['flags']).toEqual(f['flags']);
      expect(p['series_id']).toBe(1);
    }
    expect(new Set(messages.map((m) => m.message.payload['file-number'])).size).toBe(60);
    // One recipe run per series: the same environment ID throughout, and its recipe routes to us.
    expect(new Set(messages.map((m) => m.message.environment.ID)).size).toBe(1);
    expect((m0(messages).recipe['2'] as { queue: string }).queue).toBe(queue);
    expect(series.map((s) => s.message.payload['type'])).toEqual(['series-start', 'series-end']);
    expect((series[1]!.message.payload['summary'] as { processed: number }).processed).toBe(60);
  }, 180_000);

  it('loses nothing when the broker dies mid-series and comes back; the series is unaffected', async () => {
    const queue = 'test.pia.restart';
    // The facility's broker has the status exchange; a monitor listens on it.
    execFileSync('/usr/bin/python3', [
      '-c',
      `import pika
c = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", ${broker.port}))
ch = c.channel()
ch.exchange_declare("transient.status", exchange_type="fanout", durable=True)
ch.queue_declare("test.status", durable=True)
ch.queue_bind("test.status", "transient.status")
c.close()`,
    ]);
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '240', '--rate', '30', '--hit-fraction', '0.2', '--dtype', 'uint16', '--seed', '32'],
      yaml: zocaloYaml(broker.url, queue),
      timeoutMs: 240_000,
      once: false,
    });
    // Let some go through, then kill the broker for a few seconds of the series.
    const deadline = Date.now() + 60_000;
    while ((await statusOf(run.statusUrl)).zocalo.confirmed < 30 && Date.now() < deadline) await pause(100);
    await broker.down();
    await pause(3000);
    const down = (await statusOf(run.statusUrl)).zocalo;
    expect(down.connected).toBe(false);
    expect(down.queued).toBeGreaterThan(0);
    await broker.up();
    await run.pipeline.waitForStderr(/series 1: received/);
    // Drained in order once back.
    const until = Date.now() + 60_000;
    let z = (await statusOf(run.statusUrl)).zocalo;
    while ((z.queued > 0 || z.unconfirmed > 0) && Date.now() < until) {
      await pause(200);
      z = (await statusOf(run.statusUrl)).zocalo;
    }
    expect(z.reconnects).toBeGreaterThanOrEqual(1);
    // A status broadcast since the broker came back (every 6 s).
    const sentBefore = z.statusBroadcasts.sent;
    while (z.statusBroadcasts.sent === sentBefore && Date.now() < until + 10_000) {
      await pause(200);
      z = (await statusOf(run.statusUrl)).zocalo;
    }
    expect(z.statusBroadcasts.sent).toBeGreaterThan(sentBefore);
    expect(z.dropped).toEqual({ 'outbox-full': 0, rejected: 0, 'outbox-unreadable': 0 });
    run.pipeline.child.kill('SIGINT');
    await run.pipeline.done;
    const summary = readResults(run.dir).find((r) => r.type === 'summary')!;
    expect(summary).toMatchObject({ received: 240, processed: 240, lost: 0 });
    // Status broadcasts every 6 s of a series of 8 s and more (the broker was down for some).
    const status = await consume(broker.port, ['test.status'], 100, 2);
    expect(status.length).toBeGreaterThanOrEqual(1);
    expect(status[0]!.recipe).toBe(false);
    expect(status[0]!.expiration).toBe('15000');
    expect(status[0]!.body).toMatchObject({ service: 'stream-pipeline', serviceclass: 'StreamPipeline' });
    expect(Object.keys(status[0]!.body!)).toEqual(
      expect.arrayContaining(['host', 'status', 'statustext', 'utilization', 'workflows']),
    );
    const messages = await consume(broker.port, [queue], 1000, 5);
    const images = new Set(messages.map((m) => m.message.payload['image_id']));
    expect(images.size).toBe(240); // every frame, at least once
    expect(messages.length - images.size).toBeLessThanOrEqual(z.published - z.confirmed + 2000);
  }, 300_000);

  it('starts with the broker unreachable, saying so, and delivers once it is there', async () => {
    const queue = 'test.pia.late';
    await broker.down();
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '20', '--rate', '20', '--dtype', 'uint16', '--seed', '33'],
      yaml: zocaloYaml(broker.url, queue),
      timeoutMs: 120_000,
      once: false,
    });
    await run.pipeline.waitForStderr(/series 1: received/);
    expect(run.pipeline.stderr).toMatch(/broker not reachable: results wait in the outbox/);
    expect((await statusOf(run.statusUrl)).zocalo.queued).toBeGreaterThanOrEqual(20);
    await broker.up();
    const until = Date.now() + 60_000;
    while ((await statusOf(run.statusUrl)).zocalo.confirmed < 22 && Date.now() < until) await pause(200);
    run.pipeline.child.kill('SIGINT');
    await run.pipeline.done;
    expect((await consume(broker.port, [queue], 20, 5)).length).toBe(20);
  }, 200_000);

  it('centres a simulated grid scan on its crystal: in the results file and to the broker', async () => {
    const queue = 'test.pia.grid';
    const run = await startPipelineRun({
      simulatorArgs: ['--grid', '12x9', '--rate', '40', '--dtype', 'uint16', '--seed', '34'],
      yaml: zocaloYaml(broker.url, queue),
      timeoutMs: 120_000,
    });
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const truth = readFileSync(join(run.dir, 'truth.jsonl'), 'utf8').split('\n');
    const grid = JSON.parse(truth.find((l) => l.includes('"grid"'))!).grid as {
      crystal_col: number;
      crystal_row: number;
    };
    const records = readResults(run.dir);
    const centring = records.find((r) => (r.type as string) === 'xray_centring')!;
    expect(centring).toBeDefined();
    // Before the summary, as the series' last word but one.
    expect(records.findIndex((r) => (r.type as string) === 'xray_centring')).toBe(records.length - 2);
    const [message] = await consume(broker.port, [`${queue}.xray_centring`], 1);
    const sent = message!.message.payload as unknown as typeof centring;
    expect(sent).toEqual(centring);
    const c = centring as unknown as {
      status: string;
      centre_of_mass: { col: number; row: number };
      best_cell: { col: number; row: number; image: number; spots: number };
    };
    expect(c.status).toBe('ok');
    expect(Math.abs(c.centre_of_mass.col - grid.crystal_col)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(c.centre_of_mass.row - grid.crystal_row)).toBeLessThanOrEqual(0.5);
    // The best cell is the one with the most spots in the results file, and next to the crystal.
    const frames = records.filter((r) => r.type === 'frame' && r.path === 'good');
    const most = Math.max(...frames.map((f) => f['n_spots'] as number));
    expect(c.best_cell.spots).toBe(most);
    expect(frames.find((f) => f['frame'] === c.best_cell.image)!['n_spots']).toBe(most);
    expect(Math.abs(c.best_cell.col + 0.5 - grid.crystal_col)).toBeLessThanOrEqual(1);
    expect(Math.abs(c.best_cell.row + 0.5 - grid.crystal_row)).toBeLessThanOrEqual(1);
  }, 180_000);

  it('names what is wrong with bad settings: credentials file, recipe step, URL with a password', async () => {
    const dir = join(PROJECT_ROOT, 'test', 'artifacts');
    execFileSync('mkdir', ['-p', dir]);
    const bad = async (zocalo: string) => {
      const config = join(dir, 'zocalo-bad.yaml');
      writeFileSync(config, withOutputs(zocalo));
      const r = await runCli(['--config', config, '--once'], 60_000);
      expect(r.code).not.toBe(0);
      return r.stderr;
    };
    const creds = join(dir, 'zocalo-creds.yaml');
    writeFileSync(creds, 'username: u\n');
    chmodSync(creds, 0o600);
    expect(await bad(`  zocalo:\n    url: ${broker.url}\n    credentials_file: ${creds}\n`)).toMatch(
      /credentials_file .*zocalo-creds.yaml: needs "username: NAME" and "password: SECRET"/,
    );
    const recipe = join(dir, 'zocalo-recipe.json');
    writeFileSync(recipe, JSON.stringify({ '1': { service: 'us', output: { result: 7 } }, start: [[1, []]] }));
    expect(await bad(`  zocalo:\n    url: ${broker.url}\n    recipe_file: ${recipe}\n`)).toMatch(
      /step 7 \(output "result" of step 1\) is not in the recipe/,
    );
    expect(await bad(`  zocalo:\n    url: ${broker.url}\n    recipe_file: ${recipe}\n    recipe_step: 3\n`)).toMatch(
      /step 3 \(the pipeline's, outputs.zocalo.recipe_step\) is not in the recipe/,
    );
    expect(await bad(`  zocalo:\n    url: amqp://user:secret@127.0.0.1:${broker.port}\n`)).toMatch(
      /must not hold a user or password/,
    );
  }, 120_000);
});

const m0 = (messages: Consumed[]) => messages[0]!.message;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

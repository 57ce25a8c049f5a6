// The record / replay / inspect / simulate commands as real child processes on loopback sockets.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseV1Encoding } from '../src/codec/encodings.js';
import { FrameDecoder } from '../src/codec/FrameDecoder.js';
import { detectorModel } from '../src/simulator/DetectorModel.js';
import { synthesizeFrame } from '../src/simulator/FrameSynth.js';
import type { RecordedMessage } from '../tools/replay/RecordingFormat.js';
import { RecordingReader } from '../tools/replay/RecordingReader.js';
import { RecordingWriter } from '../tools/replay/RecordingWriter.js';
import { assertBuilt, runCli, startCli, type CliProcess } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sp-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => assertBuilt());

const CAPTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data', 'captures');
const DLS = join(CAPTURES, 'dls_v1_eiger4m');
const TICKIT = join(CAPTURES, 'tickit_v2_eiger2_16m');
const haveCaptures = existsSync(DLS) && existsSync(TICKIT);
if (!haveCaptures) console.warn(`real-capture tests skipped: ${CAPTURES} not found`);

/** Starts a command that serves a stream (simulate, replay) on a free loopback port; the process and its endpoint. */
async function serving(args: string[]): Promise<{ server: CliProcess; endpoint: string }> {
  const server = startCli([...args, '--bind', 'tcp://127.0.0.1:*']);
  return { server, endpoint: await server.listeningEndpoint() };
}

/** `simulate` with these options (words separated by single spaces), serving on loopback. */
const simulator = (options: string) => serving(['simulate', ...options.split(' ')]);

/** `replay` of the recording at `path` with these options, serving on loopback. */
const replayer = (path: string, ...options: string[]) => serving(['replay', path, ...options]);

async function readRecording(path: string): Promise<RecordedMessage[]> {
  const reader = await RecordingReader.open(path);
  const out: RecordedMessage[] = [];
  try {
    for await (const m of reader.messages()) out.push(m);
  } finally {
    await reader.close();
  }
  return out;
}

function expectSameMessages(a: RecordedMessage[], b: RecordedMessage[]): void {
  expect(b.length).toBe(a.length);
  a.forEach((m, i) => {
    expect(b[i]!.parts.length).toBe(m.parts.length);
    m.parts.forEach((p, j) => expect(b[i]!.parts[j]!.equals(p)).toBe(true));
  });
}

/** Replays `file` at max speed into a new recorder; returns what the recorder captured. */
async function replayThroughRecorder(file: string, out: string, series: number): Promise<RecordedMessage[]> {
  const { server: replay, endpoint } = await replayer(file, '--speed', 'max');
  const recorded = await runCli(['record', '--endpoint', endpoint, '--out', out, '--series', String(series)]);
  expect(recorded.code, recorded.stderr).toBe(0);
  const replayed = await replay.done;
  expect(replayed.code, replayed.stderr).toBe(0);
  return readRecording(out);
}

function realCaptureMessages(): { v1: Buffer[][]; v2: Buffer[][] } {
  const part = (n: number) => readFileSync(join(DLS, `streamfile_${n}`));
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => part(a + i));
  const v1 = [range(1, 9), range(10, 13), range(14, 17), range(18, 21), [part(22)]];
  const v2 = ['start', 'image', 'end'].map((n) => [readFileSync(join(TICKIT, `${n}.cbor`))]);
  return { v1, v2 };
}

/** The real V1 capture written as a recording named `name` in the scratch directory; its path. */
async function v1CaptureRecording(name: string): Promise<string> {
  const path = join(dir, name);
  await writeRecording(path, realCaptureMessages().v1);
  return path;
}

async function writeRecording(path: string, messages: Buffer[][]): Promise<void> {
  const writer = await RecordingWriter.create(path);
  let t = 0n;
  for (const parts of messages) await writer.write(parts, (t += 2_000_000n));
  await writer.close();
}

function sha256(pixels: Uint8Array | Uint16Array | Uint32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength))
    .digest('hex');
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('record and replay', () => {
  for (const stream of ['v1', 'v2'] as const) {
    it(`round-trips a simulated ${stream} series byte for byte`, async () => {
      const { server: sim, endpoint } = await simulator(
        `--frames 4 --rate max --stream ${stream} --seed 3 --header-appendix hello`,
      );
      const first = join(dir, `sim-${stream}.sprec`);
      const rec = await runCli(['record', '--endpoint', endpoint, '--out', first, '--series', '1']);
      expect(rec.code, rec.stderr).toBe(0);
      expect(rec.stderr).toMatch(/6 messages, 4 frames, 1 series ended/);
      expect((await sim.done).code).toBe(0);
      const original = await readRecording(first);
      expect(original.length).toBe(6); // header, 4 frames, end
      expect(original.every((m, i) => i === 0 || m.timeNs >= original[i - 1]!.timeNs)).toBe(true);
      const copy = await replayThroughRecorder(first, join(dir, `sim-${stream}-copy.sprec`), 1);
      expectSameMessages(original, copy);
    });
  }

  it.skipIf(!haveCaptures)('round-trips the real DLS V1 and tickit V2 captures byte for byte', async () => {
    const { v1, v2 } = realCaptureMessages();
    const path = join(dir, 'real.sprec');
    await writeRecording(path, [...v1, ...v2]);
    const original = await readRecording(path);
    expect(original.length).toBe(8);
    expect(original[0]!.parts.map((p) => p.length)).toEqual([57, 1409, 64, 0, 63, 0, 67, 32000, 19]);
    const copy = await replayThroughRecorder(path, join(dir, 'real-copy.sprec'), 2);
    expectSameMessages(original, copy);
  });

  it.skipIf(!haveCaptures)(
    'replays a paced recording whole and in order at --speed 1 and 4 (the pace itself: PaceClock tests)',
    async () => {
      const { v1 } = realCaptureMessages();
      const path = join(dir, 'paced.sprec');
      const writer = await RecordingWriter.create(path);
      for (let i = 0; i < v1.length; i++) await writer.write(v1[i]!, BigInt(i) * 100_000_000n);
      await writer.close();
      for (const speedFactor of [1, 4]) {
        const { server: replay, endpoint } = await replayer(path, '--speed', String(speedFactor));
        const out = join(dir, `paced-copy-${speedFactor}.sprec`);
        const rec = await runCli(['record', '--endpoint', endpoint, '--out', out, '--series', '1']);
        expect(rec.code, rec.stderr).toBe(0);
        const replayed = await replay.done;
        expect(replayed.code).toBe(0);
        expect(replayed.stderr).toContain(`at ${speedFactor}x`);
        expectSameMessages(await readRecording(path), await readRecording(out));
      }
    },
  );

  it.skipIf(!haveCaptures)(
    'loops with --loop until stopped, and replays the complete messages of a truncated recording',
    async () => {
      const path = await v1CaptureRecording('loop.sprec');
      const { server: replay, endpoint } = await replayer(path, '--speed', 'max', '--loop');
      const out = join(dir, 'loop-copy.sprec');
      const rec = await runCli(['record', '--endpoint', endpoint, '--out', out, '--series', '2']);
      expect(rec.code, rec.stderr).toBe(0);
      const copy = await readRecording(out);
      expectSameMessages([...(await readRecording(path)), ...(await readRecording(path))], copy);
      replay.child.kill('SIGTERM');
      expect((await replay.done).stderr).toMatch(/SIGTERM: stopping/);

      // Cut the file inside the last message (the series end): the rest is still served.
      const cut = join(dir, 'cut.sprec');
      writeFileSync(cut, readFileSync(path).subarray(0, statSync(path).size - 5));
      const { server: cutReplay, endpoint: cutEndpoint } = await replayer(cut, '--speed', 'max');
      const inspect = startCli(['inspect', '--endpoint', cutEndpoint, '--json']);
      const replayed = await cutReplay.done;
      expect(replayed.code).toBe(0);
      expect(replayed.stderr).toMatch(
        /warning: .*is truncated: message 4 ends past the end of the file.*sent the 4 complete messages/,
      );
      while ((inspect.stdout.match(/"type":"frame"/g) ?? []).length < 3) await new Promise((r) => setTimeout(r, 50));
      inspect.child.kill('SIGINT');
      const inspected = await inspect.done;
      expect(inspected.code).toBe(1); // stopped before the series ended
      expect(inspected.stderr).toMatch(/stopped after 0 of 1 series/);
      const rows = jsonLines(inspected.stdout);
      expect(rows.filter((r) => r.type === 'frame').length).toBe(3);
      expect(rows.at(-1)).toMatchObject({ type: 'series-end', series: 6, complete: false });
    },
  );

  it('stops recording cleanly on SIGTERM, leaving a complete readable file', async () => {
    const { server: sim, endpoint } = await simulator('--frames 100000 --rate 20 --pool 2 --header-detail basic');
    const out = join(dir, 'interrupted.sprec');
    const rec = startCli(['record', '--endpoint', endpoint, '--out', out]);
    await rec.waitForStderr(/recording tcp/);
    // Wait for the header and a few frames to be on disk.
    while (!existsSync(out) || statSync(out).size < 3_000_000) await new Promise((r) => setTimeout(r, 100));
    rec.child.kill('SIGTERM');
    const result = await rec.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/SIGTERM: closing the recording/);
    const messages = await readRecording(out);
    expect(messages.length).toBeGreaterThanOrEqual(3);
    expect(messages[0]!.parts.length).toBe(2); // a "basic" V1 header
    expect(messages.slice(1).every((m) => m.parts.length === 4)).toBe(true);
    sim.child.kill('SIGTERM');
    const simResult = await sim.done;
    expect(simResult.stderr).toMatch(/SIGTERM: ending the series and stopping/);
  });
});

describe('inspect', () => {
  it.skipIf(!haveCaptures)(
    'prints the real V1 capture as JSON lines with the sha256 of the decoded pixels, and exits 0',
    async () => {
      const path = await v1CaptureRecording('dls.sprec');
      const { server: replay, endpoint } = await replayer(path, '--speed', 'max');
      const result = await runCli(['inspect', '--endpoint', endpoint, '--json']);
      expect(result.code, result.stderr).toBe(0);
      await replay.done;
      const rows = jsonLines(result.stdout);
      expect(rows.map((r) => r.type)).toEqual(['series-start', 'frame', 'frame', 'frame', 'series-end']);
      expect(rows[0]).toMatchObject({
        series: 6,
        stream: 1,
        width: 2070,
        height: 2167,
        dtype: 'uint16',
        headerDetail: 'all',
      });
      const decoder = new FrameDecoder();
      [12, 16, 20].forEach((n, i) => {
        const blob = readFileSync(join(DLS, `streamfile_${n}`));
        const expected = sha256(decoder.decode(blob, parseV1Encoding('bs16-lz4<', 'uint16'), 2070, 2167, 'uint16'));
        expect(rows[i + 1]).toMatchObject({
          type: 'frame',
          series: 6,
          frame: i,
          width: 2070,
          height: 2167,
          dtype: 'uint16',
          encoding: 'bs16-lz4<',
          sha256: expected,
        });
      });
      expect(rows[4]).toMatchObject({ series: 6, frames: 3, complete: true });
    },
  );

  it('fingerprints simulated V2 uint32 frames exactly and exits after the requested number of series', async () => {
    const { server: sim, endpoint } = await simulator(
      '--frames 2 --rate max --stream v2 --dtype uint32 --seed 8 --series 10 --series-count 2 --ice-rings',
    );
    const result = await runCli(['inspect', '--endpoint', endpoint, '--json', '--series', '2']);
    expect(result.code, result.stderr).toBe(0);
    expect((await sim.done).code).toBe(0);
    const rows = jsonLines(result.stdout);
    expect(rows.map((r) => `${String(r.type)}:${String(r.series)}`)).toEqual([
      'series-start:10',
      'frame:10',
      'frame:10',
      'series-end:10',
      'series-start:11',
      'frame:11',
      'frame:11',
      'series-end:11',
    ]);
    const model = detectorModel('eiger2-4m');
    const options = { dtype: 'uint32' as const, hitFraction: 0.5, iceRings: true, splitSpots: false };
    const expected = [0, 1].map((i) => sha256(synthesizeFrame(model, options, i, 8).pixels));
    const frames = rows.filter((r) => r.type === 'frame');
    expect(frames.map((f) => f.sha256)).toEqual([...expected, ...expected]);
    expect(frames[0]).toMatchObject({ width: 2068, height: 2162, dtype: 'uint32', encoding: 'bslz4' });
  });

  it('follows a --repeat simulator across series until it is stopped', async () => {
    const { server: sim, endpoint } = await simulator('--repeat --frames 1 --rate max --series 7');
    const result = await runCli(['inspect', '--endpoint', endpoint, '--json', '--series', '3']);
    expect(result.code, result.stderr).toBe(0);
    const ends = jsonLines(result.stdout).filter((r) => r.type === 'series-end');
    expect(ends.map((r) => [r.series, r.frames, r.complete])).toEqual([
      [7, 1, true],
      [8, 1, true],
      [9, 1, true],
    ]);
    sim.child.kill('SIGINT');
    const stopped = await sim.done;
    expect(stopped.signal).toBeNull(); // it handled the signal and exited by itself
    expect(stopped.stderr).toMatch(/SIGINT: ending the series and stopping/);
  });

  it('prints readable text lines without --json', async () => {
    const { server: sim, endpoint } = await simulator('--frames 1 --rate max');
    const result = await runCli(['inspect', '--endpoint', endpoint]);
    expect(result.code, result.stderr).toBe(0);
    await sim.done;
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^series 1 start: stream V1, Dectris EIGER2 Si 4M, 2068x2162 uint16/);
    expect(lines[1]).toMatch(/^frame 1:0 2068x2162 uint16 bs16-lz4< \d+ B sha256 [0-9a-f]{64}$/);
    expect(lines[2]).toBe('series 1 end: 1 frames');
  });
});

describe('option errors', () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      'bad detector',
      ['simulate', '--detector', 'eiger9-1m'],
      /detector must be one of eiger2-4m, eiger2-9m, eiger2-16m, got "eiger9-1m"/,
    ],
    [
      'bad rate',
      ['simulate', '--rate', 'fast'],
      /rate must be a positive number of frames per second or "max", got "fast"/,
    ],
    ['zero rate', ['simulate', '--rate', '0'], /rate must be a positive number/],
    ['bad hit fraction', ['simulate', '--hit-fraction', '1.5'], /hit fraction must be a number between 0 and 1/],
    ['bad stream', ['simulate', '--stream', 'v3'], /stream must be one of v1, v2/],
    ['bad frames', ['simulate', '--frames', '-2'], /frames must be a non-negative integer/],
    ['a grid without rows', ['simulate', '--grid', '20'], /a grid is COLSxROWS .*e\.g\. 20x15, got "20"/],
    ['a grid too large', ['simulate', '--grid', '2000x2000'], /a grid of 2000x2000 has more than 1000000 cells/],
    [
      'repeat and count',
      ['simulate', '--repeat', '--series-count', '2', '--bind', 'tcp://127.0.0.1:*'],
      /--repeat and --series-count exclude each other/,
    ],
    ['missing recording', ['replay', join(dir, 'no-such-file.sprec')], /cannot open recording .*no-such-file\.sprec/],
    ['bad speed', ['replay', 'x.sprec', '--speed', 'slow'], /speed must be a positive factor/],
    [
      'bad endpoint',
      ['record', '--endpoint', 'localhost:9999', '--out', join(dir, 'x.sprec')],
      /endpoint must be tcp:\/\/HOST:PORT or ipc:\/\/PATH/,
    ],
    [
      'an endpoint to connect to that names every interface',
      ['inspect', '--endpoint', 'tcp://*:9999'],
      /cannot connect to every interface/,
    ],
    [
      'an in-process endpoint for the detector',
      ['run', '--config', 'configs/demo.yaml', '--endpoint', 'inproc://x'],
      /inproc:\/\/ reaches only this process/,
    ],
    [
      'a worker connecting to every interface',
      ['worker', '--connect', 'tcp://*:5600', '--path', 'good'],
      /cannot connect to every interface/,
    ],
    [
      'unwritable output',
      ['record', '--endpoint', 'tcp://127.0.0.1:1', '--out', join(dir, 'no', 'such', 'dir', 'x.sprec')],
      /cannot create recording/,
    ],
    ['missing endpoint', ['inspect'], /required option '--endpoint <endpoint>' not specified/],
    [
      'bad series count',
      ['inspect', '--endpoint', 'tcp://127.0.0.1:1', '--series', '0'],
      /series must be a positive integer/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(`reports ${what} clearly and exits non-zero`, async () => {
      const result = await runCli(args, 20_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  it('reports a file that is not a recording', async () => {
    const path = join(dir, 'not-a-recording.txt');
    writeFileSync(path, 'just some text that is long enough');
    const result = await runCli(['replay', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not a stream-pipeline recording/);
  });

  it('has help for every command', async () => {
    for (const [command, option] of [
      ['simulate', '--hit-fraction'],
      ['record', '--series'],
      ['replay', '--speed'],
      ['inspect', '--json'],
    ]) {
      const result = await runCli([command!, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(option);
    }
  });
});

// The hit-file writer when things go wrong: a directory it cannot write (under a regular file,
// missing, read-only), a full disk (a small tmpfs, as root), a name already taken under its feet,
// and a writer process killed with SIGKILL mid-series. Each failure names the path, and every file
// left under a final name is complete (h5py reads it whole); partial files only carry `.tmp`.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hdf5Addon } from '../src/native/hdf5Addon.js';
import { NxmxSeriesWriter } from '../src/sinks/hdf5/NxmxSeriesWriter.js';
import { frameOf, h5pyMissing, runPython, testSeries } from './helpers/hitFiles.js';
import { seededRandom } from './helpers/seededRandom.js';
import { tempDirs } from './helpers/tempDirs.js';
import { isRoot, mountTmpfs, unmount } from './helpers/tmpfs.js';

const tempDir = tempDirs('hdf5-robust-');
const noH5py = h5pyMissing();
if (noH5py) console.warn(`hdf5-robustness: ${noH5py}; completeness checks skipped`);
/** Noise frames that barely compress, so a small disk fills after a few. */
function noisyFrame(series: ReturnType<typeof testSeries>, image: number) {
  const rnd = seededRandom(image + 1);
  const pixels = new Uint16Array(series.width * series.height).map(() => Math.floor(rnd() * 65535));
  return frameOf(series, image, pixels, 3);
}

const CHECK_COMPLETE = String.raw`
import json, sys, os, h5py, hdf5plugin
out = {}
for name in sys.argv[2:]:
    path = os.path.join(sys.argv[1], name)
    with h5py.File(path, "r") as f:
        d = f["entry/data/data"]
        frames = sum(int(d[i].sum() >= 0) for i in range(d.shape[0]))
        out[name] = dict(frames=frames, low=int(d.attrs["image_nr_low"]), high=int(d.attrs["image_nr_high"]),
                         results=len(f["entry/result/image_number"]))
print(json.dumps(out))
`;

/** The final-named data files, each read whole by h5py; throws if one is not complete (full, or
 * the series' last, when it has `totalFrames`). */
function completeDataFiles(dir: string, framesPerFile: number, totalFrames = Infinity): string[] {
  const finals = readdirSync(dir).filter((n) => !n.endsWith('.tmp'));
  expect(
    finals.every((n) => /^hits_data_\d{6}\.h5$/.test(n)),
    finals.join(', '),
  ).toBe(true);
  if (noH5py || finals.length === 0) return finals;
  const info = runPython(CHECK_COMPLETE, [dir, ...finals]) as Record<
    string,
    { frames: number; low: number; high: number; results: number }
  >;
  finals.sort().forEach((name, i) => {
    const frames = Math.min(framesPerFile, totalFrames - i * framesPerFile);
    expect(info[name]).toEqual({
      frames,
      low: i * framesPerFile + 1,
      high: i * framesPerFile + frames,
      results: frames,
    });
  });
  return finals;
}

describe('hit files: directories that cannot be written', () => {
  it('a directory under a regular file, or missing, is refused naming it; nothing is created', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'plain'), '');
    expect(() => new NxmxSeriesWriter(testSeries(join(dir, 'plain', 'out')))).toThrow(
      new RegExp(`directory ${join(dir, 'plain', 'out')} cannot be used: ENOTDIR`),
    );
    expect(() => new NxmxSeriesWriter(testSeries(join(dir, 'gone')))).toThrow(
      new RegExp(`directory ${join(dir, 'gone')} cannot be used: ENOENT`),
    );
    expect(readdirSync(dir)).toEqual(['plain']);
  });

  it('a read-only directory is refused naming it (read-only tmpfs as root, mode 555 otherwise)', (ctx) => {
    const dir = join(tempDir(), 'ro');
    mkdirSync(dir);
    const why = isRoot ? mountTmpfs(dir, 'ro,size=1m') : null;
    if (why) return ctx.skip(`hdf5-robustness: read-only mount unavailable (${why})`);
    if (!isRoot) chmodSync(dir, 0o555);
    try {
      expect(() => new NxmxSeriesWriter(testSeries(dir))).toThrow(
        new RegExp(`directory ${dir} is not writable: ${isRoot ? 'EROFS' : 'EACCES'}`),
      );
      let err: { code?: string; message: string } | undefined;
      try {
        hdf5Addon().createFile(join(dir, 'x.h5'));
      } catch (e) {
        err = e as typeof err;
      }
      expect(err?.code).toBe(isRoot ? 'EROFS' : 'EACCES');
      expect(err?.message).toContain(`cannot create ${join(dir, 'x.h5')}`);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      if (isRoot) unmount(dir);
      else chmodSync(dir, 0o755);
    }
  });

  it('a temporary name taken under its feet fails naming it and is left alone', () => {
    const dir = tempDir();
    const s = testSeries(dir);
    const w = new NxmxSeriesWriter(s);
    mkdirSync(join(dir, 'hits_data_000001.h5.tmp')); // someone else's
    expect(() => w.write(frameOf(s, 0, new Uint16Array(s.width * s.height)))).toThrow(
      new RegExp(`cannot create ${join(dir, 'hits_data_000001.h5.tmp')}`),
    );
    w.abort();
    expect(readdirSync(dir).sort()).toEqual(['hits_data_000001.h5.tmp', 'hits_master.h5.tmp']);
  });
});

describe('hit files: a full disk', () => {
  it('ENOSPC names the file being written; only complete files carry final names', (ctx) => {
    const dir = join(tempDir(), 'small');
    mkdirSync(dir);
    const why = mountTmpfs(dir, 'size=600k');
    if (why) return ctx.skip(`hdf5-robustness: no small tmpfs for the full-disk case (${why})`);
    try {
      const s = testSeries(dir, { framesPerFile: 4 });
      const w = new NxmxSeriesWriter(s);
      let err: { code?: string; message: string } | undefined;
      for (let image = 0; image < 100 && !err; image++) {
        try {
          w.write(noisyFrame(s, image));
        } catch (e) {
          err = e as typeof err;
        }
      }
      expect(err, 'the disk never filled').toBeDefined();
      expect(err!.code).toBe('ENOSPC');
      expect(err!.message).toMatch(
        new RegExp(`${dir}/hits_data_\\d{6}\\.h5\\.tmp: .*No space left on device \\(ENOSPC\\)`),
      );
      expect(() => w.write(noisyFrame(s, 1000))).toThrow(/the writer is failed/);
      w.abort();
      const finals = completeDataFiles(dir, 4);
      expect(finals.length).toBeGreaterThan(0);
      expect(readdirSync(dir)).toContain('hits_master.h5.tmp');
    } finally {
      unmount(dir);
    }
  });
});

const CHECK_SERIES = String.raw`
import json, sys, os, h5py, hdf5plugin
with h5py.File(os.path.join(sys.argv[1], "hits_master.h5"), "r") as f:
    d = f["entry/data/data"]
    print(json.dumps(dict(frames=sum(int(d[i].sum() >= 0) for i in range(d.shape[0])), peaks=f["entry/result/peakXPosRaw"].shape[0])))
`;

describe('hit files: a disk that fills at any step', () => {
  it('each failure (data, close, master, geometry) names its file; final names only on complete files', (ctx) => {
    const dir = join(tempDir(), 'sweep');
    mkdirSync(dir);
    const outcomes: string[] = [];
    for (let kb = 40; kb <= 256; kb += 12) {
      const why = mountTmpfs(dir, `size=${kb}k`);
      if (why) return ctx.skip(`hdf5-robustness: no small tmpfs for the full-disk sweep (${why})`);
      try {
        let err: { code?: string; message: string } | undefined;
        let w: NxmxSeriesWriter | undefined;
        try {
          w = new NxmxSeriesWriter(testSeries(dir, { framesPerFile: 3 }));
          for (let image = 0; image < 8; image++) w.write(noisyFrame(testSeries(dir), image));
          w.finish(Date.now());
        } catch (e) {
          err = e as typeof err;
          w?.abort();
        }
        const finals = readdirSync(dir).filter((n) => !n.endsWith('.tmp'));
        if (err) {
          expect(err.code, err.message).toBe('ENOSPC');
          expect(err.message).toContain(`${dir}/hits`);
          expect(err.message).toContain('.tmp: ');
          expect(finals.every((n) => n.startsWith('hits_data_'))).toBe(true);
          completeDataFiles(dir, 3, 8);
          outcomes.push(`${kb}k: ${err.message.replace(`${dir}/`, '').slice(0, 60)}`);
        } else {
          expect(finals.sort()).toEqual([
            'hits.geom',
            'hits_data_000001.h5',
            'hits_data_000002.h5',
            'hits_data_000003.h5',
            'hits_master.h5',
          ]);
          if (!noH5py) expect(runPython(CHECK_SERIES, [dir])).toEqual({ frames: 8, peaks: 8 });
          outcomes.push(`${kb}k: complete`);
        }
      } finally {
        unmount(dir);
      }
    }
    console.log(`hdf5-robustness: disk sizes and outcomes:\n  ${outcomes.join('\n  ')}`);
    expect(outcomes.some((o) => o.endsWith('complete'))).toBe(true);
  }, 120_000);
});

const dist = new URL('../dist/src/sinks/hdf5/NxmxSeriesWriter.js', import.meta.url).pathname;
const distCodec = new URL('../dist/src/codec/nativeCodec.js', import.meta.url).pathname;
const built = existsSync(dist) && existsSync(distCodec);
if (!built) console.warn('hdf5-robustness: dist/ not built (npm run build); the SIGKILL case is skipped');

describe.skipIf(!built)('hit files: the writer process killed with SIGKILL', () => {
  /** Starts a writer that writes frames for ever, printing each completed file's record. */
  function startWriter(dir: string) {
    const series = testSeries(dir, { framesPerFile: 5, width: 256, height: 256 });
    const script = `
      import { NxmxSeriesWriter } from ${JSON.stringify(dist)};
      import { nativeCodec } from ${JSON.stringify(distCodec)};
      const s = ${JSON.stringify(series)};
      const w = new NxmxSeriesWriter(s);
      const codec = nativeCodec();
      const pixels = new Uint16Array(s.width * s.height);
      for (let image = 0; ; image++) {
        for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761 + image * 40503) >>> 20;
        const chunk = codec.encodeBslz4(pixels, 2);
        const result = { n_spots: 1, n_spots_no_ice: 1, n_spots_4A: 0, d_min: 2, hit: true, flags: [], total_intensity: 1, spots: [[1, 2, 3]] };
        for (const r of w.write({ image, chunk, startTime: null, receivedAt: Date.now(), result })) console.log(JSON.stringify(r));
      }`;
    return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  for (const [label, filesBeforeKill, extraMs] of [
    ['right after a file completes', 2, 0],
    ['in the middle of a file', 3, 7],
  ] as const) {
    it(`leaves only complete files under final names (killed ${label})`, async () => {
      const dir = tempDir();
      const child = startWriter(dir);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      await new Promise<void>((resolve, reject) => {
        let seen = 0;
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          seen += d.split('\n').filter((l) => l.includes('"kind":"data"')).length;
          if (seen >= filesBeforeKill) setTimeout(resolve, extraMs);
        });
        child.on('exit', () => reject(new Error(`the writer exited early: ${stderr}`)));
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      const finals = completeDataFiles(dir, 5);
      expect(finals.length).toBeGreaterThanOrEqual(filesBeforeKill);
      const all = readdirSync(dir);
      expect(all).toContain('hits_master.h5.tmp');
      expect(all.filter((n) => n.endsWith('.tmp') && n !== 'hits_master.h5.tmp').length).toBeLessThanOrEqual(1);
    }, 60_000);
  }
});

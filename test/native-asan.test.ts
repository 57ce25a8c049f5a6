// The pure native kernels under AddressSanitizer + UBSan: builds native/fuzz/build.sh with clang,
// then for the frame codec runs the fixed hostile/valid harness (native/test/asan_decode.c) and a
// bounded, seeded libFuzzer run (native/fuzz/fuzz_decode.c) from a generated corpus of valid frames,
// and for the radial-profile and mask kernels the same pair (native/test/asan_radial.c,
// native/fuzz/fuzz_radial.c, which starts from nothing). Skips when clang or its sanitizer runtime
// is missing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'native', 'build-fuzz');
const FUZZ_RUNS = 40_000;
// About 15 s on the shared 2-core machine (the inputs carry tables of up to 65535 bins).
const RADIAL_FUZZ_RUNS = 30_000;

function clangCanFuzz(): string | null {
  if (spawnSync('clang', ['--version'], { stdio: 'ignore' }).status !== 0) return 'clang not found';
  const dir = mkdtempSync(join(tmpdir(), 'clang-probe-'));
  try {
    const probe = spawnSync(
      'sh',
      [
        '-c',
        `printf 'int LLVMFuzzerTestOneInput(const char*d,long n){return 0;}' > ${dir}/p.c && clang -fsanitize=fuzzer,address,undefined -o ${dir}/p ${dir}/p.c`,
      ],
      { encoding: 'utf8' },
    );
    return probe.status === 0
      ? null
      : `clang cannot link -fsanitize=fuzzer,address (libclang-rt missing?): ${probe.stderr.trim()}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const missing = clangCanFuzz();
if (missing) console.warn(`skipping the sanitizer tests: ${missing}`);

/** Runs a fixed-case harness from OUT; it must pass with no sanitizer report. */
function runHarness(name: string): string {
  const r = spawnSync(join(OUT, name), [], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'halt_on_error=1' },
  });
  expect(r.stderr).not.toMatch(/AddressSanitizer|runtime error|FAIL/);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/\d+ checks, 0 failures/);
  return r.stdout;
}

/** A seeded, bounded libFuzzer run of a target from OUT (artifacts into work/); it must find nothing. */
function runFuzzer(name: string, runs: number, work: string, corpus: string[]): void {
  const r = spawnSync(
    join(OUT, name),
    ['-seed=1', `-runs=${runs}`, '-max_len=4096', '-rss_limit_mb=2048', `-artifact_prefix=${work}/`, ...corpus],
    { encoding: 'utf8', timeout: 170_000 },
  );
  expect(r.stderr).not.toMatch(/ERROR: (AddressSanitizer|libFuzzer)|runtime error|deadly signal/);
  expect(r.status, r.stderr.slice(-3000)).toBe(0);
  expect(r.stderr).toMatch(new RegExp(`Done ${runs} runs`));
}

describe.skipIf(missing !== null)('frame codec and radial kernels under ASan/UBSan', () => {
  const work = mkdtempSync(join(tmpdir(), 'codec-fuzz-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('builds the harnesses, the fuzzers and the corpus generator', () => {
    const r = spawnSync('sh', [join(ROOT, 'native', 'fuzz', 'build.sh'), OUT], { encoding: 'utf8', timeout: 170_000 });
    expect(r.status, r.stderr).toBe(0);
  }, 180_000);

  it('the fixed hostile and round-trip cases pass with no sanitizer report', () => {
    const out = runHarness('asan_decode');
    // Each hostile case printed its distinct error.
    for (const code of ['ERR_TRUNCATED', 'ERR_BAD_HEADER', 'ERR_SIZE_MISMATCH', 'ERR_LZ4_CORRUPT', 'ERR_INVALID_ARG']) {
      expect(out).toContain(code);
    }
  }, 130_000);

  it(`a seeded fuzz run of ${FUZZ_RUNS} inputs finds nothing`, () => {
    const corpus = join(work, 'corpus');
    const gen = spawnSync('sh', ['-c', `mkdir -p "${corpus}" && "${join(OUT, 'make_corpus')}" "${corpus}"`], {
      encoding: 'utf8',
    });
    expect(gen.status, gen.stderr).toBe(0);
    expect(readdirSync(corpus).length).toBeGreaterThan(100);
    runFuzzer('fuzz_decode', FUZZ_RUNS, work, [corpus]);
  }, 180_000);

  it('the radial and mask kernels pass their reference and hostile cases with no sanitizer report', () => {
    const out = runHarness('asan_radial');
    // Each kind of refusal was met, and the corrupt tables and special values were survived.
    for (const status of ['BAD_GEOMETRY', 'BAD_EDGES', 'BAD_NBINS', 'BAD_PIXELS', 'BAD_SCRATCH', 'BAD_LIMIT']) {
      expect(out).toContain(status);
    }
    expect(out).toContain('every uint16 as a table entry, nbins 65535');
    expect(out).toContain('f32 limit -1: no valid pixel');
  }, 130_000);

  it(`a seeded fuzz run of ${RADIAL_FUZZ_RUNS} radial inputs finds nothing`, () => {
    const corpus = join(work, 'radial-corpus');
    mkdirSync(corpus);
    runFuzzer('fuzz_radial', RADIAL_FUZZ_RUNS, work, [corpus]);
  }, 180_000);
});

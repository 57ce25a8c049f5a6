// Spilled frames go only where no other user can read, plant or redirect them: a directory of
// our own (0700), segment files created new and never through a symlink.
import { describe, expect, it } from 'vitest';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpillFile, SPILL_FAILED } from '../src/stages/pool/SpillFile.js';
import { ensurePrivateDirectory } from '../src/util/privateDirectory.js';
import type { Task } from '../src/stages/pool/Task.js';
import { runCli } from './helpers/cli.js';
import { filledTask, taskHeader } from './helpers/tasks.js';
import { tempDirs } from './helpers/tempDirs.js';

const scratch = tempDirs('sp-spillpriv-');

const task = (id: number): Task => filledTask(taskHeader(id, 4, 4), 32);

describe('spill directory', () => {
  it('creates a missing directory with mode 700 and spills into it', async () => {
    const dir = join(scratch(), 'spill');
    const spill = new SpillFile(dir, 'good');
    expect(spill.push(task(1))).toBeNull();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await spill.settled();
    expect(readdirSync(dir)).toHaveLength(1);
    expect(spill.shift()).toBeUndefined(); // on disk: read back asynchronously
    await spill.settled();
    expect(spill.shift()?.header.id).toBe(1);
    spill.close();
  });

  it('refuses a directory open to others, a symlink, or a file, naming why, and never writes there', () => {
    const base = scratch();
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(() => ensurePrivateDirectory(open)).toThrow(/open to other users \(mode 777\)/);
    const spill = new SpillFile(open, 'good');
    expect(spill.push(task(1))).toBe(SPILL_FAILED);
    expect(spill.lastError?.message).toMatch(/open to other users/);
    expect(readdirSync(open)).toEqual([]);

    const real = join(base, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = join(base, 'link');
    symlinkSync(real, link);
    expect(() => ensurePrivateDirectory(link)).toThrow(/symbolic link/);
    writeFileSync(join(base, 'file'), 'x');
    expect(() => ensurePrivateDirectory(join(base, 'file'))).toThrow();
  });

  it("does not overwrite or follow a file planted under a segment's name", async () => {
    const dir = join(scratch(), 'spill');
    mkdirSync(dir, { mode: 0o700 });
    const victim = join(scratch(), 'victim');
    writeFileSync(victim, 'precious');
    // Plant symlinks under every name the next segments of this process could take.
    for (let i = 0; i < 64; i++)
      for (let k = 0; k < 4; k++) symlinkSync(victim, join(dir, `good-${process.pid}-${i}-${k}.spill`));
    // The segment file is made by the writer, after push has taken the task: the disk's refusal
    // leaves the task in memory (given back, not lost), and later pushes are refused once the
    // write buffer is full of such tasks.
    const spill = new SpillFile(dir, 'good', undefined, { writeBufferBytes: 100 });
    expect(spill.push(task(1))).toBeNull();
    await spill.settled();
    expect(spill.lastError?.message).toMatch(/EEXIST|ELOOP/);
    expect(spill.push(task(2))).toBe(SPILL_FAILED);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(spill.shift()?.header.id).toBe(1);
    expect(spill.drainLost()).toEqual([]);
    spill.close();
  });

  it('uses a fresh private temporary directory when none is configured, and removes it on close', async () => {
    const spill = new SpillFile(null, 'good');
    expect(spill.push(task(1))).toBeNull();
    await spill.settled();
    const made = readdirSync(tmpdir())
      .filter((n) => n.startsWith('stream-pipeline-spill-'))
      .map((n) => join(tmpdir(), n))
      .filter((d) => readdirSync(d).some((f) => f.startsWith(`good-${process.pid}-`)));
    expect(made).toHaveLength(1);
    expect(statSync(made[0]!).mode & 0o777).toBe(0o700);
    spill.close();
    expect(existsSync(made[0]!)).toBe(false);
  });

  it('stops the pipeline at start, naming the directory, when the configured one is not private', async () => {
    const base = scratch();
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const config = join(base, 'p.yaml');
    writeFileSync(
      config,
      `pipeline:\n  worker_port: 0\n  good:\n    workers: 0\n    min_workers: 0\n    spill_dir: ${open}\n  fast:\n    workers: 0\n    min_workers: 0\noutputs:\n  http_port: 0\n`,
    );
    const r = await runCli(['--config', config, '--endpoint', 'tcp://127.0.0.1:1'], 30_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${open} is open to other users`);
  });
});

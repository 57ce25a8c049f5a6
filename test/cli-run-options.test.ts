// Options of `stream-pipeline run` that cannot be honoured stop it at start with a message
// naming what is wrong, instead of running without the output they promise.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/tempDirs.js';

beforeAll(() => assertBuilt());
const tempDir = tempDirs('sp-run-options-');

describe('run options', () => {
  it('refuses an --hdf5-dir that cannot be a directory, naming it', async () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, 'x');
    const r = await runCli(['--config', 'configs/demo.yaml', '--hdf5-dir', join(file, 'hits'), '--once'], 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`outputs.hdf5.directory ${join(file, 'hits')}`);
  });
});

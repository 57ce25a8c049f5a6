// Options of `stream-pipeline run` that promise something this version does not do are refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './helpers/cli.js';

beforeAll(() => assertBuilt());

describe('run options', () => {
  it('refuses --hdf5-dir, saying no HDF5 files are written yet, instead of accepting it silently', async () => {
    const r = await runCli(['--config', 'configs/demo.yaml', '--hdf5-dir', '/tmp/hits', '--once'], 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/outputs\.hdf5_dir \(--hdf5-dir \/tmp\/hits\): this version writes no HDF5 files yet/);
  });
});

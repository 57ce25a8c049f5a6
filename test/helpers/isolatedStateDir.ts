// Every test file, and every test in it, gets its own pipeline state directory
// (pipeline.state_dir's default lives under $XDG_STATE_HOME): a pipeline a test kills leaves the
// series it had open there, and the next test's pipeline of the same set-up name must not take
// that series up as its own. Pipelines started in a beforeAll get the file's directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach } from 'vitest';

const fileDir = mkdtempSync(join(tmpdir(), 'sp-state-'));
process.env['XDG_STATE_HOME'] = fileDir;
let n = 0;

beforeEach(() => {
  process.env['XDG_STATE_HOME'] = join(fileDir, `test-${++n}`);
});

afterAll(() => {
  rmSync(fileDir, { recursive: true, force: true });
});

// Builds the Node-API addon in native/ with node-gyp, against the Node headers that the
// machine already has (Debian and the official tarballs ship them), so nothing is downloaded.
// Builds are serialised with flock(1) when it exists, because parallel test runs share native/build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const nodeGyp = join(dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');

function nodedirArgs() {
  const prefix = dirname(dirname(process.execPath));
  for (const dir of [prefix, '/usr']) {
    if (existsSync(join(dir, 'include', 'node', 'node_api.h'))) return [`--nodedir=${dir}`];
  }
  return [];
}

// configure picks up new C files (binding.gyp lists src/*.c); build is incremental.
const gyp = (verb, extra = []) => [nodeGyp, verb, '--directory', 'native', ...nodedirArgs(), ...extra];
const steps = [gyp('configure'), gyp('build', ['-j', '2'])];
const haveFlock = spawnSync('flock', ['--version'], { stdio: 'ignore' }).status === 0;

for (const args of steps) {
  const result = haveFlock
    ? spawnSync('flock', ['/tmp/stream-pipeline-native-build.lock', process.execPath, ...args], { stdio: 'inherit' })
    : spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

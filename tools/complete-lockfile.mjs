// Completes package-lock.json for the package registry this project is built against, which
// does not serve rollup's native binaries for other platforms (they answer 404). npm then leaves
// them out of the lock, and `npm ci` refuses the lock as "out of sync". This adds the missing
// optional platform packages with their os/cpu/libc fields, so `npm ci` accepts the lock and
// skips them on this platform without fetching anything. Run after `npm install`:
//   node tools/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const OS = {
  android: 'android',
  darwin: 'darwin',
  freebsd: 'freebsd',
  linux: 'linux',
  openbsd: 'openbsd',
  openharmony: 'openharmony',
  win32: 'win32',
};
const CPU = {
  arm: 'arm',
  arm64: 'arm64',
  x64: 'x64',
  ia32: 'ia32',
  loong64: 'loong64',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  s390x: 's390x',
};
let added = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const entry = `node_modules/${name}`;
    if (lock.packages[entry] || lock.packages[`${path}/${entry}`]) continue;
    const m = /^@rollup\/rollup-([a-z0-9]+)-([a-z0-9]+)(?:-(gnu|musl|gnueabihf|musleabihf|eabi|msvc))?$/.exec(name);
    if (!m || !OS[m[1]] || !CPU[m[2]]) {
      console.warn(`complete-lockfile: left out ${name}: not a platform package this script knows`);
      continue;
    }
    const libc = m[3]?.startsWith('musl') ? ['musl'] : m[3]?.startsWith('gnu') ? ['glibc'] : undefined;
    lock.packages[entry] = {
      version,
      cpu: [CPU[m[2]]],
      ...(pkg.dev ? { dev: true } : {}),
      ...(libc ? { libc } : {}),
      license: 'MIT',
      optional: true,
      os: [OS[m[1]]],
    };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);

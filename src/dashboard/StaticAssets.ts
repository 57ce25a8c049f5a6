// The dashboard page's files, as the build bundled them (dist/dashboard/, listed in its
// assets.json): read into memory once, and served only by exact path. There is no file-system
// lookup per request, so no path can reach anything else (no traversal, no listing), and the
// page needs nothing from the internet.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  type: string;
}

interface Manifest {
  files: Record<string, { file: string; type: string }>;
}

export class StaticAssets {
  private constructor(private readonly assets: Map<string, Asset>) {}

  /** The bundled page, or null (with why) when it was not built. */
  static load(dir: string | null = defaultAssetsDir()): { assets: StaticAssets | null; problem: string | null } {
    if (dir === null) return { assets: null, problem: 'the dashboard page is not built (npm run build)' };
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'assets.json'), 'utf8')) as Manifest;
      const assets = new Map<string, Asset>();
      for (const [path, entry] of Object.entries(manifest.files)) {
        if (entry.file.includes('/') || entry.file.includes('\\'))
          throw new Error(`asset ${entry.file} is not a plain file name`);
        assets.set(path, { body: readFileSync(join(dir, entry.file)), type: entry.type });
      }
      return { assets: new StaticAssets(assets), problem: null };
    } catch (err) {
      return { assets: null, problem: `the dashboard page in ${dir} could not be read: ${(err as Error).message}` };
    }
  }

  get(path: string): Asset | undefined {
    return this.assets.get(path);
  }
}

/** dist/dashboard beside the compiled code (dist/src/dashboard) or the sources (src/dashboard). */
function defaultAssetsDir(): string | null {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const candidate of [join(here, '..', '..', 'dashboard'), join(here, '..', '..', 'dist', 'dashboard')])
    if (existsSync(join(candidate, 'assets.json'))) return candidate;
  return null;
}

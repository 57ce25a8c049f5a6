// An output directory the pipeline is about to write to: made when missing, then checked for
// writing, so a typo or a read-only mount is one clear error at start naming the key and path.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';

export function ensureWritableDirectory(dir: string, key: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${key} ${dir} cannot be written to: ${e.code ?? e.message}`, { cause: err });
  }
}

// Where the compiled `stream-pipeline` CLI is, for the processes the pipeline starts itself
// (local workers, the built-in simulator): dist/src/cli/main.js beside this module, or, when
// this module runs from the TypeScript sources (tests), the project's launcher, which runs it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = join(here, 'main.js');
  return existsSync(compiled) ? compiled : join(here, '..', '..', 'bin', 'stream-pipeline.js');
})();

/** An error's message for a log line or the terminal, whatever was thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// The status broadcast every Zocalo service sends, so the facility's monitors see the pipeline
// among its services: to the fanout exchange transient.status, expiring after 15 s, every 6 s,
// with the fields python-workflows' frontend sends (host, status code and text, service,
// serviceclass, utilization by status code over the last interval, the software version).
import { readFileSync } from 'node:fs';

export const STATUS_EXCHANGE = 'transient.status';
export const STATUS_INTERVAL_MS = 6000;
/** How long a status is worth anything (AMQP expiration, ms). */
export const STATUS_EXPIRATION_MS = 15_000;

/** python-workflows' service status codes that apply to the pipeline. */
const IDLE = 2;
const PROCESSING = 4;

/** Our version (package.json beside the sources, or beside dist/). */
const VERSION = (() => {
  for (const up of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'stream-pipeline') return `stream-pipeline ${pkg.version ?? ''}`.trim();
    } catch {
      // not there: try the next place
    }
  }
  return 'stream-pipeline';
})();

export interface StatusInputs {
  hostname: string;
  pid: number;
  /** Fraction of the last interval spent processing, 0..1. */
  utilization: number;
}

export function statusMessage(s: StatusInputs): Buffer {
  const busy = Math.min(1, Math.max(0, s.utilization));
  const status = busy > 0 ? PROCESSING : IDLE;
  return Buffer.from(
    JSON.stringify({
      host: `${s.hostname.split('.').reverse().join('.')}.${s.pid}`,
      status,
      statustext: status === PROCESSING ? 'processing' : 'idle',
      service: 'stream-pipeline',
      serviceclass: 'StreamPipeline',
      utilization: { [PROCESSING]: round4(busy), [IDLE]: round4(1 - busy) },
      workflows: VERSION,
    }),
  );
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

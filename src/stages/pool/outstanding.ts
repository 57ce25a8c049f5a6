// What each path keeps of a worker's tasks that are sent and not yet answered: by task id, in the
// order sent (so the first is the one held longest), and when each was sent.
export interface Outstanding<T> {
  inFlight: Map<number, T>;
  /** When each in-flight task was sent (ms since the epoch), in the order sent. */
  sentAt: Map<number, number>;
}

/** Tasks at all these workers, sent and not yet answered. */
export function inFlightCount(workers: Map<string, Outstanding<unknown>>): number {
  let n = 0;
  for (const w of workers.values()) n += w.inFlight.size;
  return n;
}

/** When the worker's longest-held task was sent, or null when it holds none (or is unknown). */
export function oldestSentAt(worker: Outstanding<unknown> | undefined): number | null {
  if (!worker || worker.sentAt.size === 0) return null;
  return worker.sentAt.values().next().value as number;
}

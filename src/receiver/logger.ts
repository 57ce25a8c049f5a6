// The logging interface the receiver needs: the pino call shape `(fields, message)`, so a pino
// logger can be passed in directly; tests pass a collector.
import { pino } from 'pino';

export interface ReceiverLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** pino writing JSON lines to stderr (stdout stays free for the pipeline's own output). */
export function defaultReceiverLogger(): ReceiverLogger {
  return pino({ name: 'receiver' }, pino.destination(2));
}

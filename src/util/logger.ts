// Structured JSON logs (pino) on stderr; stdout stays free for a command's own output.
// Child loggers carry context (stage, series, frame), so every line says where it came from.
import { pino, type Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export function createLogger(name: string, level?: string): Logger {
  const wanted = level ?? process.env['STREAM_PIPELINE_LOG_LEVEL'] ?? 'info';
  return pino({ name, level: wanted, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}

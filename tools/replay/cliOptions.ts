// Option parsers shared by the record / replay / inspect / simulate commands. Each throws
// commander's InvalidArgumentError, so a bad value ends the command with a message naming the
// option and the accepted values (and exit code 1), never a stack trace.
import { InvalidArgumentError } from 'commander';
import { parseEndpoint } from '../../src/config/endpoint.js';
import { errorText } from '../../src/cli/cliPath.js';
import { parseGridShape } from '../../src/stages/grid/gridScan.js';

export function positiveInteger(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
      throw new InvalidArgumentError(`${what} must be a positive integer, got "${value}".`);
    }
    return n;
  };
}

export function nonNegativeInteger(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
      throw new InvalidArgumentError(`${what} must be a non-negative integer, got "${value}".`);
    }
    return n;
  };
}

export function integerIn(what: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}, got "${value}".`);
    }
    return n;
  };
}

/** A positive rate in Hz, or "max". */
export function rate(value: string): number | 'max' {
  if (value.trim().toLowerCase() === 'max') return 'max';
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`rate must be a positive number of frames per second or "max", got "${value}".`);
  }
  return n;
}

/** Replay speed: a positive factor (1 = recorded pace), or "max". */
export function speed(value: string): number | 'max' {
  if (value.trim().toLowerCase() === 'max') return 'max';
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(
      `speed must be a positive factor (1 = recorded pace, 2 = twice as fast) or "max", got "${value}".`,
    );
  }
  return n;
}

export function fraction(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      throw new InvalidArgumentError(`${what} must be a number between 0 and 1, got "${value}".`);
    }
    return n;
  };
}

export function oneOf<T extends string>(what: string, allowed: readonly T[]) {
  return (value: string): T => {
    const v = value.trim().toLowerCase();
    if (!(allowed as readonly string[]).includes(v)) {
      throw new InvalidArgumentError(`${what} must be one of ${allowed.join(', ')}, got "${value}".`);
    }
    return v as T;
  };
}

/** A grid's shape, COLSxROWS (see src/stages/grid/gridScan.ts). */
export function gridShape(value: string): { cols: number; rows: number } {
  return asOption(() => parseGridShape(value));
}

/** An endpoint to connect to (tcp://HOST:PORT, ipc://PATH); see src/config/endpoint.ts. */
export function connectEndpoint(value: string): string {
  return asOption(() => parseEndpoint(value, 'connect'));
}

/** An endpoint to bind (also tcp://*:PORT and tcp://HOST:*). */
export function bindEndpoint(value: string): string {
  return asOption(() => parseEndpoint(value, 'bind'));
}

function asOption<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}.`);
  }
}

/** Writes a one-line message to stderr, prefixed with the command name. */
export function note(command: string, message: string): void {
  process.stderr.write(`stream-pipeline ${command}: ${message}\n`);
}

/** Reports an error and sets the exit code, for failures after option parsing. */
export function fail(command: string, err: unknown, exitCode = 1): void {
  note(command, `error: ${errorText(err)}`);
  process.exitCode = exitCode;
}

/** Resolves on the first SIGINT or SIGTERM (and removes its handlers). */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  const listener = (signal: NodeJS.Signals) => {
    remove();
    handler(signal);
  };
  const remove = () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return remove;
}

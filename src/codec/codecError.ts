// Errors raised by the TypeScript side of the codec, shaped like the native ones (Error + `.code`).
import type { NativeErrorCode } from '../native/addon.js';

/** The native codes, and one of the TypeScript side's own. */
export type CodecErrorCode = NativeErrorCode | 'ERR_UNSUPPORTED_ENCODING';

export interface CodecError extends Error {
  code: CodecErrorCode;
}

export function codecError(code: CodecErrorCode, message: string): CodecError {
  const err = new Error(message) as CodecError;
  err.code = code;
  return err;
}

// Errors raised by the TypeScript side of the codec, shaped like the native ones (Error + `.code`).

export type CodecErrorCode =
  | 'ERR_INVALID_ARG'
  | 'ERR_TRUNCATED'
  | 'ERR_SIZE_MISMATCH'
  | 'ERR_LZ4_CORRUPT'
  | 'ERR_BAD_HEADER'
  | 'ERR_TRAILING_DATA'
  | 'ERR_UNSUPPORTED_ENCODING';

export interface CodecError extends Error {
  code: CodecErrorCode;
}

export function codecError(code: CodecErrorCode, message: string): CodecError {
  const err = new Error(message) as CodecError;
  err.code = code;
  return err;
}

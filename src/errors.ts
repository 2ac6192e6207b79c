// The error table (code → gRPC number → HTTP status), the AppError the domain throws, and the one Express
// error middleware that writes error bodies: `{code, message, details}` as Memos' REST transport does.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

export const ERROR_TABLE = {
  INVALID_ARGUMENT: { grpc: 3, http: 400 },
  FAILED_PRECONDITION: { grpc: 9, http: 400 },
  UNAUTHENTICATED: { grpc: 16, http: 401 },
  PERMISSION_DENIED: { grpc: 7, http: 403 },
  NOT_FOUND: { grpc: 5, http: 404 },
  ALREADY_EXISTS: { grpc: 6, http: 409 },
  PAYLOAD_TOO_LARGE: { grpc: 3, http: 413 },
  UNSUPPORTED_MEDIA_TYPE: { grpc: 3, http: 415 },
  METHOD_NOT_ALLOWED: { grpc: 12, http: 405 },
  RESOURCE_EXHAUSTED: { grpc: 8, http: 429 },
  INTERNAL: { grpc: 13, http: 500 },
  BAD_GATEWAY: { grpc: 14, http: 502 },
  UNAVAILABLE: { grpc: 14, http: 503 },
} as const;

export type ErrorCode = keyof typeof ERROR_TABLE;

export interface FieldViolation {
  field: string;
  description: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  /**
   * Which refusal of its code this is, when callers need to tell them apart (google.rpc.ErrorInfo's `reason`):
   * UPPER_SNAKE_CASE, stable, never shown; callers branch on it, never on the message.
   */
  readonly reason: string | null;
  readonly details: unknown[];
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; reason?: string; details?: unknown[]; headers?: Record<string, string> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.reason = options.reason ?? null;
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return ERROR_TABLE[this.code].http;
  }
}

export const invalidArgument = (message: string, violations: FieldViolation[] = [], reason?: string) =>
  new AppError('INVALID_ARGUMENT', message, {
    details: violations.length
      ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations }]
      : [],
    ...(reason === undefined ? {} : { reason }),
  });
export const failedPrecondition = (message: string) => new AppError('FAILED_PRECONDITION', message);
export const unauthenticated = (message = 'authentication required', bearerError?: 'invalid_token') =>
  new AppError('UNAUTHENTICATED', message, {
    headers: bearerError ? { 'WWW-Authenticate': `Bearer error="${bearerError}"` } : {},
  });
export const permissionDenied = (message = 'permission denied', reason?: string) =>
  new AppError('PERMISSION_DENIED', message, reason === undefined ? {} : { reason });
export const notFound = (message: string) => new AppError('NOT_FOUND', message);
export const alreadyExists = (message: string) => new AppError('ALREADY_EXISTS', message);
export const unavailable = (message = 'service unavailable', cause?: unknown) =>
  new AppError('UNAVAILABLE', message, { cause, headers: { 'Retry-After': '1' } });
export const resourceExhausted = (message: string, retryAfterSeconds: number) =>
  new AppError('RESOURCE_EXHAUSTED', message, { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });

/**
 * A storage or state dependency failed at the connection level. The adapters that talk to a driver throw it
 * where the driver's error enters (a driver error that carries no stable code, e.g. ioredis' "Connection is
 * closed."), keeping the driver's error as `cause`; callers branch on `code`, never on a message.
 */
export class DependencyDownError extends Error {
  readonly code = 'DEPENDENCY_DOWN';

  constructor(readonly dependency: 'database' | 'redis', cause: unknown) {
    super(`${dependency} unavailable`, { cause });
    this.name = 'DependencyDownError';
  }
}

/**
 * Stable codes of connection-level failures: errno codes of the network (Node), mysql2's protocol and pool codes,
 * better-sqlite3's SQLITE_BUSY, and our own DependencyDownError. The dependency is down, not the request wrong.
 */
const UNAVAILABLE_CODES = new Set([
  'DEPENDENCY_DOWN',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'POOL_CLOSED',
  'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY',
]);

export function isDependencyDown(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code, fatal } = err as { code?: unknown; fatal?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  // mysql2 marks every error that leaves the connection unusable `fatal` (its own protocol errors included).
  if (fatal === true) return true;
  return err.cause instanceof Error && err.cause !== err ? isDependencyDown(err.cause) : false;
}

/** Translates anything thrown into an AppError exactly once; the original is kept as `cause`. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number } | null;
  // body-parser / raw-body errors carry a `type`; they are the client's fault and safe to describe.
  switch (e?.type) {
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'request body too large', { cause: err });
    case 'entity.parse.failed':
      return invalidArgument('request body is not valid JSON');
    case 'entity.invalid.utf8':
      return invalidArgument('request body is not valid UTF-8');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported request encoding', { cause: err });
    case 'request.aborted':
      return invalidArgument('request aborted');
  }
  if (isDependencyDown(err)) return unavailable('service unavailable', err);
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return invalidArgument('bad request');
  }
  return new AppError('INTERNAL', 'internal error', { cause: err });
}

export interface ErrorBody {
  code: number;
  message: string;
  details: unknown[];
}

export function errorBody(err: AppError): ErrorBody {
  return { code: ERROR_TABLE[err.code].grpc, message: err.message, details: err.details };
}

/** The only place that turns an error into a response. 5xx bodies never carry the cause; the log does. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    const log = (req as { log?: Logger }).log ?? logger;
    if (appError.status >= 500) {
      log.error({ err: appError.cause ?? appError, code: appError.code }, 'request failed');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
    res.status(appError.status).json(errorBody(appError));
  };
}

/** Unknown path: the same body shape as every other error. */
export const notFoundMiddleware: RequestHandler = (_req, _res, next) => {
  next(new AppError('NOT_FOUND', 'Not Found'));
};

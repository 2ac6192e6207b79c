// Request ids for the forward-auth hot path: a random per-process prefix and a counter, so an id costs a string
// concatenation instead of a CSPRNG call (randomUUID) per request, and ids from two replicas never collide. A
// trusted proxy's own well-formed X-Request-Id (nginx `$request_id`) is kept, so one id follows the request.
import { randomBytes } from 'node:crypto';

/** What an incoming id may look like: short, visible ASCII without separators that logs or headers treat specially. */
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

const prefix = `${randomBytes(9).toString('base64url')}-`;
let counter = 0;

/** A new id, unique per process (prefix) and request (counter). */
export function nextRequestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return prefix + counter.toString(36);
}

/** The trusted proxy's X-Request-Id when it is well formed, else a new one. */
export function requestIdFor(incoming: string | string[] | undefined, fromTrustedProxy: boolean): string {
  return fromTrustedProxy && typeof incoming === 'string' && WELL_FORMED.test(incoming) ? incoming : nextRequestId();
}

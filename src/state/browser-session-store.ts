// express-session's Store over the ephemeral store (Redis or in-process): one JSON value per session id, its
// TTL the session cookie's remaining lifetime, so an abandoned browser session disappears with its cookie.
import session, { type SessionData } from 'express-session';
import type { EphemeralStore } from './ephemeral-store.js';

const KEY_PREFIX = 'browser-session:';

export class EphemeralSessionStore extends session.Store {
  /** `fallbackTtlMs`: the lifetime of a session whose cookie has no Max-Age (a browser-session cookie). */
  constructor(
    private readonly ephemeral: EphemeralStore,
    private readonly fallbackTtlMs: number,
  ) {
    super();
  }

  private ttlMs(data: SessionData): number {
    const remaining = data.cookie?.maxAge;
    return typeof remaining === 'number' && Number.isFinite(remaining) ? Math.max(1, remaining) : this.fallbackTtlMs;
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.ephemeral.get(KEY_PREFIX + sid).then(
      (value) => callback(null, value === null ? null : (JSON.parse(value) as SessionData)),
      (err: unknown) => callback(err),
    );
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    this.ephemeral.set(KEY_PREFIX + sid, JSON.stringify(data), this.ttlMs(data)).then(
      () => callback?.(),
      (err: unknown) => callback?.(err),
    );
  }

  /** Extends the lifetime of an unchanged session (express-session calls it when `resave` is off). */
  override touch(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    // No "expire if present" in EphemeralStore: rewrite the stored value (it may carry data newer than `data`).
    const key = KEY_PREFIX + sid;
    this.ephemeral
      .get(key)
      .then((value) => (value === null ? undefined : this.ephemeral.set(key, value, this.ttlMs(data))))
      .then(
        () => callback?.(),
        (err: unknown) => callback?.(err),
      );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.ephemeral.delete(KEY_PREFIX + sid).then(
      () => callback?.(),
      (err: unknown) => callback?.(err),
    );
  }
}

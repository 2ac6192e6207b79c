// Password hashing with the native bcrypt (work runs on libuv's thread pool, never on the event loop; a few jobs
// at a time, so a flood of sign-ins cannot starve the pool). Unknown users are compared against a dummy hash so
// that timing does not tell them apart.
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import { invalidArgument } from '../errors.js';
import { WorkGate } from './work-gate.js';

/** bcrypt reads at most 72 bytes; longer secrets would be silently truncated. */
export const MAX_PASSWORD_BYTES = 72;
/** bcrypt jobs in flight: half of libuv's default pool of 4, so JWT checks (WebCrypto), fs and DNS always find a thread. */
export const BCRYPT_CONCURRENCY = 2;
/** Password checks waiting for a bcrypt slot; past this a request is refused with 429 at once. */
export const BCRYPT_MAX_WAITING = 64;

export class PasswordHasher {
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly cost: number,
    private readonly gate = new WorkGate(BCRYPT_CONCURRENCY, BCRYPT_MAX_WAITING, 'too many password checks in progress; try again shortly'),
  ) {}

  /** Refuses what bcrypt cannot hash faithfully, with a message in bytes (UTF-8), not characters. */
  assertAcceptable(password: string): void {
    if (password.length === 0) throw invalidArgument('password must not be empty', [{ field: 'password', description: 'required' }]);
    if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
      throw invalidArgument(`password must be at most ${MAX_PASSWORD_BYTES} bytes (UTF-8)`, [
        { field: 'password', description: `longer than ${MAX_PASSWORD_BYTES} bytes` },
      ]);
    }
  }

  hash(password: string): Promise<string> {
    return this.gate.run(() => bcrypt.hash(password, this.cost));
  }

  /** Compares against `hash`, or against a dummy hash of the same cost when there is no user. */
  async verify(password: string, hash: string | null): Promise<boolean> {
    const tooLong = Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
    const target = hash ?? (await this.dummy());
    const match = await this.gate.run(() => bcrypt.compare(password, target));
    return match && hash !== null && !tooLong;
  }

  /** Computes the dummy hash ahead of the first sign-in so the first unknown user costs the same. */
  warmUp(): Promise<string> {
    return this.dummy();
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= bcrypt.hash(randomBytes(24).toString('base64'), this.cost);
    return this.dummyHash;
  }
}

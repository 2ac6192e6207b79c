// Password hashing with the native bcrypt (work runs on libuv's thread pool, never on the event loop).
// Unknown users are compared against a dummy hash so that timing does not tell them apart.
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import { invalidArgument } from '../errors.js';

/** bcrypt reads at most 72 bytes; longer secrets would be silently truncated. */
export const MAX_PASSWORD_BYTES = 72;

export class PasswordHasher {
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly cost: number) {}

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
    return bcrypt.hash(password, this.cost);
  }

  /** Compares against `hash`, or against a dummy hash of the same cost when there is no user. */
  async verify(password: string, hash: string | null): Promise<boolean> {
    const tooLong = Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
    const target = hash ?? (await this.dummy());
    const match = await bcrypt.compare(password, target);
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

// Writes "last used" at most once per interval per key, off the request's critical path: the write is started
// and not awaited, failures are only logged. Pending writes can be awaited (`settle`) by readers that want to see
// them, such as the PAT list, which then shows the use that happened a moment ago on this replica.
import type { Logger } from '../logger.js';

export const LAST_USED_INTERVAL_MS = 60_000;
/** Past this many remembered keys, entries older than the interval are dropped (they would write anyway). */
const PRUNE_ABOVE = 10_000;

export class LastUsedThrottle {
  private readonly lastWritten = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly write: (key: string, at: Date) => Promise<void>,
    private readonly logger: Logger,
    private readonly intervalMs = LAST_USED_INTERVAL_MS,
  ) {}

  /** Records a use at `at`; starts a write only if the last one for `key` is at least an interval old. */
  record(key: string, at: Date): void {
    const previous = this.lastWritten.get(key);
    if (previous !== undefined && at.getTime() - previous < this.intervalMs) return;
    this.lastWritten.set(key, at.getTime());
    if (this.lastWritten.size > PRUNE_ABOVE) this.prune(at.getTime());
    const job = this.write(key, at).catch((err: unknown) => {
      this.logger.warn({ err, key }, 'could not record last use');
    });
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  /** Resolves when every write started so far has finished (successfully or not). */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Forgets `key`, so that its next use writes again (e.g. after the token was deleted). */
  forget(key: string): void {
    this.lastWritten.delete(key);
  }

  private prune(now: number): void {
    for (const [key, at] of this.lastWritten) {
      if (now - at >= this.intervalMs) this.lastWritten.delete(key);
    }
  }
}

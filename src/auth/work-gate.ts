// A bound on concurrent work of one kind: at most `limit` jobs run at once, at most `maxWaiting` wait their turn
// in order, and any more are refused at once (429). Used for bcrypt, which runs on libuv's thread pool: the pool
// (4 threads by default) is shared with WebCrypto (jose's JWT signing and checks), fs and dns.lookup, and its
// queue is first come, first served, so a flood of sign-ins must never fill it.
import { resourceExhausted } from '../errors.js';

export class WorkGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly limit: number,
    readonly maxWaiting: number,
    private readonly refusal: string,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) {
      this.running += 1;
    } else {
      if (this.waiting.length >= this.maxWaiting) throw resourceExhausted(this.refusal, 1);
      // The slot is handed over by the job that finishes (running stays the same).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

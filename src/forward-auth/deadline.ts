// A bound on how long forward auth waits for a lookup: nginx must get a denial, not a hung subrequest.
import { unavailable } from '../errors.js';

/** Resolves like `work`, or rejects with 503 Unavailable after `ms`. */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(unavailable('lookup timed out')), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

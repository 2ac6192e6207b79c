// Carries the revocation events (events.ts RELAYED_EVENTS) between gateway processes — replicas and
// GATEWAY_WORKERS workers alike — over Redis pub/sub, so a cache on another process forgets a revoked session,
// deleted PAT, changed user or rotated key as soon as Redis delivers the message (milliseconds). Pub/sub is
// fire-and-forget: while the subscriber connection is down messages are lost, so every (re)connect after the first
// emits 'caches-stale' locally and the verify caches drop everything. The documented bound is therefore: Redis'
// delivery while it is up, else the next reconnect; the caches' own lifetimes (4 s) cap it when Redis stays down.
import type { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Cluster, Redis } from 'ioredis';
import { RELAYED_EVENTS, type GatewayEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { RedisTarget } from './redis-target.js';
import { closeRedis, connectRedis } from './redis-store.js';

const message = z.discriminatedUnion('event', [
  z.object({ origin: z.string(), event: z.literal('sessions-revoked'), args: z.tuple([z.array(z.string().max(64)).max(100_000)]) }),
  z.object({ origin: z.string(), event: z.literal('user-changed'), args: z.tuple([z.number().int().nonnegative()]) }),
  z.object({ origin: z.string(), event: z.literal('pats-revoked'), args: z.tuple([z.number().int().nonnegative(), z.array(z.string().max(64)).max(100_000)]) }),
  z.object({ origin: z.string(), event: z.literal('keys-rotated'), args: z.tuple([]) }),
  z.object({ origin: z.string(), event: z.literal('groups-changed'), args: z.tuple([z.number().int().nonnegative()]) }),
]);

export class EventRelay {
  private readonly origin = randomBytes(9).toString('base64url');
  private readonly publisher: Redis | Cluster;
  private readonly subscriber: Redis | Cluster;
  private readonly channel: string;
  /** True while re-emitting a message from elsewhere: that emit is not published back. */
  private relaying = false;
  private connectedOnce = false;
  private readonly subscribed: Promise<unknown>;
  /** Publishes not yet answered: close() lets them finish (the admin CLI publishes, then exits). */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly events: EventEmitter<GatewayEvents>,
    target: RedisTarget,
    keyPrefix: string,
    private readonly logger: Logger,
  ) {
    this.channel = `${keyPrefix}events`;
    this.publisher = connectRedis(target, { keyPrefix: '', commandTimeoutMs: 1000 });
    this.subscriber = connectRedis(target, { keyPrefix: '', commandTimeoutMs: 5000 });
    this.publisher.on('error', () => {});
    this.subscriber.on('error', () => {});
    // enableOfflineQueue is off: subscribe once connected, and again after every reconnect (messages sent while
    // it was away are gone, so the caches start over).
    this.subscribed = new Promise((resolve) => {
      this.subscriber.on('ready', () => {
        if (this.connectedOnce) this.events.emit('caches-stale');
        this.connectedOnce = true;
        this.subscriber.subscribe(this.channel).then(resolve, (err: unknown) => this.logger.warn({ err }, 'event relay: could not subscribe'));
      });
    });
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    for (const name of RELAYED_EVENTS) {
      this.events.on(name, (...args: unknown[]) => {
        if (!this.relaying) this.publish(name, args);
      });
    }
  }

  private publish(event: string, args: unknown[]): void {
    const sent: Promise<unknown> = this.publisher.publish(this.channel, JSON.stringify({ origin: this.origin, event, args })).catch((err: unknown) => {
      this.logger.warn({ err, event: 'event_relay_publish_failed', relayed: event }, 'event relay: could not publish; other processes see it when their caches expire');
    });
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  private receive(text: string): void {
    let parsed;
    try {
      parsed = message.safeParse(JSON.parse(text));
    } catch {
      return;
    }
    if (!parsed.success || parsed.data.origin === this.origin) return;
    const m = parsed.data;
    this.relaying = true;
    try {
      // Each branch narrows args to that event's tuple.
      if (m.event === 'sessions-revoked') this.events.emit(m.event, ...m.args);
      else if (m.event === 'user-changed') this.events.emit(m.event, ...m.args);
      else if (m.event === 'pats-revoked') this.events.emit(m.event, ...m.args);
      else if (m.event === 'groups-changed') this.events.emit(m.event, ...m.args);
      else this.events.emit(m.event);
    } finally {
      this.relaying = false;
    }
  }

  /** Resolves once subscribed, or after `timeoutMs` (the start goes on; ioredis subscribes when Redis answers). */
  async waitUntilSubscribed(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.subscribed, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    closeRedis(this.publisher);
    closeRedis(this.subscriber);
  }
}

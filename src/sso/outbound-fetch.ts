// Every call the gateway makes to an identity provider goes through here: a timeout well below openid-client's
// 30 s default, no redirect following, a cap on the response body (security catalogue D.46), and the address
// actually connected to checked after name resolution (outbound-address.ts), so a name that resolves to a
// link-local or metadata address is refused at connect time. node:http(s) rather than fetch: its `lookup` hook.
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { pipeline, Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { Config } from '../config.js';
import { classifyHost, classifyIp, refusalFor } from './outbound-address.js';

export const OUTBOUND_TIMEOUT_MS = 5000;
export const MAX_RESPONSE_BYTES = 1024 * 1024;
export const USER_AGENT = 'sso-gateway';

export class ResponseTooLargeError extends Error {
  constructor() {
    super('identity provider response too large');
    this.name = 'ResponseTooLargeError';
  }
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body?.cancel();
    throw new ResponseTooLargeError();
  }
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new ResponseTooLargeError();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

export type OutboundPolicy = Pick<Config, 'outboundDenyPrivate'>;

export class OutboundAddressRefusedError extends Error {
  constructor(host: string, reason: string) {
    super(`refused to connect to ${host}: it is ${reason}`);
    this.name = 'OutboundAddressRefusedError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup (looked up at call time, so tests can stand in a resolver) that refuses what the policy refuses. */
function guardedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const { address } of addresses) {
        const reason = refusalFor(classifyIp(address) ?? 'forbidden', policy.outboundDenyPrivate);
        if (reason) return callback(Object.assign(new OutboundAddressRefusedError(hostname, reason), { code: 'EADDRREFUSED' }), []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

function decoded(res: http.IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const through = (t: Transform) => pipeline(res, t, () => {});
  if (encoding === 'gzip' || encoding === 'x-gzip') return through(zlib.createGunzip());
  if (encoding === 'deflate') return through(zlib.createInflate());
  if (encoding === 'br') return through(zlib.createBrotliDecompress());
  return res;
}

/** One HTTP exchange over node:http(s) with the guarded lookup; the response body as a web stream. */
async function send(url: URL, request: Request, signal: AbortSignal, policy: OutboundPolicy): Promise<Response> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`unsupported protocol ${url.protocol}`);
  // An address literal is never looked up: judge it here.
  const reason = refusalFor(classifyHost(url.hostname), policy.outboundDenyPrivate);
  if (reason) throw new OutboundAddressRefusedError(url.hostname, reason);
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : null;
  const headers: Record<string, string> = Object.fromEntries(request.headers);
  headers['accept-encoding'] = 'gzip, deflate, br';
  if (body) headers['content-length'] = String(body.byteLength);
  const client = url.protocol === 'https:' ? https : http;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = client.request(url, {
      method: request.method,
      headers,
      signal,
      agent: false,
      lookup: guardedLookup(policy) as unknown as typeof dns.lookup,
    }, resolve);
    req.on('error', reject);
    req.end(body ?? undefined);
  });
  const outHeaders = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) outHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const stream = NULL_BODY_STATUS.has(res.statusCode ?? 0) || request.method === 'HEAD' ? null : decoded(res);
  if (!stream) res.resume();
  return new Response(stream ? (Readable.toWeb(stream) as ReadableStream<Uint8Array>) : null, {
    status: res.statusCode ?? 502,
    statusText: res.statusMessage ?? '',
    headers: outHeaders,
  });
}

/** fetch with the limits above; the body is read completely (capped) before the caller sees the response. */
export async function boundedFetch(url: string, init: RequestInit, policy: OutboundPolicy): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('user-agent')) headers.set('user-agent', USER_AGENT);
  const signal = init.signal ?? AbortSignal.timeout(OUTBOUND_TIMEOUT_MS);
  const request = new Request(url, { ...init, headers, redirect: 'manual', signal });
  const res = await send(new URL(request.url), request, signal, policy);
  const body = await readCapped(res, MAX_RESPONSE_BYTES);
  const outHeaders = new Headers(res.headers);
  // The body above is already decoded; these would describe the wire form, not what the caller gets.
  outHeaders.delete('content-encoding');
  outHeaders.delete('content-length');
  return new Response(NULL_BODY_STATUS.has(res.status) ? null : body, {
    status: res.status,
    statusText: res.statusText,
    headers: outHeaders,
  });
}

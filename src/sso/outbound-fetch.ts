// Every call the gateway makes to an identity provider goes through here: a timeout well below openid-client's
// 30 s default, no redirect following, and a cap on the response body, so a slow or hostile provider costs a
// bounded amount of time and memory (security catalogue D.46).
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

/** fetch with the limits above; the body is read completely (capped) before the caller sees the response. */
export async function boundedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('user-agent')) headers.set('user-agent', USER_AGENT);
  const signal = init.signal ?? AbortSignal.timeout(OUTBOUND_TIMEOUT_MS);
  const res = await fetch(url, { ...init, headers, redirect: 'manual', signal });
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

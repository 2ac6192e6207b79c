// The OpenID Provider's authorization-code grant as a round trip an app makes for each sign-in with an existing
// gateway session: GET /oidc/auth (PKCE S256) → the gateway's interaction (signs the session in, consent SKIP) →
// back to /oidc/auth → the client's redirect URI with a code → POST /oidc/token. Several loops in flight; each
// completed round trip counts once.
import { createHash, randomBytes } from 'node:crypto';
import type { LoadResult } from './load.js';

const REDIRECT = 'http://127.0.0.1:9/cb';

async function registerClient(base: string, adminToken: string): Promise<{ clientId: string; clientSecret: string }> {
  const res = await fetch(`${base}/api/v1/oidc-clients`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ displayName: 'bench', redirectUris: [REDIRECT], consent: 'SKIP' }),
  });
  if (res.status !== 200) throw new Error(`register client: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { client: { clientId: string }; clientSecret: string };
  return { clientId: body.client.clientId, clientSecret: body.clientSecret };
}

async function roundTrip(base: string, ssoSession: string, client: { clientId: string; clientSecret: string }): Promise<void> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const cookies = new Map<string, string>([['sso_session', ssoSession]]);
  let url = new URL(`${base}/oidc/auth`);
  url.search = new URLSearchParams({ client_id: client.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }).toString();
  let code: string | null = null;
  for (let hop = 0; hop < 8 && code === null; hop++) {
    // As nginx would: TLS ends in front of the gateway (the instance URL is https), the hop to it is plain http.
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-forwarded-proto': 'https' } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    await res.arrayBuffer();
    const location = res.headers.get('location');
    if (!location) throw new Error(`authorize stopped with ${res.status}`);
    const next = new URL(location, url);
    if (next.protocol === 'https:' && next.host === url.host) next.protocol = 'http:';
    if (next.href.startsWith(REDIRECT)) code = next.searchParams.get('code');
    url = next;
  }
  if (!code) throw new Error('no code');
  const token = await fetch(`${base}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: client.clientId, client_secret: client.clientSecret }),
  });
  if (token.status !== 200) throw new Error(`token: ${token.status}`);
  await token.arrayBuffer();
}

export async function measureAuthCodeGrants(base: string, adminToken: string, ssoSession: string, seconds: number, inFlight = 8): Promise<LoadResult> {
  const client = await registerClient(base, adminToken);
  await roundTrip(base, ssoSession, client); // warm-up
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        await roundTrip(base, ssoSession, client);
        latencies.push(performance.now() - t);
      } catch {
        errors += 1;
      }
    }
  }));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    label: 'OIDC authorization-code grant (session → code → token)',
    connections: inFlight,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    okPerSecond: latencies.length / seconds,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    non2xx: 0,
    errors,
    rounds: 1,
    ratio: null,
  };
}

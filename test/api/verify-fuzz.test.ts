// /auth/verify under malformed input: a seeded, bounded fuzz of X-Original-URL, Cookie and Authorization values.
// Every case carries at least one malformed part that decides the outcome, so none may be answered with a 2xx
// (the Authelia CVE-2021-32637 class: an error path that says "allowed").
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, STORAGE_MODES, type TestGateway } from '../support/gateway.js';
import { createAdmin, signIn } from '../support/users.js';
import { APP, forwardAuthEnv, writeRulesFile, type RulesFile } from '../support/verify.js';

const CASES = 2500;

/** mulberry32: small, seeded, reproducible. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

/** Characters an HTTP client can put in a header value (visible Latin-1, space, tab). */
function headerChars(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = rng.int(10);
    s += String.fromCharCode(r === 0 ? 0x80 + rng.int(0x80) : r === 1 ? rng.pick([9, 32]) : 0x21 + rng.int(0x5e));
  }
  return s;
}

/** Visible ASCII without `;`, `/`, `?`, `#`: appended to a value it cannot be trimmed away or split off. */
function solidChars(rng: Rng, length: number): string {
  let s = '';
  while (s.length < length) {
    const c = String.fromCharCode(0x21 + rng.int(0x5e));
    if (!';/?#'.includes(c)) s += c;
  }
  return s;
}

const TRICKS = [';', '\\', '%2f', '%2F', '%5c', '%00', '%zz', '%4', '%', '%252e', '%25', '%23', '#', '%0d%0a', '\t', ' ', '/../..', '/%2e%2e/%2e%2e', '%C3%28', '%ED%A0%80', '\u00e9', '\u00ff'];

/** A URL nginx could never have sent us whole: garbage, or a good URL with one trick spliced into its path. */
function malformedUrl(rng: Rng): string {
  switch (rng.int(5)) {
    case 0:
      return headerChars(rng, 1 + rng.int(80));
    case 1:
      return rng.pick(['ftp://app.example.test/', 'https://user:pw@app.example.test/', 'https://app.example.test:0/', 'https://', '//app.example.test/x', 'https:app.example.test', 'javascript:alert(1)', '']);
    case 2:
      // A host with at least one character no host name has.
      return `https://${solidChars(rng, rng.int(12))}${rng.pick(['@evil.test', '_', '\\', ' ', '%41', '[', '..', '"'])}${solidChars(rng, rng.int(4))}/x`;
    default:
      // One trick spliced in at a segment boundary, so that it cannot combine with its neighbours into something valid.
      return `${APP}/docs${rng.pick(TRICKS)}/page${rng.chance(0.3) ? '?q=1' : ''}`;
  }
}

function mutate(rng: Rng, value: string, keepSignature = false): string {
  const end = keepSignature ? value.lastIndexOf('.') : value.length;
  switch (rng.int(4)) {
    case 0:
      return value.slice(0, rng.int(value.length));
    case 1: {
      // Changing a header or payload character changes the signed input (the signature's last character can
      // carry unused bits, so it is left alone).
      const i = rng.int(Math.max(1, end));
      const c = value[i] === 'A' ? 'B' : 'A';
      return value.slice(0, i) + c + value.slice(i + 1);
    }
    case 2:
      return value + solidChars(rng, 1 + rng.int(5));
    default:
      return headerChars(rng, 1 + rng.int(200));
  }
}

interface Credentials {
  accessToken: string;
  sso: string;
  refresh: string;
}

/** Returns request headers of which at least one part is malformed in a way that must deny. */
function fuzzCase(rng: Rng, good: Credentials): Record<string, string> {
  const headers: Record<string, string> = {};
  const kind = rng.int(4);
  if (kind === 0) {
    // A genuine credential, but the original URL cannot be judged: the decision must be a denial.
    headers['X-Original-URL'] = malformedUrl(rng);
    if (rng.chance(0.5)) headers.Authorization = `Bearer ${good.accessToken}`;
    else headers.Cookie = `sso_session=${good.sso}`;
  } else if (kind === 1) {
    headers.Authorization = rng.pick([
      `Bearer ${mutate(rng, good.accessToken, true)}`,
      `Bearer memos_pat_${headerChars(rng, rng.int(40))}`,
      `bearer ${headerChars(rng, rng.int(300))}`,
      `Bearer ${good.refresh}`,
      `Bearer ${good.sso}`,
      `Bearer ${solidChars(rng, 1 + rng.int(60))}`,
    ]);
    if (rng.chance(0.5)) headers.Cookie = `sso_session=${good.sso}`;
  } else {
    const value = rng.chance(0.5) ? mutate(rng, good.sso) : headerChars(rng, rng.int(60));
    headers.Cookie = rng.pick([
      `sso_session=${value}`,
      `memos_refresh=${good.refresh}`,
      `sso_session=${value}; sso_session=${good.sso}`,
      `${headerChars(rng, rng.int(40))}`,
      `a=1;sso_session;b=${good.sso}`,
      `sso_session="${good.sso}"`,
      `sso_session=${good.sso}${solidChars(rng, 1 + rng.int(3))}`,
    ]);
  }
  if (headers['X-Original-URL'] === undefined) headers['X-Original-URL'] = rng.chance(0.7) ? `${APP}/docs` : malformedUrl(rng);
  if (rng.chance(0.3)) headers.Accept = 'text/html';
  return headers;
}

function get(agent: Agent, base: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/auth/verify`, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const mode of STORAGE_MODES) {
  describe(`forward auth fuzz [${mode}]`, () => {
    let gw: TestGateway;
    let rules: RulesFile;
    let base: string;
    let good: Credentials;

    before(async () => {
      rules = writeRulesFile();
      gw = await startTestGateway(mode, { env: forwardAuthEnv(rules) });
      base = await gw.listen();
      const admin = await createAdmin(gw);
      const signedIn = await signIn(gw, admin.username, admin.password);
      good = { accessToken: signedIn.accessToken, sso: signedIn.jar.get('sso_session')!, refresh: signedIn.jar.get('memos_refresh')! };
    });

    after(async () => {
      await gw.close();
      rules.remove();
    });

    test(`${CASES} malformed URLs, cookies and bearer values never get a 2xx`, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      const rng = prng(0x5eed + (mode === 'embedded' ? 0 : 1));
      try {
        // The genuine credentials do pass, so the denials below are the fuzzed parts' doing.
        assert.equal(await get(agent, base, { Authorization: `Bearer ${good.accessToken}`, 'X-Original-URL': `${APP}/docs` }), 200);
        assert.equal(await get(agent, base, { Cookie: `sso_session=${good.sso}`, 'X-Original-URL': `${APP}/docs` }), 200);
        const statuses = new Map<number, number>();
        for (let i = 0; i < CASES; i += 8) {
          const batch = Array.from({ length: Math.min(8, CASES - i) }, () => fuzzCase(rng, good));
          const answers = await Promise.all(batch.map((headers) => get(agent, base, headers).then((status) => ({ status, headers }))));
          for (const { status, headers } of answers) {
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            assert.ok(status >= 400, `${status} for ${JSON.stringify(headers)}`);
          }
        }
        assert.ok((statuses.get(401) ?? 0) > 0 && (statuses.get(403) ?? 0) > 0, JSON.stringify([...statuses]));
      } finally {
        agent.destroy();
      }
    });
  });
}

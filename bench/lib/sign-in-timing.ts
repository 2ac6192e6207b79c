// Sign-in timing by outcome: an unknown username, a known user's wrong password, and an archived user's wrong
// password must all answer 401 in the same time (one bcrypt compare each, a dummy hash for the unknown name), so
// the response time tells a caller nothing about which accounts exist (DESIGN §8; test G65 counts the compares,
// this measures the time). One request in flight, the three kinds interleaved round by round.
import { median } from './load.js';

export interface SignInTiming {
  rounds: number;
  /** Median milliseconds per kind, in the order of KINDS. */
  medians: { kind: string; ms: number; non401: number }[];
  /** Largest difference between two medians, in ms and as a share of the smallest median. */
  spreadMs: number;
  spreadShare: number;
}

async function post(base: string, path: string, body: unknown, bearer?: string): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function createAccount(base: string, adminToken: string, username: string, password: string): Promise<string> {
  const res = await post(base, '/api/v1/users', { username, password }, adminToken);
  if (res.status !== 200) throw new Error(`create ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { name: string }).name.split('/')[1]!;
}

/** Needs a gateway whose sign-in regulation allows this many failures (the bench gateway's env raises them). */
export async function measureSignInTiming(base: string, adminToken: string, rounds: number): Promise<SignInTiming> {
  const known = { username: 'bench-timing-known', password: 'bench timing password 1' };
  const archived = { username: 'bench-timing-archived', password: 'bench timing password 2' };
  await createAccount(base, adminToken, known.username, known.password);
  const archivedId = await createAccount(base, adminToken, archived.username, archived.password);
  const archive = await fetch(`${base}/api/v1/users/${archivedId}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ state: 'ARCHIVED' }),
  });
  if (archive.status !== 200) throw new Error(`archive: ${archive.status} ${await archive.text()}`);
  const kinds = [
    { kind: 'unknown user', credentials: { username: 'bench-timing-nobody', password: 'whatever password 3' } },
    { kind: 'wrong password', credentials: { username: known.username, password: 'not the password 4' } },
    // (The right password of an archived user is a 403 that says so, as in Memos: only its owner learns that.)
    { kind: 'archived user, wrong password', credentials: { username: archived.username, password: 'not the password 5' } },
  ];
  const times = kinds.map(() => [] as number[]);
  const non401 = kinds.map(() => 0);
  for (let round = 0; round < rounds + 1; round++) {
    // Rotate the order each round, so no kind always follows the same one.
    for (let k = 0; k < kinds.length; k++) {
      const i = (k + round) % kinds.length;
      const t0 = performance.now();
      const res = await post(base, '/api/v1/auth/signin', { passwordCredentials: kinds[i]!.credentials });
      await res.arrayBuffer();
      const elapsed = performance.now() - t0;
      if (res.status !== 401) non401[i]! += 1;
      if (round > 0) times[i]!.push(elapsed); // round 0 warms up
    }
  }
  const medians = kinds.map((k, i) => ({ kind: k.kind, ms: median(times[i]!), non401: non401[i]! }));
  const values = medians.map((m) => m.ms);
  const spreadMs = Math.max(...values) - Math.min(...values);
  return { rounds, medians, spreadMs, spreadShare: spreadMs / Math.min(...values) };
}

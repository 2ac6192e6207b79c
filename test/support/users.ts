// Factories for users and signed-in sessions through the public API, as a client would make them.
import assert from 'node:assert/strict';
import { CookieJar } from './cookie-jar.js';
import type { TestGateway } from './gateway.js';

export interface SignedIn {
  userId: number;
  username: string;
  password: string;
  accessToken: string;
  jar: CookieJar;
  /** Bearer header for supertest's `.set(...)`. */
  auth: { Authorization: string };
}

let counter = 0;
export function uniqueUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

export async function createUser(
  gw: TestGateway,
  body: { username?: string; password?: string; email?: string; displayName?: string; role?: string } = {},
  asAdmin?: SignedIn,
): Promise<{ id: number; username: string; password: string; role: string }> {
  const username = body.username ?? uniqueUsername();
  const password = body.password ?? 'correct horse battery staple';
  let req = gw.http.post('/api/v1/users').send({ ...body, username, password });
  if (asAdmin) req = req.set(asAdmin.auth);
  const res = await req;
  assert.equal(res.status, 200, `create user ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: Number(String(res.body.name).split('/')[1]), username, password, role: res.body.role };
}

export async function signIn(
  gw: TestGateway,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<SignedIn> {
  const res = await gw.http.post('/api/v1/auth/signin').set(headers).send({ passwordCredentials: { username, password } });
  assert.equal(res.status, 200, `sign in ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  const jar = new CookieJar();
  jar.store(res.headers['set-cookie']);
  const accessToken = res.body.accessToken as string;
  return {
    userId: Number(String(res.body.user.name).split('/')[1]),
    username,
    password,
    accessToken,
    jar,
    auth: { Authorization: `Bearer ${accessToken}` },
  };
}

/** The first user of a fresh gateway: becomes ADMIN. */
export async function createAdmin(gw: TestGateway): Promise<SignedIn> {
  const u = await createUser(gw, { username: uniqueUsername('admin') });
  assert.equal(u.role, 'ADMIN', 'the first user must be the admin; create the admin before other users');
  return signIn(gw, u.username, u.password);
}

export async function createSignedInUser(gw: TestGateway, headers: Record<string, string> = {}): Promise<SignedIn> {
  const u = await createUser(gw);
  return signIn(gw, u.username, u.password, headers);
}

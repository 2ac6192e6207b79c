// SSO pieces shared by the security suite's groups D, E and F: a capturing gateway with an admin and the three test
// providers registered (the real oidc-provider, the GitHub-shaped fake, our own tamperable OIDC issuer), a flow run
// against the tamperable issuer in one call, and the proof that a refused callback left nothing behind but its
// sso.denied audit row.
import assert from 'node:assert/strict';
import {
  TEST_ENV,
  createIdp,
  finishFlow,
  githubIdpBody,
  meFromRefreshCookie,
  oidcIdpBody,
  setCookieNames,
  startFlow,
  type Providers,
  type StartedFlow,
} from './sso.js';
import type { StorageMode } from './gateway.js';
import { createAdmin, type SignedIn } from './users.js';
import { dumpDatabase, startCapturingGateway, type CapturingGateway } from './capturing-gateway.js';
import { authorizeAtFake, fakeIdpBody, type FakeOidcIssuer } from './tamperable-oidc-issuer.js';
import { expectSsoAudit, type ExpectedSsoAudit } from './sso-audit.js';

export interface SsoWorld {
  gw: CapturingGateway;
  admin: SignedIn;
  /** The real oidc-provider (OpenID Connect, identifier `sub`). */
  oidcUid: string;
  /** The GitHub-shaped fake (plain OAuth2, identifier `login`). */
  githubUid: string;
  /** Our tamperable issuer (OpenID Connect, identifier `sub`). */
  fakeUid: string;
}

export async function startSsoWorld(mode: StorageMode, providers: Providers, fake: FakeOidcIssuer, env: Record<string, string> = {}): Promise<SsoWorld> {
  const gw = await startCapturingGateway(mode, { env: { ...TEST_ENV, ...env } });
  const admin = await createAdmin(gw);
  return {
    gw,
    admin,
    oidcUid: await createIdp(gw, admin, oidcIdpBody(providers.op), 'oidc'),
    githubUid: await createIdp(gw, admin, githubIdpBody(providers.gh), 'github'),
    fakeUid: await createIdp(gw, admin, fakeIdpBody(fake), 'fake'),
  };
}

/** Starts a flow at the tamperable issuer and comes back with its callback URL (nothing sent to the gateway yet). */
export async function fakeAuthorization(gw: CapturingGateway, uid: string, options: { cookie?: string; redirect?: string } = {}): Promise<{ flow: StartedFlow; callback: URL }> {
  const flow = await startFlow(gw, uid, options);
  return { flow, callback: await authorizeAtFake(flow.authorizeUrl) };
}

/** A whole sign-in through the tamperable issuer; returns the gateway's answer to the callback. */
export async function signInAtFake(gw: CapturingGateway, uid: string, options: { cookie?: string; redirect?: string } = {}) {
  const { flow, callback } = await fakeAuthorization(gw, uid, options);
  return finishFlow(gw, callback, flow.cookie);
}

const ACCOUNT_TABLES = ['user', 'user_identity', 'user_session', 'user_refresh_token', 'personal_access_token'] as const;
export type RowCounts = Record<(typeof ACCOUNT_TABLES)[number], number>;

/** Rows in every table that holds accounts, links or credentials, read straight from the database. */
export async function countAccountRows(gw: CapturingGateway): Promise<RowCounts> {
  const tables = JSON.parse(await dumpDatabase(gw.storage)) as Record<string, unknown[]>;
  return Object.fromEntries(ACCOUNT_TABLES.map((t) => [t, tables[t]?.length ?? 0])) as RowCounts;
}

/**
 * The callback was refused with `status`: no cookie, no token, not one new user, link, session or token row, and
 * one new sso.denied audit row with the expected provider uid and reason (holding no code, state or token).
 */
export async function assertRefusedWithoutTrace(
  gw: CapturingGateway,
  res: { status: number; headers: Record<string, unknown>; body: unknown },
  status: number,
  before: RowCounts,
  what: string,
  audit: Omit<ExpectedSsoAudit, 'event'>,
): Promise<void> {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.deepEqual(setCookieNames(res.headers['set-cookie'] as string[] | undefined), [], `${what}: no session cookie`);
  assert.equal((res.body as { accessToken?: unknown } | undefined)?.accessToken, undefined, `${what}: no token`);
  assert.deepEqual(await countAccountRows(gw), before, `${what}: no new rows`);
  await expectSsoAudit(gw, { event: 'sso.denied', step: 'callback', ...audit }, what);
}

/** Id of the user a successful callback signed in (through its refresh cookie and /auth/me). */
export async function signedInUserId(gw: CapturingGateway, res: { status: number; headers: Record<string, unknown>; body: unknown }): Promise<number> {
  assert.equal(res.status, 302, `signed in: ${JSON.stringify(res.body)}`);
  const me = await meFromRefreshCookie(gw, res.headers['set-cookie'] as string[]);
  return Number(me.name.split('/')[1]);
}

export { finishFlow, startFlow };

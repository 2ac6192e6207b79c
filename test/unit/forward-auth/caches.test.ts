import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { issueAccessToken } from '../../../src/auth/access-token.js';
import { importHmacKey, KeyRing } from '../../../src/auth/keys.js';
import { sha256Hex } from '../../../src/auth/secrets.js';
import { AccessTokenCheck } from '../../../src/forward-auth/access-token-check.js';
import { BoundedCache } from '../../../src/forward-auth/bounded-cache.js';
import { findCookie } from '../../../src/forward-auth/cookie-value.js';
import { SESSION_CACHE_TTL_MS, SessionCheck } from '../../../src/forward-auth/session-check.js';
import type { Session, SessionRepository } from '../../../src/sessions/session.js';
import type { User } from '../../../src/users/user.js';
import { FakeClock } from '../../support/fake-clock.js';

const NOW = new Date('2026-03-01T10:00:00Z');
const SSO = 'a'.repeat(43);

function user(overrides: Partial<User> = {}): User {
  return {
    id: 7, username: 'erin', role: 'USER', state: 'NORMAL', email: 'erin@example.test', displayName: '', avatarUrl: '',
    description: '', passwordHash: '', usernameLocked: false, emailVerified: true, createdAt: NOW, updatedAt: NOW, ...overrides,
  };
}

/** An in-memory stand-in for the joined session + user lookup SessionCheck makes, counting lookups; `gate` holds them. */
function repositories() {
  const state = { lookups: 0, session: null as Session | null, user: user(), gate: Promise.resolve() };
  const sessions = {
    async findActiveWithUserBySsoTokenHash(hash: string) {
      state.lookups += 1;
      // The row is read now; `gate` only delays the answer (a slow network between database and gateway).
      const session = hash === sha256Hex(SSO) ? state.session : null;
      const found = session === null ? null : { session, user: state.user };
      await state.gate;
      return found;
    },
  } as unknown as SessionRepository;
  state.session = {
    id: 's1', userId: 7, clientInfo: { userAgent: '', ipAddress: '', deviceType: '', os: '', browser: '' },
    createdAt: NOW, lastActiveAt: NOW, expiresAt: new Date(NOW.getTime() + 86_400_000), revokedAt: null,
  };
  return { state, repos: { sessions } };
}

describe('bounded cache', () => {
  test('never holds more than its bound, dropping the oldest entry first', () => {
    const cache = new BoundedCache<number>(2);
    cache.set('a', 1, 100);
    cache.set('b', 2, 100);
    cache.set('c', 3, 100);
    assert.equal(cache.size, 2);
    assert.equal(cache.find('a', 0), undefined);
    assert.equal(cache.find('c', 0), 3);
  });

  test('does not return an entry at or after its expiry', () => {
    const cache = new BoundedCache<number>(5);
    cache.set('a', 1, 100);
    assert.equal(cache.find('a', 99), 1);
    assert.equal(cache.find('a', 100), undefined);
    assert.equal(cache.size, 0);
  });
});

describe('session check', () => {
  test('reads a session once per cache period, and shares one lookup among concurrent requests', async () => {
    const { state, repos } = repositories();
    const clock = new FakeClock(NOW);
    const check = new SessionCheck(repos, 1000);
    const now = () => clock.now().getTime();
    const identities = await Promise.all([check.check(SSO, now()), check.check(SSO, now()), check.check(SSO, now())]);
    assert.deepEqual(identities.map((i) => i?.username), ['erin', 'erin', 'erin']);
    assert.equal(state.lookups, 1);
    clock.advance(SESSION_CACHE_TTL_MS - 1);
    await check.check(SSO, now());
    assert.equal(state.lookups, 1);
    clock.advance(1);
    await check.check(SSO, now());
    assert.equal(state.lookups, 2);
  });

  test('a revocation during a lookup keeps that lookup out of the cache', async () => {
    const { state, repos } = repositories();
    const check = new SessionCheck(repos, 1000);
    let open!: () => void;
    state.gate = new Promise<void>((resolve) => (open = resolve));
    const pending = check.check(SSO, NOW.getTime());
    check.forgetSessions(['s1']);
    state.session = null; // what the database says after the revocation
    open();
    assert.equal((await pending)?.username, 'erin', 'the request already under way saw the session');
    assert.equal(await check.check(SSO, NOW.getTime()), null);
    assert.equal(state.lookups, 2);
  });

  test('a cookie that cannot be a session token costs no lookup, and an archived user is refused', async () => {
    const { state, repos } = repositories();
    const check = new SessionCheck(repos, 1000);
    for (const value of ['', 'short', `${SSO}a`, `${'a'.repeat(42)}!`]) assert.equal(await check.check(value, NOW.getTime()), null);
    assert.equal(state.lookups, 0);
    state.user = user({ state: 'ARCHIVED' });
    assert.equal(await check.check(SSO, NOW.getTime()), null);
  });

  test('a lookup that hangs is cut off with 503', async () => {
    const { state, repos } = repositories();
    state.gate = new Promise<void>(() => {});
    const check = new SessionCheck(repos, 20);
    await assert.rejects(check.check(SSO, NOW.getTime()), (err: { status?: number }) => err.status === 503);
  });
});

describe('access token check', () => {
  const SID = '6f1c2a9b-4f61-4a4c-9d0e-3b8f5a564f61';
  /** Every session id names a live session of its token's user (userId 7 or 8), counting lookups. */
  function liveSessions() {
    const state = { lookups: 0, revoked: false };
    const sessions = {
      async findByIdWithGroups(id: string): Promise<{ session: Session; groups: string[] } | null> {
        state.lookups += 1;
        const session: Session = {
          id, userId: id === SID ? 7 : 8, clientInfo: { userAgent: '', ipAddress: '', deviceType: '', os: '', browser: '' },
          createdAt: NOW, lastActiveAt: NOW, expiresAt: new Date(NOW.getTime() + 86_400_000), revokedAt: state.revoked ? NOW : null,
        };
        return { session, groups: [] };
      },
    };
    return { state, sessions };
  }
  const OTHER_SID = '7a2d3b0c-5a72-4b5d-8e1f-4c9a6b675a72';

  test('after a user change, tokens issued in or before its second are refused and later ones pass', async () => {
    const keys = new KeyRing([{ kid: 'v1', key: await importHmacKey('0123456789abcdef0123456789abcdef'), createdAt: NOW, retiresAt: null }]);
    const check = new AccessTokenCheck(keys, liveSessions().sessions, 1000);
    const old = await issueAccessToken(keys, user(), SID, NOW);
    const other = await issueAccessToken(keys, user({ id: 8, username: 'fay' }), OTHER_SID, NOW);
    assert.equal((await check.check(old.token, NOW.getTime()))?.username, 'erin');
    check.forgetUser(7, NOW.getTime() + 1000);
    assert.equal(await check.check(old.token, NOW.getTime() + 1000), null);
    assert.equal((await check.check(other.token, NOW.getTime() + 1000))?.username, 'fay', 'other users are untouched');
    const fresh = await issueAccessToken(keys, user(), SID, new Date(NOW.getTime() + 2000));
    assert.equal((await check.check(fresh.token, NOW.getTime() + 2000))?.username, 'erin');
  });

  test('refuses archived-status tokens and expired ones, also when cached', async () => {
    const keys = new KeyRing([{ kid: 'v1', key: await importHmacKey('0123456789abcdef0123456789abcdef'), createdAt: NOW, retiresAt: null }]);
    const check = new AccessTokenCheck(keys, liveSessions().sessions, 1000);
    const archived = await issueAccessToken(keys, user({ state: 'ARCHIVED' }), SID, NOW);
    assert.equal(await check.check(archived.token, NOW.getTime()), null);
    const valid = await issueAccessToken(keys, user(), SID, NOW);
    assert.ok(await check.check(valid.token, NOW.getTime()));
    assert.equal(await check.check(valid.token, valid.expiresAt.getTime()), null);
  });

  test('reads the session at most once per cache bound, and forgets it at once on revocation here', async () => {
    const keys = new KeyRing([{ kid: 'v1', key: await importHmacKey('0123456789abcdef0123456789abcdef'), createdAt: NOW, retiresAt: null }]);
    const { state, sessions } = liveSessions();
    const check = new AccessTokenCheck(keys, sessions, 1000);
    const { token } = await issueAccessToken(keys, user(), SID, NOW);
    for (let i = 0; i < 5; i += 1) assert.ok(await check.check(token, NOW.getTime() + i));
    assert.equal(state.lookups, 1);
    state.revoked = true;
    assert.ok(await check.check(token, NOW.getTime() + SESSION_CACHE_TTL_MS - 1), 'another replica: seen within the bound');
    assert.equal(await check.check(token, NOW.getTime() + SESSION_CACHE_TTL_MS), null);
    state.revoked = false;
    const later = new AccessTokenCheck(keys, sessions, 1000);
    assert.ok(await later.check(token, NOW.getTime()));
    later.forgetSessions([SID]);
    state.revoked = true;
    assert.equal(await later.check(token, NOW.getTime()), null, 'this replica: at once');
  });

  test('a cached token is refused once its key retires or leaves the ring, by the fast path too, with no event', async () => {
    const v1 = { kid: 'v1', key: await importHmacKey('0123456789abcdef0123456789abcdef'), createdAt: NOW, retiresAt: new Date(NOW.getTime() + 1000) };
    const v2 = { kid: 'v2', key: await importHmacKey('fedcba9876543210fedcba9876543210'), createdAt: NOW, retiresAt: null };
    let ring = [v1, v2];
    const keys = new KeyRing([v1], async () => ring);
    const check = new AccessTokenCheck(keys, liveSessions().sessions, 1000);
    const { token } = await issueAccessToken(keys, user(), SID, NOW);
    assert.ok(await check.check(token, NOW.getTime()));
    assert.equal(check.peek(token, NOW.getTime() + 1)?.username, 'erin', 'warm: answered without a promise');
    assert.equal(check.peek(token, v1.retiresAt.getTime()), undefined, 'retired: not from the fast path');
    assert.equal(await check.check(token, v1.retiresAt.getTime()), null, 'retired: refused');
    const again = new AccessTokenCheck(keys, liveSessions().sessions, 1000);
    assert.ok(await again.check(token, NOW.getTime()));
    ring = [v2];
    await keys.reload(NOW);
    assert.equal(again.peek(token, NOW.getTime() + 1), undefined, 'gone from the ring: not from the fast path');
    assert.equal(await again.check(token, NOW.getTime() + 1), null, 'gone from the ring: refused');
  });
});

describe('cookie value', () => {
  test('finds one cookie, first occurrence first, and ignores look-alikes', () => {
    assert.equal(findCookie('a=1; sso_session=x; b=2', 'sso_session'), 'x');
    assert.equal(findCookie('sso_session=first; sso_session=second', 'sso_session'), 'first');
    assert.equal(findCookie('xsso_session=1; sso_session_2=2', 'sso_session'), null);
    assert.equal(findCookie('a=1;sso_session;b=2', 'sso_session'), null);
    assert.equal(findCookie(`sso_session=x; pad=${'p'.repeat(20_000)}`, 'sso_session'), null);
  });
});

// Personal access tokens over REST, on both storage modes: the docs' curl flow, the older access_tokens shape,
// who may create/list/revoke, and every way a PAT bearer can be wrong (always 401 JSON, never 500).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { sha256Hex } from '../../src/auth/secrets.js';
import { rfc3339 } from '../../src/http/timestamps.js';
import { STORAGE_MODES, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createPat } from '../support/pats.js';
import { createAdmin, createSignedInUser, type SignedIn } from '../support/users.js';

const DAY = 24 * 60 * 60 * 1000;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function assertInvalidToken(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }, what: string) {
  assert.equal(res.status, 401, what);
  assert.equal(res.body.code, 16, what);
  assert.deepEqual(res.body.details, [], what);
  assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"', what);
}

for (const mode of STORAGE_MODES) {
  describe(`personal access tokens API [${mode}]`, () => {
    let gw: TestGateway;
    let admin: SignedIn;
    let user: SignedIn;
    beforeEach(async () => {
      gw = await startTestGateway(mode);
      admin = await createAdmin(gw);
      user = await createSignedInUser(gw);
    });
    afterEach(() => gw.close());

    test("the docs' Complete PAT Example: create, use, list with lastUsedAt, revoke, and the very next use is 401", async () => {
      const created = gw.clock.now();
      const create = await gw.http
        .post(`/api/v1/users/${user.userId}/personalAccessTokens`)
        .set(user.auth)
        .send({ description: 'CI/CD Pipeline', expiresInDays: 90 });
      assert.equal(create.status, 200);
      assert.deepEqual(Object.keys(create.body).sort(), ['personalAccessToken', 'token']);
      const pat = create.body.token as string;
      assert.match(pat, /^memos_pat_[0-9A-Za-z]{32}$/);
      const meta = create.body.personalAccessToken;
      assert.match(meta.name, new RegExp(`^users/${user.userId}/personalAccessTokens/[0-9a-f-]{36}$`));
      assert.equal(meta.description, 'CI/CD Pipeline');
      assert.equal(meta.createdAt, rfc3339(created));
      assert.equal(new Date(meta.expiresAt).getTime() - new Date(meta.createdAt).getTime(), 90 * DAY);
      assert.equal(meta.lastUsedAt, undefined, 'not used yet');

      gw.clock.advance(5000);
      const usedAt = gw.clock.now();
      const me = await gw.http.get('/api/v1/auth/me').set(bearer(pat));
      assert.equal(me.status, 200);
      assert.equal(me.body.user.username, user.username);

      const list = await gw.http.get(`/api/v1/users/${user.userId}/personalAccessTokens`).set(bearer(pat));
      assert.equal(list.status, 200);
      assert.equal(list.body.nextPageToken, '');
      assert.equal(list.body.totalSize, 1);
      assert.deepEqual(list.body.personalAccessTokens, [
        { name: meta.name, description: 'CI/CD Pipeline', createdAt: meta.createdAt, expiresAt: meta.expiresAt, lastUsedAt: rfc3339(usedAt) },
      ]);

      const tokenId = String(meta.name).split('/').pop();
      const revoke = await gw.http.delete(`/api/v1/users/${user.userId}/personalAccessTokens/${tokenId}`).set(bearer(pat));
      assert.equal(revoke.status, 200);
      assert.deepEqual(revoke.body, {});
      assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(bearer(pat)), 'revoked PAT');
    });

    test('only the SHA-256 of the token is stored, and the plaintext appears in no later response', async () => {
      const pat = await createPat(gw, user);
      const row = await gw.deps.store.personalAccessTokens.findByHash(sha256Hex(pat.token));
      assert.equal(row?.id, pat.tokenId);
      assert.equal(row?.tokenHash, sha256Hex(pat.token));
      const list = await gw.http.get(`/api/v1/users/me/personalAccessTokens`).set(user.auth);
      assert.ok(!JSON.stringify(list.body).includes(pat.token));
      const legacy = await gw.http.get(`/api/v1/users/me/access_tokens`).set(user.auth);
      assert.ok(!JSON.stringify(legacy.body).includes(pat.token));
    });

    test('expiresInDays 0, negative or absent means never: no expiresAt field, and the token still works years later', async () => {
      for (const body of [{ description: 'zero', expiresInDays: 0 }, { description: 'negative', expiresInDays: -5 }, { description: 'absent' }]) {
        const pat = await createPat(gw, user, body);
        assert.equal((pat.body.personalAccessToken as Record<string, unknown>).expiresAt, undefined, body.description);
      }
      const forever = await createPat(gw, user, { description: 'forever' });
      gw.clock.advance(3 * 365 * DAY);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(forever.auth)).status, 200);
    });

    test('the path names the user by numeric id, username or me', async () => {
      for (const ref of [String(user.userId), user.username, 'me']) {
        const res = await gw.http.post(`/api/v1/users/${ref}/personalAccessTokens`).set(user.auth).send({ description: ref });
        assert.equal(res.status, 200, ref);
        assert.match(res.body.personalAccessToken.name, new RegExp(`^users/${user.userId}/`), ref);
      }
      const list = await gw.http.get(`/api/v1/users/${user.username}/personalAccessTokens`).set(user.auth);
      assert.equal(list.body.totalSize, 3);
    });

    test("the docs' older shape: POST/GET/DELETE /users/me/access_tokens over the same tokens", async () => {
      const expiresAt = rfc3339(new Date(gw.clock.now().getTime() + 30 * DAY));
      const create = await gw.http.post('/api/v1/users/me/access_tokens').set(user.auth).send({ name: 'GitHub Actions', expiresAt });
      assert.equal(create.status, 200);
      assert.match(create.body.accessToken, /^memos_pat_[0-9A-Za-z]{32}$/);
      assert.equal(create.body.name, 'GitHub Actions');
      assert.equal(create.body.expiresAt, expiresAt);
      const pat = create.body.accessToken as string;

      gw.clock.advance(1000);
      const usedAt = rfc3339(gw.clock.now());
      assert.equal((await gw.http.get('/api/v1/auth/me').set(bearer(pat))).status, 200);

      const list = await gw.http.get('/api/v1/users/me/access_tokens').set(bearer(pat));
      assert.equal(list.status, 200);
      assert.equal(list.body.accessTokens.length, 1);
      const entry = list.body.accessTokens[0];
      assert.deepEqual(Object.keys(entry).sort(), ['createdAt', 'expiresAt', 'lastUsedAt', 'name', 'tokenId']);
      assert.equal(entry.name, 'GitHub Actions');
      assert.equal(entry.expiresAt, expiresAt);
      assert.equal(entry.lastUsedAt, usedAt);

      const modern = await gw.http.get(`/api/v1/users/${user.userId}/personalAccessTokens`).set(user.auth);
      assert.equal(modern.body.personalAccessTokens[0].name, `users/${user.userId}/personalAccessTokens/${entry.tokenId}`, 'same token, both shapes');

      const revoke = await gw.http.delete(`/api/v1/users/me/access_tokens/${entry.tokenId}`).set(bearer(pat));
      assert.equal(revoke.status, 200);
      assert.deepEqual(revoke.body, {});
      assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(bearer(pat)), 'revoked through the older shape');
      assert.deepEqual((await gw.http.get('/api/v1/users/me/access_tokens').set(user.auth)).body, { accessTokens: [] });
    });

    test('the older shape refuses an expiresAt in the past, and without expiresAt the token never expires', async () => {
      const past = await gw.http.post('/api/v1/users/me/access_tokens').set(user.auth).send({ name: 'old', expiresAt: rfc3339(new Date(gw.clock.now().getTime() - 1000)) });
      assert.equal(past.status, 400);
      const never = await gw.http.post('/api/v1/users/me/access_tokens').set(user.auth).send({ name: 'never' });
      assert.equal(never.status, 200);
      assert.equal(never.body.expiresAt, undefined);
    });

    test('a PAT cannot create a PAT (403, in either shape), but it can list and revoke', async () => {
      const pat = await createPat(gw, user);
      const modern = await gw.http.post(`/api/v1/users/${user.userId}/personalAccessTokens`).set(pat.auth).send({ description: 'minted by a PAT' });
      assert.equal(modern.status, 403);
      assert.equal(modern.body.code, 7);
      const legacy = await gw.http.post('/api/v1/users/me/access_tokens').set(pat.auth).send({ name: 'minted by a PAT' });
      assert.equal(legacy.status, 403);
      const list = await gw.http.get(`/api/v1/users/${user.userId}/personalAccessTokens`).set(pat.auth);
      assert.equal(list.status, 200);
      assert.equal(list.body.totalSize, 1, 'nothing was created by the refused calls');
      const other = await createPat(gw, user, { description: 'second' });
      const revoke = await gw.http.delete(`/api/v1/users/me/personalAccessTokens/${other.tokenId}`).set(pat.auth);
      assert.equal(revoke.status, 200);
      assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(other.auth), 'revoked by another PAT');
    });

    test('an expired PAT is 401 from the moment it expires, and is still listed', async () => {
      const pat = await createPat(gw, user, { description: 'one day', expiresInDays: 1 });
      gw.clock.advance(DAY - 1);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 200, 'one millisecond before expiry');
      gw.clock.advance(1);
      assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(pat.auth), 'expired PAT');
      // A day later the owner's access token has long expired: refresh it to look at the list.
      const fresh = await gw.http.post('/api/v1/auth/refresh').set('Cookie', user.jar.header('memos_refresh'));
      assert.equal(fresh.status, 200);
      const listed = await gw.http.get('/api/v1/users/me/personalAccessTokens').set(bearer(fresh.body.accessToken));
      assert.equal(listed.body.personalAccessTokens[0].name, pat.name);
    });

    test('a PAT of an archived user fails at once and is deleted: restoring the user does not bring it back', async () => {
      const pat = await createPat(gw, user);
      const archive = await gw.http.patch(`/api/v1/users/${user.userId}`).set(admin.auth).send({ state: 'ARCHIVED' });
      assert.equal(archive.status, 200);
      assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(pat.auth), 'archived owner');
      assert.deepEqual(await gw.deps.store.personalAccessTokens.listByUser(user.userId), []);
      await gw.http.patch(`/api/v1/users/${user.userId}`).set(admin.auth).send({ state: 'NORMAL' }).expect(200);
      assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(pat.auth), 'restored owner, archived-time PAT');
    });

    test('malformed PATs (31/33 chars, wrong prefix case, 8 KB, non-ASCII) are 401 JSON without a database lookup', async () => {
      const pat = await createPat(gw, user);
      let lookups = 0;
      const repo = gw.deps.store.personalAccessTokens;
      const findByHash = repo.findByHash.bind(repo);
      repo.findByHash = (hash) => {
        lookups += 1;
        return findByHash(hash);
      };
      const cases: Record<string, string> = {
        '31 characters after the prefix': pat.token.slice(0, -1),
        '33 characters after the prefix': `${pat.token}a`,
        'upper-case prefix': pat.token.replace('memos_pat_', 'MEMOS_PAT_'),
        'mixed-case prefix': pat.token.replace('memos_pat_', 'Memos_Pat_'),
        '8 KB token': `memos_pat_${'a'.repeat(8 * 1024)}`,
        'just under the header limit': `memos_pat_${'a'.repeat(8000)}`,
        'non-ASCII character': `memos_pat_${'é'}${pat.token.slice(11)}`,
        'punctuation inside': `memos_pat_${pat.token.slice(10, 41)}-`,
      };
      for (const [what, token] of Object.entries(cases)) {
        const res = await gw.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);
        assertInvalidToken(res, what);
      }
      assert.equal(lookups, 0, 'no malformed token reached the database');
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 200);
      assert.equal(lookups, 1, 'a well-formed token is looked up once');
      const unknown = `memos_pat_${'A'.repeat(32)}`;
      assertInvalidToken(await gw.http.get('/api/v1/auth/me').set(bearer(unknown)), 'well-formed but unknown');
    });

    test('a bad PAT is 401 on a public route too, never silently anonymous', async () => {
      const res = await gw.http.get('/api/v1/instance/profile').set(bearer(`memos_pat_${'x'.repeat(32)}`));
      assertInvalidToken(res, 'public route with a bad PAT');
    });

    test('revoking is idempotent and never touches another user\'s token', async () => {
      const mine = await createPat(gw, user);
      const theirs = await createPat(gw, admin);
      const unknown = await gw.http.delete('/api/v1/users/me/personalAccessTokens/00000000-0000-4000-8000-000000000000').set(user.auth);
      assert.equal(unknown.status, 200);
      assert.deepEqual(unknown.body, {});
      const cross = await gw.http.delete(`/api/v1/users/me/personalAccessTokens/${theirs.tokenId}`).set(user.auth);
      assert.equal(cross.status, 200);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(theirs.auth)).status, 200, "the admin's token survived");
      assert.equal((await gw.http.get('/api/v1/auth/me').set(mine.auth)).status, 200);
      const bad = await gw.http.delete('/api/v1/users/me/personalAccessTokens/not%20an%20id').set(user.auth);
      assert.equal(bad.status, 400);
    });

    test('an admin may list but not create or revoke another user\'s tokens', async () => {
      const pat = await createPat(gw, user);
      const list = await gw.http.get(`/api/v1/users/${user.username}/personalAccessTokens`).set(admin.auth);
      assert.equal(list.status, 200);
      assert.equal(list.body.personalAccessTokens[0].name, pat.name);
      const create = await gw.http.post(`/api/v1/users/${user.userId}/personalAccessTokens`).set(admin.auth).send({ description: 'x' });
      assert.equal(create.status, 403);
      const revoke = await gw.http.delete(`/api/v1/users/${user.userId}/personalAccessTokens/${pat.tokenId}`).set(admin.auth);
      assert.equal(revoke.status, 403);
      assert.equal((await gw.http.get('/api/v1/auth/me').set(pat.auth)).status, 200);
    });

    test('lastUsedAt moves at most once a minute per token', async () => {
      const pat = await createPat(gw, user);
      const first = gw.clock.now();
      await gw.http.get('/api/v1/auth/me').set(pat.auth).expect(200);
      gw.clock.advance(59_000);
      await gw.http.get('/api/v1/auth/me').set(pat.auth).expect(200);
      const lastUsed = async () => (await gw.http.get('/api/v1/users/me/personalAccessTokens').set(user.auth)).body.personalAccessTokens[0].lastUsedAt;
      assert.equal(await lastUsed(), rfc3339(first));
      gw.clock.advance(1000);
      await gw.http.get('/api/v1/auth/me').set(pat.auth).expect(200);
      assert.equal(await lastUsed(), rfc3339(gw.clock.now()));
    });

    test('bad create bodies are 400 with the field named', async () => {
      const tooLong = await gw.http.post('/api/v1/users/me/personalAccessTokens').set(user.auth).send({ description: 'x'.repeat(257) });
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.body.details[0].fieldViolations[0].field, 'description');
      const fraction = await gw.http.post('/api/v1/users/me/personalAccessTokens').set(user.auth).send({ expiresInDays: 1.5 });
      assert.equal(fraction.status, 400);
      const huge = await gw.http.post('/api/v1/users/me/personalAccessTokens').set(user.auth).send({ expiresInDays: 10_000_000 });
      assert.equal(huge.status, 400);
      const stray = await gw.http.post('/api/v1/users/me/personalAccessTokens').set(user.auth).send({ username: 'x', password: 'y' });
      assert.equal(stray.status, 400, 'fields of another request are refused, not ignored into a token');
      const legacyStray = await gw.http.post('/api/v1/users/me/access_tokens').set(user.auth).send({ description: 'x' });
      assert.equal(legacyStray.status, 400);
      assert.equal((await gw.http.get('/api/v1/users/me/personalAccessTokens').set(user.auth)).body.totalSize, 0, 'nothing was created');
      const asString = await gw.http.post('/api/v1/users/me/personalAccessTokens').set(user.auth).send({ expiresInDays: '30' });
      assert.equal(asString.status, 200, 'protojson int32 accepts a decimal string');
    });
  });
}

// Personal access tokens through the public API, as a script's owner would make them.
import assert from 'node:assert/strict';
import type { TestGateway } from './gateway.js';
import type { SignedIn } from './users.js';

export interface CreatedPat {
  token: string;
  tokenId: string;
  name: string;
  auth: { Authorization: string };
  body: Record<string, unknown>;
}

export async function createPat(
  gw: TestGateway,
  owner: SignedIn,
  body: Record<string, unknown> = { description: 'CI/CD Pipeline', expiresInDays: 90 },
): Promise<CreatedPat> {
  const res = await gw.http.post(`/api/v1/users/${owner.userId}/personalAccessTokens`).set(owner.auth).send(body);
  assert.equal(res.status, 200, `create PAT: ${res.status} ${JSON.stringify(res.body)}`);
  const name = String(res.body.personalAccessToken.name);
  return {
    token: res.body.token as string,
    tokenId: name.split('/').pop()!,
    name,
    auth: { Authorization: `Bearer ${res.body.token as string}` },
    body: res.body as Record<string, unknown>,
  };
}

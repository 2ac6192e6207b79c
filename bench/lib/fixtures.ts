// The benchmark's users and credentials, made through the public API of the running gateway as a client would:
// the first user (an admin), a password sign-in (access token + sso_session cookie), a personal access token,
// and a few more accounts for the sign-in load.
export interface Fixtures {
  username: string;
  password: string;
  /** More accounts for the sign-in load: the gateway limits attempts in flight per account (regulation). */
  signInAccounts: { username: string; password: string }[];
  accessToken: string;
  ssoSession: string;
  pat: string;
}

const SIGN_IN_ACCOUNTS = 16;

async function call(base: string, path: string, init: { body: unknown; bearer?: string }): Promise<Response> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(init.bearer ? { Authorization: `Bearer ${init.bearer}` } : {}) },
    body: JSON.stringify(init.body),
  });
  if (res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res;
}

export async function createFixtures(base: string): Promise<Fixtures> {
  const username = 'bench-admin';
  const password = 'bench password, not a secret';
  const created = (await (await call(base, '/api/v1/users', { body: { username, password } })).json()) as { name: string };
  const userId = created.name.split('/')[1];
  const signIn = await call(base, '/api/v1/auth/signin', { body: { passwordCredentials: { username, password } } });
  const accessToken = ((await signIn.json()) as { accessToken: string }).accessToken;
  const ssoSession = signIn.headers
    .getSetCookie()
    .map((c) => /^sso_session=([^;]+)/.exec(c)?.[1])
    .find((v) => v !== undefined);
  if (!ssoSession) throw new Error('sign-in set no sso_session cookie');
  const patRes = await call(base, `/api/v1/users/${userId}/personalAccessTokens`, { body: { description: 'bench' }, bearer: accessToken });
  const pat = ((await patRes.json()) as { token: string }).token;
  const signInAccounts = [];
  for (let i = 1; i <= SIGN_IN_ACCOUNTS; i++) {
    const account = { username: `bench-user-${i}`, password: `bench password ${i}` };
    await call(base, '/api/v1/users', { body: account, bearer: accessToken });
    signInAccounts.push(account);
  }
  return { username, password, signInAccounts, accessToken, ssoSession, pat };
}

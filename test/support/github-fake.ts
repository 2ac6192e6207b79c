// A small real HTTP server shaped like GitHub's OAuth2 (authorize page, access_token, /user, /user/emails) on
// 127.0.0.1, with PKCE S256, single-use codes and GitHub's numeric user ids; `/user/orgs` and `/user/teams`
// (scope read:org, paged by per_page/page with a Link rel="next" header as GitHub does). For gateway SSO tests.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GithubFakeUser {
  id: number;
  login: string;
  name?: string | null;
  email?: string | null;
  avatar_url?: string;
  /** Served by GET /user/emails (needs scope user:email). Default: [email] as primary+verified when email is set. */
  emails?: { email: string; primary: boolean; verified: boolean; visibility: 'public' | 'private' | null }[];
  /** Organisation logins, served by GET /user/orgs (needs scope read:org). */
  orgs?: string[];
  /** Teams as `org/slug`, served by GET /user/teams (needs scope read:org). */
  teams?: string[];
}
export interface GithubFakeClient { client_id: string; client_secret: string; redirect_uris?: string[] }
export interface GithubFakeOptions {
  users: GithubFakeUser[];
  clients: GithubFakeClient[];
  /** Login that GET /login/oauth/authorize approves at once (302 to redirect_uri) instead of showing buttons. */
  autoApprove?: string;
  /** Refuse authorize requests without code_challenge (S256). Default true (real GitHub makes PKCE optional). */
  requirePkce?: boolean;
  /** Real GitHub answers token errors with HTTP 200 + {error}. Default false: 400 / 401. */
  errorsWith200?: boolean;
}
export interface GithubTokenRequest {
  clientAuth: 'basic' | 'body' | 'none';
  params: Record<string, string>;
  accept: string | undefined;
  contentType: string | undefined;
}
export interface GithubFake {
  baseUrl: string;
  authUrl: string;
  tokenUrl: string;
  userInfoUrl: string;
  emailsUrl: string;
  /** Live maps: tests may add or change users/clients while the server runs. */
  users: Map<string, GithubFakeUser>;
  clients: Map<string, GithubFakeClient>;
  autoApprove: string | undefined;
  lastTokenRequest: GithubTokenRequest | undefined;
  tokenRequests: number;
  /** Idempotent. */
  stop(): Promise<void>;
}

interface Txn { clientId: string; redirectUri: string; redirectUriGiven: boolean; state: string | null; challenge: string | null; scope: string }
const rnd = (prefix: string) => prefix + randomBytes(20).toString('base64url');
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export async function startGithubFake(options: GithubFakeOptions): Promise<GithubFake> {
  const txns = new Map<string, Txn>();
  const codes = new Map<string, Txn & { login: string; expires: number; used: boolean; tokens: string[] }>();
  const tokens = new Map<string, { login: string; scope: string }>();
  const server = http.createServer((req, res) => void handle(req, res).catch((err: Error) => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(err?.stack ?? err));
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopping: Promise<void> | undefined;
  const fake: GithubFake = {
    baseUrl,
    authUrl: `${baseUrl}/login/oauth/authorize`,
    tokenUrl: `${baseUrl}/login/oauth/access_token`,
    userInfoUrl: `${baseUrl}/user`,
    emailsUrl: `${baseUrl}/user/emails`,
    users: new Map(options.users.map((u) => [u.login, u])),
    clients: new Map(options.clients.map((c) => [c.client_id, c])),
    autoApprove: options.autoApprove,
    lastTokenRequest: undefined,
    tokenRequests: 0,
    stop() {
      stopping ??= new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      return stopping;
    },
  };
  const requirePkce = options.requirePkce ?? true;

  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  };
  const html = (res: http.ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>GitHub (fake)</title></head><body>${body}</body></html>`);
  };
  const redirect = (res: http.ServerResponse, to: string, params: Record<string, string | null>): void => {
    const url = new URL(to);
    for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
    res.writeHead(302, { location: url.href }).end();
  };
  const approve = (res: http.ServerResponse, txn: Txn, login: string) => {
    const code = randomBytes(10).toString('hex'); // GitHub codes are 20 hex chars
    codes.set(code, { ...txn, login, expires: Date.now() + 600_000, used: false, tokens: [] });
    redirect(res, txn.redirectUri, { code, state: txn.state });
  };

  async function readBody(req: http.IncomingMessage): Promise<Record<string, string>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (/json/i.test(req.headers['content-type'] ?? '')) {
      return Object.fromEntries(Object.entries(text ? JSON.parse(text) as Record<string, unknown> : {}).map(([k, v]) => [k, String(v)]));
    }
    return Object.fromEntries(new URLSearchParams(text));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const q = Object.fromEntries(url.searchParams);
    if (url.pathname === '/login/oauth/authorize' && req.method === 'GET') {
      const client = fake.clients.get(q.client_id ?? '');
      if (!client) return html(res, 404, '<h1 id="error">Not found: unknown client_id</h1>');
      const registered = client.redirect_uris ?? [];
      const redirectUri = q.redirect_uri ?? registered[0];
      if (!redirectUri || (registered.length > 0 && !registered.includes(redirectUri))) {
        return html(res, 400, '<h1 id="error">The redirect_uri is not associated with this application.</h1>');
      }
      const method = q.code_challenge_method ?? (q.code_challenge ? 'plain' : undefined);
      if ((requirePkce && !q.code_challenge) || (q.code_challenge && method !== 'S256')) {
        return redirect(res, redirectUri, { error: 'invalid_request', error_description: 'PKCE code_challenge with S256 is required', state: q.state ?? null });
      }
      const txn: Txn = { clientId: client.client_id, redirectUri, redirectUriGiven: q.redirect_uri !== undefined, state: q.state ?? null, challenge: q.code_challenge ?? null, scope: q.scope ?? '' };
      if (fake.autoApprove && fake.users.has(fake.autoApprove)) return approve(res, txn, fake.autoApprove);
      const id = rnd('txn_');
      txns.set(id, txn);
      const buttons = [...fake.users.values()].map((u) =>
        `<button type="submit" id="login-${esc(u.login)}" name="login" value="${esc(u.login)}">Continue as ${esc(u.login)}</button>`).join('\n');
      return html(res, 200, `<h1>Authorize ${esc(client.client_id)}</h1>
<form id="authorize-form" method="post" action="/login/oauth/authorize"><input type="hidden" name="txn" value="${id}">
${buttons}
<button type="submit" id="deny" name="deny" value="1">Cancel</button></form>`);
    }
    if (url.pathname === '/login/oauth/authorize' && req.method === 'POST') {
      const body = await readBody(req);
      const txn = txns.get(body.txn ?? '');
      if (!txn) return html(res, 400, '<h1 id="error">Unknown or used authorization request</h1>');
      txns.delete(body.txn!);
      if (body.deny || !fake.users.has(body.login ?? '')) {
        return redirect(res, txn.redirectUri, { error: 'access_denied', error_description: 'The user has denied your application access.', state: txn.state });
      }
      return approve(res, txn, body.login!);
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      fake.tokenRequests++;
      const params = { ...q, ...(await readBody(req)) };
      const wantsJson = /application\/json/i.test(req.headers.accept ?? '');
      const reply = (status: number, body: Record<string, string>): void => {
        const s = options.errorsWith200 ? 200 : status;
        if (wantsJson) return json(res, s, body);
        void res.writeHead(s, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }).end(new URLSearchParams(body).toString());
      };
      const fail = (status: number, error: string, error_description: string) =>
        reply(status, { error, error_description, error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors' });
      let clientAuth: GithubTokenRequest['clientAuth'] = 'none';
      let clientId = params.client_id;
      let secret = params.client_secret;
      const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (basic) {
        const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        const dec = (s: string) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { return s; } };
        if (clientId !== undefined && clientId !== dec(decoded.slice(0, i))) clientId = '\0mismatch';
        else clientId = dec(decoded.slice(0, i));
        secret = dec(decoded.slice(i + 1));
        clientAuth = 'basic';
      } else if (secret !== undefined) clientAuth = 'body';
      fake.lastTokenRequest = { clientAuth, params, accept: req.headers.accept, contentType: req.headers['content-type'] };
      const client = fake.clients.get(clientId ?? '');
      if (!client || secret === undefined || !sameSecret(secret, client.client_secret)) {
        return fail(401, 'incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
      }
      const grant = codes.get(params.code ?? '');
      if (!grant || grant.clientId !== client.client_id || grant.expires < Date.now() || grant.used) {
        if (grant?.used) for (const t of grant.tokens) tokens.delete(t); // reuse revokes what the code issued
        return fail(400, 'bad_verification_code', 'The code passed is incorrect or expired.');
      }
      grant.used = true;
      if (grant.redirectUriGiven ? params.redirect_uri !== grant.redirectUri : params.redirect_uri !== undefined && params.redirect_uri !== grant.redirectUri) {
        return fail(400, 'redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.');
      }
      if (grant.challenge !== null || params.code_verifier !== undefined) {
        const verifier = params.code_verifier ?? '';
        const ok = grant.challenge !== null && /^[A-Za-z0-9._~-]{43,128}$/.test(verifier)
          && createHash('sha256').update(verifier).digest('base64url') === grant.challenge;
        if (!ok) return fail(400, 'bad_verification_code', 'The code_verifier does not match the code_challenge.');
      }
      const scope = grant.scope.split(/[\s,]+/).filter(Boolean).join(',');
      const accessToken = rnd('gho_');
      tokens.set(accessToken, { login: grant.login, scope });
      grant.tokens.push(accessToken);
      return reply(200, { access_token: accessToken, token_type: 'bearer', scope });
    }
    if (['/user', '/user/emails', '/user/orgs', '/user/teams'].includes(url.pathname) && req.method === 'GET') {
      if (!req.headers['user-agent']) {
        return json(res, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.' });
      }
      const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const token = m ? tokens.get(m[1]!) : undefined;
      const user = token ? fake.users.get(token.login) : undefined;
      if (!token || !user) {
        return json(res, 401, { message: m ? 'Bad credentials' : 'Requires authentication', documentation_url: 'https://docs.github.com/rest', status: '401' });
      }
      if (url.pathname === '/user/orgs' || url.pathname === '/user/teams') {
        if (!token.scope.split(',').includes('read:org')) return json(res, 403, { message: 'Resource not accessible by integration', status: '403' });
        const all = url.pathname === '/user/orgs'
          ? (user.orgs ?? []).map((login, i) => ({ login, id: 1000 + i, url: `${baseUrl}/orgs/${login}` }))
          : (user.teams ?? []).map((t, i) => {
            const [org, slug] = t.split('/') as [string, string];
            return { id: 2000 + i, slug, name: slug, organization: { login: org, id: 1 } };
          });
        const perPage = Math.min(100, Math.max(1, Number(q.per_page ?? 30) || 30));
        const page = Math.max(1, Number(q.page ?? 1) || 1);
        const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
        if (page * perPage < all.length) {
          const next = new URL(url.href);
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${next.href}>; rel="next"`;
        }
        res.writeHead(200, headers).end(JSON.stringify(all.slice((page - 1) * perPage, page * perPage)));
        return;
      }
      if (url.pathname === '/user/emails') {
        if (!token.scope.split(',').includes('user:email')) return json(res, 404, { message: 'Not Found', status: '404' });
        return json(res, 200, user.emails ?? (user.email ? [{ email: user.email, primary: true, verified: true, visibility: 'public' }] : []));
      }
      return json(res, 200, {
        login: user.login, id: user.id, node_id: `U_fake${user.id}`, avatar_url: user.avatar_url ?? `${baseUrl}/avatars/u/${user.id}`,
        html_url: `${baseUrl}/${user.login}`, type: 'User', site_admin: false, name: user.name ?? null, email: user.email ?? null,
        created_at: '2020-01-01T00:00:00Z', updated_at: '2020-01-01T00:00:00Z',
      });
    }
    json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  }
  return fake;
}

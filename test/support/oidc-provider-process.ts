// Child-process entry of the OIDC test provider: a real `oidc-provider` 9 on 127.0.0.1:<free port> with tiny
// login pages of its own (no consent step). Started by oidc-provider.ts via fork(); talks to the parent over IPC
// only ({type:'ready'} once, then acks for setAccount) and exits when the parent goes away.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';

export interface ChildOptions {
  clients: { client_id: string; client_secret: string; redirect_uris: string[]; post_logout_redirect_uris?: string[]; anyLoopbackPort?: boolean; onlyAuthMethod?: 'client_secret_basic' | 'client_secret_post' }[];
  accounts: Record<string, { sub: string; [claim: string]: unknown }>;
  claimsInIdToken?: boolean;
}
export type ChildRequest = { id: number; type: 'setAccount'; login: string; claims: ChildOptions['accounts'][string] | null };
export type ChildMessage = { type: 'ready'; port: number; issuer: string } | { type: 'ack'; id: number; error?: string };

const send = (msg: ChildMessage) => process.send?.(msg);
if (!process.send) throw new Error('oidc-provider-process must be started with fork() (needs an IPC channel)');
process.on('disconnect', () => process.exit(0)); // parent died or called stop(): never outlive it

// oidc-provider prints notices on import/construction (e.g. "Unsupported runtime" on Node 20): keep them out of test output.
for (const level of ['warn', 'info'] as const) {
  const orig = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider ') && !process.env.OIDC_FIXTURE_VERBOSE) return;
    orig(...args);
  };
}
const { default: Provider } = await import('oidc-provider');

const opts = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const accounts = new Map(Object.entries(opts.accounts ?? {})); // login name -> claims
const bySub = (sub: string) => [...accounts.values()].find((c) => c.sub === sub);

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (uid: string, loginHint: string, error?: string) => `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in - test IdP</title></head><body>
<h1>Sign in to the test IdP</h1>${error ? `\n<p id="error" role="alert">${esc(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
  <input type="hidden" name="prompt" value="login">
  <label>Login <input id="login" name="login" type="text" required autofocus value="${esc(loginHint)}"></label>
  <label>Password <input id="password" name="password" type="password" placeholder="any password"></label>
  <button id="submit" type="submit">Sign-in</button>
</form>
<p><a id="cancel" href="/interaction/${esc(uid)}/abort">Cancel</a></p>
</body></html>`;

const server = http.createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const configuration: Configuration = {
  clients: opts.clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    ...(c.post_logout_redirect_uris ? { post_logout_redirect_uris: c.post_logout_redirect_uris } : {}),
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: c.onlyAuthMethod ?? 'client_secret_basic', // oidc-provider 9 accepts either for both
    ...(c.anyLoopbackPort ? { application_type: 'native' as const } : {}),
  })),
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: `test-${port}`, use: 'sig', alg: 'RS256' }] },
  pkce: { required: () => true }, // v9 supports S256 only
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username', 'picture'], groups: ['groups'] },
  conformIdTokenClaims: !opts.claimsInIdToken,
  cookies: {
    names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
    keys: [randomBytes(32).toString('base64url')],
  },
  features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  clientBasedCORS: () => false,
  async findAccount(_ctx, sub) {
    if (!bySub(sub)) return undefined;
    return { accountId: sub, claims: async () => ({ ...bySub(sub)!, sub }) };
  },
  // Automatic consent: every signed-in user grants the requested standard scopes at once.
  async loadExistingGrant(ctx: KoaContextWithOIDC) {
    const { client, session, result, provider } = ctx.oidc;
    const grantId = result?.consent?.grantId ?? session?.grantIdFor(client!.clientId);
    const found = grantId ? await provider.Grant.find(grantId) : undefined;
    if (found || !session?.accountId) return found;
    const grant = new provider.Grant({ clientId: client!.clientId, accountId: session.accountId });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>IdP error</title></head><body>
<h1>IdP error</h1><pre id="error">${esc(JSON.stringify(out))}</pre></body></html>`;
  },
};
const provider = new Provider(issuer, configuration);
provider.on('server_error', (_ctx: unknown, err: Error) => console.error('[oidc-provider] server_error', err));
const callback = provider.callback();

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req: http.IncomingMessage, res: http.ServerResponse, action: string | undefined) {
  const details = await provider.interactionDetails(req, res);
  const html = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
  };
  const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
  if (action === '/abort') {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
  }
  if (action === '/login' && req.method === 'POST') {
    const login = (await readForm(req)).get('login') ?? '';
    const claims = accounts.get(login);
    if (!claims) return html(200, page(details.uid, login, `unknown login "${login}"`));
    return provider.interactionFinished(req, res, { login: { accountId: claims.sub } }, { mergeWithLastSubmission: false });
  }
  if (details.prompt.name === 'login') return html(200, page(details.uid, hint));
  // Any other prompt (consent) is answered automatically; loadExistingGrant normally prevents it anyway.
  const grant = new provider.Grant({ clientId: String(details.params.client_id), accountId: details.session!.accountId });
  grant.addOIDCScope('openid email profile groups');
  return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

// oidc-provider takes basic and post for either registered method: a client with `onlyAuthMethod` gets only its
// own (a Basic header, or a client_secret in the body, from a post-only or basic-only client is a 401).
const strictClients = new Map(opts.clients.filter((c) => c.onlyAuthMethod).map((c) => [c.client_id, c.onlyAuthMethod!]));
function refusedClientAuth(req: http.IncomingMessage, body: URLSearchParams): boolean {
  const basic = /^basic (.+)$/i.exec(req.headers.authorization ?? '');
  const basicId = basic ? decodeURIComponent(Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0]!.replace(/\+/g, ' ')) : null;
  const only = strictClients.get(basicId ?? body.get('client_id') ?? '');
  if (only === 'client_secret_post') return basic !== null;
  if (only === 'client_secret_basic') return body.get('client_secret') !== null;
  return false;
}

server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
  if (strictClients.size > 0 && req.method === 'POST' && (req.url ?? '').startsWith('/token')) {
    void readForm(req).then((body) => {
      if (refusedClientAuth(req, body)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: 'client authentication failed' }));
        return;
      }
      // Hand the already-read body on to oidc-provider.
      (req as http.IncomingMessage & { body?: unknown }).body = Object.fromEntries(body);
      callback(req, res);
    });
    return;
  }
  const m = /^\/interaction\/[^/?]+(\/login|\/abort)?(?:\?|$)/.exec(req.url ?? '');
  if (!m) return void callback(req, res);
  interaction(req, res, m[1]).catch((err: Error) => {
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`interaction error: ${err.name}: ${err.message}\n`);
  });
});

process.on('message', (msg: ChildRequest) => {
  if (msg?.type !== 'setAccount') return;
  if (msg.claims) accounts.set(msg.login, msg.claims);
  else accounts.delete(msg.login);
  send({ type: 'ack', id: msg.id });
});
process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); process.exit(0); });
send({ type: 'ready', port, issuer });

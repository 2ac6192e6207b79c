// OIDC test provider fixture: starts a real `oidc-provider` in a child process (see oidc-provider-process.ts) and
// drives its login pages with plain fetch (obtainAuthorizationCode / followAuthorization) for browser-less tests.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildOptions, ChildRequest } from './oidc-provider-process.js';

export interface OidcTestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  /** Where RP-Initiated Logout may send the browser back (exact match). */
  post_logout_redirect_uris?: string[];
  /** application_type "native": any port on a registered http://127.0.0.1/... redirect URI is accepted (RFC 8252). */
  anyLoopbackPort?: boolean;
  /** Accept only this client authentication at the token endpoint (oidc-provider itself takes either). */
  onlyAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}
export interface OidcTestClaims {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  picture?: string;
  [claim: string]: unknown;
}
export interface OidcProviderOptions {
  clients: OidcTestClient[];
  /** login name (typed on the login page) -> claims. */
  accounts: Record<string, OidcTestClaims>;
  /** Put scope claims (email, name, ...) into the ID token too. Default false: they come only from /userinfo. */
  claimsInIdToken?: boolean;
  startTimeoutMs?: number;
}
export interface OidcTestProvider {
  issuer: string;
  port: number;
  pid: number;
  /** Add, replace (claims) or remove (null) an account in the running provider. */
  setAccount(login: string, claims: OidcTestClaims | null): Promise<void>;
  /** Kills the child process; idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => { for (const c of live) c.kill('SIGKILL'); });

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcTestProvider> {
  const entry = fileURLToPath(new URL('./oidc-provider-process.ts', import.meta.url));
  const childOptions: ChildOptions = { clients: options.clients, accounts: options.accounts, claimsInIdToken: options.claimsInIdToken ?? false };
  const child = fork(entry, [JSON.stringify(childOptions)], {
    execArgv: ['--import', import.meta.resolve('tsx'), '--no-warnings'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { live.delete(child); resolve(); }));
  let output = '';
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    process.stderr.write(chunk.toString().replace(/^(?=.)/gm, '[oidc-provider] '));
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
  let ready: { port: number; issuer: string };
  try {
    ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`OIDC provider did not start in time\n${output}`)), options.startTimeoutMs ?? 15_000);
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`OIDC provider exited (${code}) before ready\n${output}`)); });
      child.on('message', (msg: ChildMessage) => {
        if (msg.type === 'ready') { clearTimeout(timer); resolve(msg); }
        if (msg.type === 'ack') {
          const p = pending.get(msg.id);
          pending.delete(msg.id);
          if (msg.error) p?.reject(new Error(msg.error)); else p?.resolve();
        }
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }

  // A forgotten stop() must not hang the test process: nothing here keeps the loop alive (the child exits on disconnect).
  const streams = [child.stdout, child.stderr] as unknown as { unref?(): void }[];
  for (const s of streams) s.unref?.();
  child.channel?.unref();
  child.unref();

  let nextId = 1;
  let stopping: Promise<void> | undefined;
  return {
    issuer: ready.issuer,
    port: ready.port,
    pid: child.pid!,
    setAccount(login, claims) {
      return new Promise((resolve, reject) => {
        const req: ChildRequest = { id: nextId++, type: 'setAccount', login, claims };
        child.channel?.ref();
        const done = () => { if (pending.size === 0) child.channel?.unref(); };
        pending.set(req.id, { resolve: () => { resolve(); done(); }, reject: (e) => { reject(e); done(); } });
        child.send(req, (err) => { if (err) { const p = pending.get(req.id); pending.delete(req.id); p?.reject(err); } });
      });
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

export interface AuthorizationParams {
  clientId: string;
  redirectUri: string;
  /** Login name typed on the provider's login page. */
  login: string;
  codeChallenge: string;
  state: string;
  nonce?: string;
  scope?: string; // default "openid email profile"
  /** Extra authorization request parameters (prompt, login_hint, ...). */
  extra?: Record<string, string>;
}

/**
 * Follows an authorization request (e.g. one built by the gateway) through the provider's pages with fetch, signing
 * in as `login`, and returns the final redirect to `redirectUri` (with code, state, iss, or error). Nothing needs to
 * listen at redirectUri. Throws if the flow ends anywhere else (unknown login, provider error page, ...).
 */
export async function followAuthorization(authorizationUrl: string | URL, opts: { redirectUri: string; login: string }): Promise<URL> {
  const jar = new Map<string, { value: string; path: string }>();
  const target = new URL(opts.redirectUri);
  let url = new URL(authorizationUrl);
  let init: RequestInit = {};
  const submitted = new Set<string>();
  for (let hop = 0; hop < 20; hop++) {
    const cookie = [...jar].filter(([, c]) => url.pathname.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) || '/';
      const expired = attrs.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()));
      if (expired) jar.delete(pair.slice(0, eq)); else jar.set(pair.slice(0, eq), { value: pair.slice(eq + 1), path });
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, url);
      if (next.origin === target.origin && next.pathname === target.pathname) return next;
      url = next;
      init = {};
      continue;
    }
    const body = await res.text();
    const m = /^\/interaction\/([^/]+)$/.exec(url.pathname);
    if (res.status === 200 && m && !submitted.has(m[1]!) && body.includes('id="login-form"')) {
      submitted.add(m[1]!);
      url = new URL(`${url.pathname}/login`, url);
      init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ prompt: 'login', login: opts.login, password: 'any' }).toString() };
      continue;
    }
    const detail = body.match(/<p id="error"[^>]*>([^<]*)|<pre id="error">([^<]*)/);
    const text = (detail?.[1] ?? detail?.[2] ?? body.slice(0, 300)).replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
    throw new Error(`authorization flow stopped at ${res.status} ${url.href}: ${text}`);
  }
  throw new Error('authorization flow: too many redirects');
}

/** Runs the authorization-code request with PKCE S256 and returns the `code` (throws on an `error` redirect). */
export async function obtainAuthorizationCode(issuer: string, p: AuthorizationParams): Promise<string> {
  const auth = new URL(`${issuer.replace(/\/$/, '')}/auth`);
  const params: Record<string, string> = {
    response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, scope: p.scope ?? 'openid email profile',
    state: p.state, code_challenge: p.codeChallenge, code_challenge_method: 'S256', ...(p.nonce ? { nonce: p.nonce } : {}), ...p.extra,
  };
  for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
  const final = await followAuthorization(auth, { redirectUri: p.redirectUri, login: p.login });
  const code = final.searchParams.get('code');
  if (!code) throw new Error(`authorization failed: ${final.searchParams.get('error')}: ${final.searchParams.get('error_description')}`);
  if (final.searchParams.get('state') !== p.state) throw new Error('authorization response state mismatch');
  return code;
}

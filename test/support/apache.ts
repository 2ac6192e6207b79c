// Apache httpd with mod_auth_openidc as a third-party relying party, run as a child on loopback with a config in a
// temp dir (Debian packages apache2 + libapache2-mod-auth-openidc). `/protected` is guarded by mod_auth_openidc
// and proxied to a backend that records the claims headers it is given.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './services.js';

export const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

export interface ApacheRp {
  url: string;
  redirectUri: string;
  /** Request headers the protected backend saw, newest last. */
  seen: http.IncomingHttpHeaders[];
  errorLog(): string;
  stop(): Promise<void>;
}

/** Chooses the port first: the client's redirect URI must be registered before Apache starts. */
export async function apachePort(): Promise<{ port: number; redirectUri: string }> {
  const port = await freePort();
  return { port, redirectUri: `http://127.0.0.1:${port}/protected/redirect_uri` };
}

export async function startApacheRp(options: { port: number; issuer: string; clientId: string; clientSecret: string }): Promise<ApacheRp> {
  const seen: http.IncomingHttpHeaders[] = [];
  const backend = http.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<p id="user">${String(req.headers['x-preferred-username'] ?? '').replace(/</g, '&lt;')}</p>`);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'sso-gw-apache-'));
  const conf = join(dir, 'httpd.conf');
  const modules = ['mpm_event', 'authn_core', 'authz_core', 'authz_user', 'headers', 'proxy', 'proxy_http', 'auth_openidc'];
  writeFileSync(conf, `ServerRoot "${dir}"
DefaultRuntimeDir "${dir}"
PidFile "${dir}/httpd.pid"
Mutex file:${dir}
ErrorLog "${dir}/error.log"
LogLevel warn
Listen 127.0.0.1:${options.port}
ServerName 127.0.0.1
${modules.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`).join('\n')}
OIDCProviderMetadataURL ${options.issuer}/.well-known/openid-configuration
OIDCClientID ${options.clientId}
OIDCClientSecret ${options.clientSecret}
OIDCRedirectURI http://127.0.0.1:${options.port}/protected/redirect_uri
OIDCCryptoPassphrase ${Buffer.from(dir).toString('hex')}
OIDCScope "openid profile email groups"
OIDCPKCEMethod S256
OIDCResponseMode query
OIDCProviderTokenEndpointAuth client_secret_post
<Location /protected>
  AuthType openid-connect
  Require valid-user
  RequestHeader set X-Preferred-Username "%{OIDC_CLAIM_preferred_username}e"
  ProxyPass "http://127.0.0.1:${backendPort}/"
</Location>
`);
  let output = '';
  const child: ChildProcess = spawn(APACHE, ['-f', conf, '-DFOREGROUND'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const errorLog = () => { try { return readFileSync(join(dir, 'error.log'), 'utf8'); } catch { return ''; } };
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitFor('apache', async () => {
      if (child.exitCode !== null) throw new Error(`apache exited: ${output}\n${errorLog()}`);
      try { await fetch(`${url}/`); return true; } catch { return false; }
    }, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    backend.close();
    throw err;
  }
  return {
    url,
    redirectUri: `${url}/protected/redirect_uri`,
    seen,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      backend.closeAllConnections();
      await new Promise((resolve) => backend.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

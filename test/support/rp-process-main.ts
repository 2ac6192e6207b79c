// A relying party as its own OS process (the test RP of oidc-op.ts on openid-client): discovers the issuer in
// RP_ISSUER, serves /login and /cb on RP_PORT, and answers its results as JSON on RP_CONTROL_PORT /results.
// Started by rp-process.ts; prints "rp ready" once both listen.
import http from 'node:http';
import { startTestRp } from './oidc-op.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const rp = await startTestRp(env('RP_ISSUER'), { clientId: env('RP_CLIENT_ID'), clientSecret: env('RP_CLIENT_SECRET') }, { port: Number(env('RP_PORT')) });
const control = http.createServer((req, res) => {
  if (req.url === '/results') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: rp.results, errors: rp.errors, pid: process.pid }));
    return;
  }
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => control.listen(Number(env('RP_CONTROL_PORT')), '127.0.0.1', resolve));
const stop = () => {
  control.close();
  void rp.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdout.write('rp ready\n');

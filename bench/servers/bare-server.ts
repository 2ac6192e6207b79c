// The baseline: a bare node:http server answering every request with 200 and an empty body. Also the protected
// app and the zero-cost auth service of the nginx phase. Listens on 127.0.0.1:$BENCH_PORT.
// BENCH_ANSWER=identity: the same server answering with the headers of the gateway's allowed verify answer (the
// identity, Cache-Control, Content-Length and a fresh X-Request-Id): what node:http itself costs for that answer.
import { createServer } from 'node:http';
import { buildIdentity } from '../../src/forward-auth/identity.js';

const port = Number(process.env.BENCH_PORT);
const headers = ['Content-Length', '0'];
// The gateway's own allow headers for the bench's admin (src/forward-auth/identity.ts builds both).
const identity = buildIdentity({ id: 1, username: 'bench-admin', role: 'ADMIN', email: '', emailVerified: false, usernameLocked: false }).allowHeaders;
let served = 0;
createServer(
  process.env.BENCH_ANSWER === 'identity'
    ? (_req, res) => {
        res.writeHead(200, identity.concat('X-Request-Id', `bench0000000-${(++served).toString(36)}`));
        res.end();
      }
    : (_req, res) => {
        res.writeHead(200, headers);
        res.end();
      },
)
  .listen(port, '127.0.0.1')
  .keepAliveTimeout = 65_000;
process.on('SIGTERM', () => process.exit(0));

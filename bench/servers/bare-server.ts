// The baseline: a bare node:http server answering every request with 200 and an empty body. Also the protected
// app and the zero-cost auth service of the nginx phase. Listens on 127.0.0.1:$BENCH_PORT.
import { createServer } from 'node:http';

const port = Number(process.env.BENCH_PORT);
const headers = ['Content-Length', '0'];
createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end();
})
  .listen(port, '127.0.0.1')
  .keepAliveTimeout = 65_000;
process.on('SIGTERM', () => process.exit(0));

// The metrics listener (GATEWAY_METRICS_ADDR): its own node:http server on its own address, never the public
// port, serving GET /metrics in the Prometheus text format and 404 for anything else. Keep it on loopback or a
// private network: what it shows (traffic, failures, process data) is for operators.
import { createServer, type Server } from 'node:http';
import type { Logger } from '../logger.js';
import type { MetricsExporter } from './prometheus-metrics.js';

export const METRICS_PATH = '/metrics';

export function createMetricsServer(exporter: MetricsExporter, logger: Logger): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '10' });
      res.end('not found\n');
      return;
    }
    exporter.scrape().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': exporter.contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        logger.error({ err, event: 'metrics_scrape_failed' }, 'metrics scrape failed');
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      },
    );
  });
}

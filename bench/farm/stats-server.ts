/**
 * The farm's stats endpoint on 127.0.0.1: `GET /stats` (add `?series=0` to leave out the in-flight
 * time series, which is most of the bytes with many hosts) and `POST /stats/reset`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FarmReport } from './report.js';

export interface StatsSource {
  report(withSeries: boolean): FarmReport;
  reset(): void;
}

export interface StatsServer {
  /** `http://127.0.0.1:<port>/stats`. */
  readonly url: string;
  close(): Promise<void>;
}

function handler(source: StatsSource): Parameters<typeof createServer>[1] {
  return (req, res) => {
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    if (path === '/stats' && req.method === 'GET') {
      const body = JSON.stringify(source.report(!/(^|&)series=0(&|$)/.test(query)));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(body);
    } else if (path === '/stats/reset' && req.method === 'POST') {
      source.reset();
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('GET /stats[?series=0] or POST /stats/reset\n');
    }
  };
}

export async function startStatsServer(source: StatsSource, port: number): Promise<StatsServer> {
  const server: Server = createServer(handler(source));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/stats`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

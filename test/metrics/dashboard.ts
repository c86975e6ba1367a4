/** The Grafana dashboard's queries, for tests that check them against the code and a live Prometheus. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DASHBOARD = fileURLToPath(new URL('../../../dashboards/distributed-downloader.json', import.meta.url));

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

export interface PanelQuery {
  panel: string;
  expr: string;
}

/** Every query of every panel, with the dashboard's variables replaced by what "All" and Grafana would put there. */
export function dashboardQueries(rateInterval = '1m'): PanelQuery[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  return dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      panel: p.title,
      expr: t.expr.replaceAll('$output', '.*').replaceAll('$host', '.*').replaceAll('$__rate_interval', rateInterval),
    })),
  );
}

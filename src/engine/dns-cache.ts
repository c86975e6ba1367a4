/**
 * Caches DNS answers, failures included: a host with ten thousand URLs is looked up once per TTL,
 * not once per connection, and concurrent lookups of one name share a single query.
 */
import { promises as dnsPromises } from 'node:dns';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo), so /etc/hosts and the local resolver configuration apply as for any client. */
export const systemResolve: Resolve = async (hostname) => {
  const answers = await dnsPromises.lookup(hostname, { all: true, order: 'verbatim' });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Beyond this many names the oldest entries are dropped, so a run over millions of hosts stays bounded. */
const MAX_ENTRIES = 100_000;

interface Entry {
  expires: number;
  answer: Promise<ResolvedAddress[]>;
}

export class DnsCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    /** A resolution taking longer fails as a DNS failure (EAI_AGAIN); getaddrinfo itself has no deadline. */
    private readonly timeoutMs: number,
    private readonly resolve: Resolve = systemResolve,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves `hostname`; rejects with the resolver's error (cached like an answer). */
  lookup(hostname: string): Promise<ResolvedAddress[]> {
    const now = this.now();
    const cached = this.entries.get(hostname);
    if (cached && cached.expires > now) return cached.answer;
    if (cached) this.entries.delete(hostname);
    const answer = this.resolveWithin(hostname);
    // Avoid an unhandled rejection for a failure nobody awaits any more; callers still see it.
    answer.catch(() => undefined);
    this.entries.set(hostname, { expires: now + this.ttlMs, answer });
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return answer;
  }

  private resolveWithin(hostname: string): Promise<ResolvedAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(Object.assign(new Error(`DNS lookup of ${hostname} took longer than ${this.timeoutMs} ms`), { code: 'EAI_AGAIN', hostname }));
      }, this.timeoutMs);
    });
    return Promise.race([this.resolve(hostname), deadline]).finally(() => clearTimeout(timer));
  }
}

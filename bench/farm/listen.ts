/**
 * Binding every listening host to its own loopback address on one shared port, so that the port is
 * known before any URL is written and hosts stay distinct by IP.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Attempts at finding a port free on every address when the caller lets the farm choose. */
const PORT_ATTEMPTS = 8;

function listenOne(address: string, port: number, onSocket: (socket: Socket) => void): Promise<Server> {
  const server = createServer({ noDelay: true }, onSocket);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port, backlog: 511 }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Listener {
  readonly address: string;
  readonly onSocket: (socket: Socket) => void;
}

export interface Bound {
  readonly port: number;
  readonly servers: Server[];
}

async function bindAll(listeners: readonly Listener[], port: number): Promise<Bound> {
  const [first, ...rest] = listeners;
  if (!first) throw new Error('bindAll needs at least one listener');
  const head = await listenOne(first.address, port, first.onSocket);
  const chosen = (head.address() as AddressInfo).port;
  const settled = await Promise.allSettled(rest.map((l) => listenOne(l.address, chosen, l.onSocket)));
  const servers = [head];
  let failure: unknown;
  for (const s of settled) {
    if (s.status === 'fulfilled') servers.push(s.value);
    else failure ??= s.reason;
  }
  if (failure !== undefined) {
    await Promise.all(servers.map(closeServer));
    throw failure;
  }
  return { port: chosen, servers };
}

/**
 * Listens on every listener's address with the same port. Port 0 means: take the port the kernel
 * gives the first address, and try again with another if some other address has it taken.
 */
export async function listenAll(listeners: readonly Listener[], port: number): Promise<Bound> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await bindAll(listeners, port);
    } catch (err) {
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (port !== 0 || !inUse || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

/** A port that is free on `address` right now, for plans in which no host listens at all. */
export async function freePort(address: string): Promise<number> {
  const probe = await listenOne(address, 0, (socket) => socket.destroy());
  const { port } = probe.address() as AddressInfo;
  await closeServer(probe);
  return port;
}

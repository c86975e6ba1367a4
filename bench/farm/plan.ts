/**
 * A scenario made concrete: its hosts, each with a loopback address, a behaviour and the URLs it
 * serves. Addresses follow the host's position, so a plan (and with a port, its URL list) is a pure
 * function of the scenario, its seed and its scale.
 */
import type { HostSpec } from './host-spec.js';
import { yieldsImage, type UrlSpec } from './url-spec.js';

export interface HostDraft {
  readonly spec: HostSpec;
  readonly urls: readonly UrlSpec[];
}

export interface HostPlan extends HostDraft {
  readonly index: number;
  /** Loopback address the host listens on, 127.0.x.y with x, y >= 1. */
  readonly address: string;
}

export interface ScenarioPlan {
  readonly name: string;
  readonly seed: number;
  readonly hosts: readonly HostPlan[];
}

const PER_BLOCK = 254;
/** 127.0.1.1 … 127.0.255.254; 127.0.0.x stays free for the stats endpoint and other services. */
export const MAX_HOSTS = 255 * PER_BLOCK;

export function hostAddress(index: number): string {
  if (!(Number.isInteger(index) && index >= 0 && index < MAX_HOSTS)) {
    throw new RangeError(`host index ${index} outside 0..${MAX_HOSTS - 1}`);
  }
  return `127.0.${1 + Math.floor(index / PER_BLOCK)}.${1 + (index % PER_BLOCK)}`;
}

export function planScenario(name: string, seed: number, drafts: readonly HostDraft[]): ScenarioPlan {
  return {
    name,
    seed,
    hosts: drafts.map((draft, index) => ({ ...draft, index, address: hostAddress(index) })),
  };
}

/** URLs from which a well-behaved client should get an image (hosts that refuse count for none). */
export function imageUrlCount(host: HostPlan): number {
  return host.spec.refuse ? 0 : host.urls.filter(yieldsImage).length;
}

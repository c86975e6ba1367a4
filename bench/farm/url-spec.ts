/**
 * What one URL does, encoded in its path so that one host can serve mixed outcomes and the server
 * needs no per-URL table: `/<kind>/<id>.<ext>?<params>`, e.g. `/img/17.jpg?size=medium`,
 * `/redirect/18.jpg?hops=3&size=small`, `/status/19.jpg?code=410`.
 */
import { extensionOf, isImageVariant, type ImageVariant } from './images.js';

export type UrlSpec =
  /** The image; `truncated` claims its full Content-Length and sends half; `stall` sends half and waits. */
  | { readonly kind: 'img' | 'truncated' | 'stall'; readonly variant: ImageVariant }
  /** `hops` redirects (302, absolute Location on the same host), then the image. */
  | { readonly kind: 'redirect'; readonly hops: number; readonly variant: ImageVariant }
  /** Two URLs redirecting to each other forever; `step` says which of the two. */
  | { readonly kind: 'loop'; readonly step: 0 | 1 }
  /** A bare status answer such as 404, 403, 410 or 500. */
  | { readonly kind: 'status'; readonly code: number }
  /**
   * `reset`: connection reset instead of an answer; `hang`: never answers; `huge`: a JPEG claiming
   * HUGE_BODY_BYTES; `html`: 200 with a text/html page.
   */
  | { readonly kind: 'reset' | 'hang' | 'huge' | 'html' };

export type UrlKind = UrlSpec['kind'];

export const URL_KINDS: readonly UrlKind[] = [
  'img', 'truncated', 'stall', 'redirect', 'loop', 'status', 'reset', 'hang', 'huge', 'html',
];

/** Content-Length a `huge` answer claims (and streams, if the client keeps reading). */
export const HUGE_BODY_BYTES = 200 * 1024 * 1024;

/** Whether a client that follows redirects and accepts images should end up with an image. */
export function yieldsImage(spec: UrlSpec): boolean {
  return spec.kind === 'img' || spec.kind === 'redirect';
}

export function urlPath(spec: UrlSpec, id: string): string {
  switch (spec.kind) {
    case 'img':
    case 'truncated':
    case 'stall':
      return `/${spec.kind}/${id}.${extensionOf(spec.variant)}?size=${spec.variant}`;
    case 'redirect':
      return `/redirect/${id}.${extensionOf(spec.variant)}?hops=${spec.hops}&size=${spec.variant}`;
    case 'loop':
      return spec.step === 0 ? `/loop/${id}.jpg` : `/loop/${id}.jpg?step=1`;
    case 'status':
      return `/status/${id}.jpg?code=${spec.code}`;
    default:
      return `/${spec.kind}/${id}.jpg`;
  }
}

/** Where a redirecting URL points next, as a path on the same host. */
export function nextHop(spec: UrlSpec & { kind: 'redirect' | 'loop' }, id: string): string {
  if (spec.kind === 'loop') return urlPath({ kind: 'loop', step: spec.step === 0 ? 1 : 0 }, id);
  return spec.hops > 1
    ? urlPath({ ...spec, hops: spec.hops - 1 }, id)
    : urlPath({ kind: 'img', variant: spec.variant }, id);
}

export interface Route {
  readonly spec: UrlSpec;
  readonly id: string;
}

function queryParam(query: string, key: string): string | undefined {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq) === key) return pair.slice(eq + 1);
  }
  return undefined;
}

/** Decodes a request target; undefined when it is not a farm URL (the host then answers 404). */
export function parseRoute(target: string): Route | undefined {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  const slash = path.indexOf('/', 1);
  if (path[0] !== '/' || slash < 0) return undefined;
  const kind = path.slice(1, slash);
  const file = path.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  const id = dot < 0 ? file : file.slice(0, dot);
  if (id.length === 0 || id.includes('/')) return undefined;
  const variant = queryParam(query, 'size') ?? 'medium';
  switch (kind) {
    case 'img':
    case 'truncated':
    case 'stall':
      return isImageVariant(variant) ? { spec: { kind, variant }, id } : undefined;
    case 'redirect': {
      const hops = Number(queryParam(query, 'hops') ?? '1');
      return isImageVariant(variant) && Number.isInteger(hops) && hops >= 1
        ? { spec: { kind, hops, variant }, id }
        : undefined;
    }
    case 'loop':
      return { spec: { kind, step: queryParam(query, 'step') === '1' ? 1 : 0 }, id };
    case 'status': {
      const code = Number(queryParam(query, 'code'));
      return Number.isInteger(code) && code >= 200 && code <= 599 ? { spec: { kind, code }, id } : undefined;
    }
    case 'reset':
    case 'hang':
    case 'huge':
    case 'html':
      return { spec: { kind }, id };
    default:
      return undefined;
  }
}

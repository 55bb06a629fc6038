// The server's access rules: the control token (compared in constant time), the Host
// check that stops DNS rebinding while bound to loopback, and the Origin check that stops
// other sites' pages from driving the cockpit through the visitor's browser.
import { createHash, timingSafeEqual } from 'node:crypto';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase();
  return LOOPBACK_NAMES.has(bare) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** The host name of a `Host` header (`127.0.0.1:8080`, `[::1]:80`, `localhost`). */
export function hostName(hostHeader: string): string {
  const header = hostHeader.trim().toLowerCase();
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    return end < 0 ? header : header.slice(0, end + 1);
  }
  const colon = header.lastIndexOf(':');
  return colon < 0 ? header : header.slice(0, colon);
}

/**
 * While the server listens on loopback, a request must name a loopback host: a page on
 * another site that re-points its own name at 127.0.0.1 (DNS rebinding) then sends its
 * name in `Host` and is refused.
 */
export function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  if (!isLoopbackHost(boundHost)) return true;
  if (hostHeader === undefined || hostHeader === '') return false;
  return isLoopbackHost(hostName(hostHeader));
}

/**
 * Browsers send `Origin` on WebSocket handshakes and on cross-site POSTs: it must be this
 * server's own origin. Clients that are not browsers send none and pass.
 */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true;
  if (hostHeader === undefined) return false;
  try {
    const url = new URL(origin);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.host.toLowerCase() === hostHeader.trim().toLowerCase()
    );
  } catch {
    return false;
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Compares without leaking, through timing, how much of the token was right or its length. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

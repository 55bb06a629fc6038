// Starts the cockpit application on a port and stops it gracefully: the running session
// and fleet stop, sockets get a "going away" close, requests in flight finish.
import type { AddressInfo } from 'node:net';
import { IoError } from '../errors.js';
import { createCockpitApp, type CockpitApp, type CockpitAppOptions } from './app.js';

export interface ServeOptions extends CockpitAppOptions {
  /** 0: any free port. */
  readonly port: number;
}

export interface RunningServer extends CockpitApp {
  /** `http://127.0.0.1:8080` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly port: number;
}

/**
 * Builds the cockpit and listens on `host:port`.
 *
 * @example
 * const server = await startCockpitServer({ host: '127.0.0.1', port: 0, lakeRoot: '.pitwall/lake' });
 * console.log(server.url);
 * await server.close();
 */
export async function startCockpitServer(options: ServeOptions): Promise<RunningServer> {
  const cockpit = await createCockpitApp(options);
  try {
    await cockpit.app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await cockpit.close();
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE'
        ? 'the port is in use (choose another with --port, or 0 for any free port)'
        : code === 'EADDRNOTAVAIL'
          ? 'that address is not on this machine'
          : code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges)'
            : error instanceof Error
              ? error.message
              : String(error);
    throw new IoError(`cannot listen on ${options.host}:${options.port}: ${reason}`, {
      cause: error,
    });
  }
  const address = cockpit.app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { ...cockpit, url: `http://${host}:${address.port}`, port: address.port };
}

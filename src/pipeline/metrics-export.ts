// Serving and saving Prometheus text: an HTTP endpoint (GET /metrics) bound to loopback by
// default, and a file rewritten atomically (node_exporter's textfile collector reads such files).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rename, writeFile } from 'node:fs/promises';
import { IoError } from '../errors.js';

/** The content type of the Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsServer {
  /** The port it listens on (useful when 0 was asked for). */
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/**
 * Serves `render()` at `/metrics` (and `/`) on `host:port`; 0 picks a free port.
 *
 * @example
 * const server = await serveMetrics(() => metrics.text(), { port: 9464 });
 * // curl http://127.0.0.1:9464/metrics
 * await server.close();
 */
export async function serveMetrics(
  render: () => Promise<string>,
  options: { readonly port: number; readonly host?: string },
): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((request, response) => {
    const url = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url !== '/metrics' && url !== '/') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    render().then(
      (text) => {
        response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? 'the port is in use'
          : error.code === 'EACCES'
            ? 'permission denied'
            : error.message;
      reject(new IoError(`cannot serve metrics on ${host}:${options.port}: ${reason}`));
    });
    server.listen(options.port, host, () => resolve());
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Writes `text` to `file` through a temporary file and a rename, so readers never see half. */
export async function writeMetricsFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IoError(`cannot write the metrics file ${file}: ${reason}`, { cause: error });
  }
}

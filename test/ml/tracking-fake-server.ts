// A scripted HTTP server on 127.0.0.1 for the REST client's unit tests: it records every
// request (method, path, query, headers, body) and answers with what the test's handler
// returns. Only for what a real MLflow server cannot be made to do on demand (503s, 429s
// with Retry-After, auth failures); the real server is exercised in test/interop.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  readonly json: unknown;
}

export interface FakeAnswer {
  readonly status?: number;
  readonly json?: unknown;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export type FakeHandler = (request: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>;

export interface FakeServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  handler: FakeHandler;
  close(): Promise<void>;
}

export async function startFakeServer(
  handler: FakeHandler = () => ({ json: {} }),
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const state = { handler };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks);
      let json: unknown;
      try {
        json = body.length === 0 ? undefined : (JSON.parse(body.toString('utf8')) as unknown);
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        json,
      };
      requests.push(recorded);
      void Promise.resolve(state.handler(recorded)).then(
        (answer) => {
          const payload =
            answer.json !== undefined
              ? Buffer.from(JSON.stringify(answer.json))
              : Buffer.from(answer.body ?? '');
          res.writeHead(answer.status ?? 200, {
            'content-type':
              answer.json !== undefined ? 'application/json' : 'application/octet-stream',
            ...(answer.headers ?? {}),
          });
          res.end(payload);
        },
        (error: unknown) => {
          res.writeHead(599);
          res.end(String(error));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get handler() {
      return state.handler;
    },
    set handler(next: FakeHandler) {
      state.handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** MLflow's error body. */
export function mlflowError(status: number, errorCode: string, message: string): FakeAnswer {
  return { status, json: { error_code: errorCode, message } };
}

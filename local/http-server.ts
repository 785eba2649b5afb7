/**
 * Serves an FC 3.0 HTTP-trigger handler on a local port: each Node request becomes the FC event Buffer
 * (`{version, rawPath, body, isBase64Encoded, headers, queryParameters, requestContext}`, headers in their original
 * casing, the body base64-encoded as FC does for binary content) and the handler's `{statusCode, headers, body}`
 * becomes the response. The local server caps bodies at 32 MB, as FC does for synchronous invocations.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { listen, type RunningServer } from '../emulators/common/http.js';
import type { FcContext, HttpResponse } from '../shared/index.js';

export type HttpHandler = (event: Buffer, context: FcContext) => Promise<HttpResponse>;

const FC_MAX_BODY = 32 * 1024 * 1024;

export function toFcHttpEvent(req: http.IncomingMessage, body: Buffer): Buffer {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i] as string;
    const v = req.rawHeaders[i + 1] as string;
    headers[k] = headers[k] === undefined ? v : `${headers[k]},${v}`;
  }
  const queryParameters: Record<string, string> = {};
  for (const [k, v] of url.searchParams) queryParameters[k] = queryParameters[k] === undefined ? v : `${queryParameters[k]},${v}`;
  const event = {
    version: 'v1',
    rawPath: url.pathname,
    body: body.toString('base64'),
    isBase64Encoded: true,
    headers,
    queryParameters,
    requestContext: {
      accountId: '1234567890123456',
      domainName: `${req.headers.host ?? 'localhost'}`,
      http: { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      time: new Date().toISOString(),
      timeEpoch: String(Date.now()),
    },
  };
  return Buffer.from(JSON.stringify(event));
}

export async function serveHttpFunction(handler: HttpHandler, opts: { host: string; port: number; context: () => FcContext }): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= FC_MAX_BODY) chunks.push(c);
    });
    req.on('end', async () => {
      if (size > FC_MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      try {
        const out = await handler(toFcHttpEvent(req, Buffer.concat(chunks)), opts.context());
        const body = out.isBase64Encoded ? Buffer.from(out.body, 'base64') : Buffer.from(out.body ?? '', 'utf8');
        res.writeHead(out.statusCode, { ...out.headers, 'content-length': body.length });
        res.end(body);
      } catch (err) {
        // FC answers a handler crash with 502; the product's handler is written never to get here.
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`function error: ${(err as Error).message}`);
      }
    });
  });
  return listen(server, opts.host, opts.port);
}

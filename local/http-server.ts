/**
 * Serves an FC 3.0 HTTP-trigger handler on a local port: each Node request becomes the FC event Buffer
 * (`{version, rawPath, body, isBase64Encoded, headers, queryParameters, requestContext}`, headers in their original
 * casing, the body base64-encoded as FC does for binary content) and the handler's `{statusCode, headers, body}`
 * becomes the response. The local server caps bodies at 32 MB, as FC does for synchronous invocations.
 * Event format: https://www.alibabacloud.com/help/en/functioncompute/fc/http-trigger-invoking-function
 *
 * `rawPath` is the path exactly as sent (URL-encoded), `requestContext.http.path` its decoded form. How FC decodes
 * a malformed percent-encoding (`/webhooks/%E0`) is not documented; here it is decoded leniently (valid escapes
 * decoded, malformed ones kept as sent), and the product's handler answers any of FC's possible choices with a 4xx.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { listen, type RunningServer } from '../emulators/common/http.js';
import { decodePath, type FcContext, type HttpResponse } from '../shared/index.js';

export type HttpHandler = (event: Buffer, context: FcContext) => Promise<HttpResponse>;

const FC_MAX_BODY = 32 * 1024 * 1024;

/** What the server reads from a request; a Node `IncomingMessage` is one, and tests build them directly. */
export interface RawHttpRequest {
  method?: string;
  /** The request target as sent: `/path?query` (or the absolute form `http://host/path?query`). */
  url?: string;
  /** Header names and values, alternating, in their original casing. */
  rawHeaders: string[];
  httpVersion?: string;
  remoteAddress?: string;
}

/** Splits a request target into its raw (still encoded) path and its query string, without URL parsing. */
export function splitTarget(target: string): { rawPath: string; query: string } {
  const origin = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  const rest = origin ? target.slice(origin[0].length) : target;
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  return { rawPath: path.startsWith('/') || path === '*' ? path : `/${path}`, query: q < 0 ? '' : rest.slice(q + 1) };
}

/** The FC HTTP trigger event for one request (multi-valued headers and query keys joined with commas, as FC does). */
export function toFcHttpEvent(req: RawHttpRequest, body: Buffer): Buffer {
  const { rawPath, query } = splitTarget(req.url ?? '/');
  const headers: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i] as string;
    const v = req.rawHeaders[i + 1] as string;
    headers[k] = headers[k] === undefined ? v : `${headers[k]},${v}`;
  }
  const queryParameters: Record<string, string> = Object.create(null);
  for (const [k, v] of new URLSearchParams(query)) queryParameters[k] = queryParameters[k] === undefined ? v : `${queryParameters[k]},${v}`;
  const host = headers.host ?? headers.Host ?? 'localhost';
  const event = {
    version: 'v1',
    rawPath,
    body: body.toString('base64'),
    isBase64Encoded: true,
    headers,
    queryParameters,
    requestContext: {
      accountId: '1234567890123456',
      domainName: host,
      http: {
        method: req.method ?? 'GET',
        path: decodePath(rawPath),
        protocol: `HTTP/${req.httpVersion ?? '1.1'}`,
        sourceIp: req.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? headers['User-Agent'] ?? '',
      },
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
    req.on('error', () => res.destroy());
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
        const raw: RawHttpRequest = {
          method: req.method,
          url: req.url,
          rawHeaders: req.rawHeaders,
          httpVersion: req.httpVersion,
          remoteAddress: req.socket.remoteAddress,
        };
        const out = await handler(toFcHttpEvent(raw, Buffer.concat(chunks)), opts.context());
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

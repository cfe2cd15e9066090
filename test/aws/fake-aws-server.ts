/**
 * A tiny HTTP server answering with canned AWS responses, so the real SDK's serialisation and
 * parsing are exercised without the simulator. Records every request with its parsed parameters.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  /** Query-protocol `Action`, or the operation from a JSON protocol's X-Amz-Target. */
  action: string;
  /** Form parameters (EC2, STS) — empty for JSON protocols. */
  params: URLSearchParams;
  /** Parsed body for JSON protocols (KMS). */
  json: unknown;
  headers: IncomingHttpHeaders;
}

export interface CannedResponse {
  status?: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Responder = (request: RecordedRequest) => CannedResponse | Promise<CannedResponse>;

export interface FakeAwsServer {
  url: string;
  requests: RecordedRequest[];
  respond(responder: Responder): void;
  close(): Promise<void>;
}

export async function startFakeAwsServer(): Promise<FakeAwsServer> {
  const requests: RecordedRequest[] = [];
  let responder: Responder = () => ({ status: 500, body: 'no responder set' });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = req.headers['x-amz-target'];
      const isJson = typeof target === 'string';
      const params = isJson ? new URLSearchParams() : new URLSearchParams(body);
      const recorded: RecordedRequest = {
        action: isJson ? (target.split('.').pop() ?? '') : (params.get('Action') ?? ''),
        params,
        json: isJson && body !== '' ? JSON.parse(body) : undefined,
        headers: req.headers,
      };
      requests.push(recorded);
      Promise.resolve(responder(recorded)).then(
        (answer) => {
          res.writeHead(answer.status ?? 200, {
            'content-type': answer.contentType ?? (isJson ? 'application/x-amz-json-1.1' : 'text/xml'),
            ...answer.headers,
          });
          res.end(answer.body);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
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
    respond: (next) => {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** An EC2 query-protocol error answer. */
export function ec2Error(code: string, message: string, status = 400): CannedResponse {
  return {
    status,
    // The SDK takes $metadata.requestId from this header, as real EC2 sends it.
    headers: { 'x-amzn-requestid': 'req-err-1' },
    body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-err-1</RequestID></Response>`,
  };
}

export function ec2Ok(action: string, inner: string): CannedResponse {
  return {
    body: `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>${inner}</${action}Response>`,
  };
}

export interface SnapshotXml {
  id: string;
  volumeId?: string;
  status?: string;
  progress?: string;
  ownerId?: string;
  size?: number;
  encrypted?: boolean;
  kmsKeyId?: string;
  description?: string;
  statusMessage?: string;
  startTime?: string;
  tags?: Record<string, string>;
}

export function snapshotXml(s: SnapshotXml): string {
  const tags = Object.entries(s.tags ?? {})
    .map(([k, v]) => `<item><key>${k}</key><value>${v}</value></item>`)
    .join('');
  return [
    '<item>',
    `<snapshotId>${s.id}</snapshotId>`,
    `<volumeId>${s.volumeId ?? 'vol-0123456789abcdef0'}</volumeId>`,
    `<status>${s.status ?? 'completed'}</status>`,
    `<startTime>${s.startTime ?? '2024-05-01T10:00:00.000Z'}</startTime>`,
    `<progress>${s.progress ?? '100%'}</progress>`,
    `<ownerId>${s.ownerId ?? '111111111111'}</ownerId>`,
    `<volumeSize>${s.size ?? 8}</volumeSize>`,
    s.description !== undefined ? `<description>${s.description}</description>` : '',
    `<encrypted>${s.encrypted ?? false}</encrypted>`,
    s.kmsKeyId !== undefined ? `<kmsKeyId>${s.kmsKeyId}</kmsKeyId>` : '',
    s.statusMessage !== undefined ? `<statusMessage>${s.statusMessage}</statusMessage>` : '',
    tags !== '' ? `<tagSet>${tags}</tagSet>` : '',
    '</item>',
  ].join('');
}

export function describeSnapshotsPage(snapshots: SnapshotXml[], nextToken?: string): CannedResponse {
  return ec2Ok(
    'DescribeSnapshots',
    `<snapshotSet>${snapshots.map(snapshotXml).join('')}</snapshotSet>${nextToken !== undefined ? `<nextToken>${nextToken}</nextToken>` : ''}`,
  );
}

/** Filter values the SDK sent, by filter name (`Filter.N.Name` / `Filter.N.Value.M`). */
export function filtersOf(params: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of params) {
    const match = /^Filter\.(\d+)\.Name$/.exec(key);
    if (match === null) continue;
    const values: string[] = [];
    for (let i = 1; params.has(`Filter.${match[1]}.Value.${i}`); i++) {
      values.push(params.get(`Filter.${match[1]}.Value.${i}`) ?? '');
    }
    out[value] = values;
  }
  return out;
}

/** Values of a list parameter such as `Owner.1`, `Owner.2`. */
export function listParam(params: URLSearchParams, prefix: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${prefix}.${i}`); i++) values.push(params.get(`${prefix}.${i}`) ?? '');
  return values;
}

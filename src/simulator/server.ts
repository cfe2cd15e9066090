import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Behaviour,
  type CopyDurationModel,
  defaultCopyDuration,
  type HandlerContext,
} from './behaviour.js';
import { createSimClock, type SimClock } from './clock.js';
import { AwsError, isAwsError } from './errors.js';
import { Faults, type ThrottleSettings } from './faults.js';
import { authError, authenticate, parseAuthorization, type Service, type SigV4Scope } from './identity.js';
import { QueryParams } from './protocol/query.js';
import { ec2Error, stsError } from './protocol/xml.js';
import { type Routed, SERVICES } from './services.js';
import type { WorldSpec } from './spec.js';
import { World } from './world.js';

export interface SimulatorOptions {
  world: WorldSpec;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1: loopback only. */
  host?: string;
  /** Base clock (default Date.now); `handle.clock.advance()` moves simulated time on top of it. */
  now?: () => number;
  copyDuration?: CopyDurationModel;
  /** How long after CopySnapshot a copy with an unusable key turns to `error`; default 5 s. */
  keyFailureDelayMs?: number;
  /** Lifetime of AssumeRole credentials, overriding DurationSeconds (to exercise refresh). */
  sessionLifetimeSeconds?: number;
  throttle?: ThrottleSettings & { seed?: number };
  /** How long (simulated ms) a new snapshot stays out of DescribeSnapshots listings by filter; default 0. */
  listingDelayMs?: number;
  /** How long (simulated ms) a new volume is `creating` before it is `available`; default 10 s. */
  volumeCreateMs?: number;
}

export type Latency = number | ((body: string) => number);

export interface CallRecord {
  seq: number;
  /** Simulated time of the call (epoch ms). */
  time: number;
  service: Service;
  action: string;
  accountId?: string;
  region: string;
  accessKeyId?: string;
  params: Record<string, unknown>;
  outcome: 'ok' | 'error';
  errorCode?: string;
  httpStatus: number;
  /** False when the answer was deliberately lost (dropNextCopyResponses). */
  answered: boolean;
  /** An EC2 call with `DryRun=true`: it could only check, never change anything. */
  dryRun: boolean;
}

export interface SimulatorHandle {
  url: string;
  port: number;
  world: World;
  /** Every call, in arrival order. */
  readonly calls: readonly CallRecord[];
  clock: SimClock;
  setThrottle(settings: ThrottleSettings): void;
  /** Throttle the next `n` calls (of one action, or of any): a burst. */
  throttleNext(n: number, action?: string): void;
  /** The next `n` successful CopySnapshot calls create their copy, then the connection is cut unanswered. */
  dropNextCopyResponses(n: number): void;
  /** DescribeSnapshots listings by filter leave out snapshots younger than this (eventual consistency). */
  setListingDelay(ms: number): void;
  /**
   * Real milliseconds each call of an action waits before it is handled (a slow AWS); a function
   * of the raw request body makes only some calls slow (e.g. a share's removal, not its addition).
   */
  setLatency(latency: Record<string, Latency>): void;
  clearCalls(): void;
  /** The standard SDK endpoint variables pointing at this simulator. */
  endpointEnv(): Record<string, string>;
  close(): Promise<void>;
}

const KMS_TARGET_PREFIX = 'TrentService.';

function route(req: IncomingMessage, body: string, scopeService: string | undefined): Routed {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const action = target.startsWith(KMS_TARGET_PREFIX) ? target.slice(KMS_TARGET_PREFIX.length) : undefined;
    let json: Record<string, unknown> = {};
    if (body.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(body);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
          json = parsed as Record<string, unknown>;
      } catch {
        throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
      }
    }
    return { service: 'kms', action, json };
  }
  const url = new URL(req.url ?? '/', 'http://simulator');
  const query = QueryParams.fromBody(`${url.searchParams.toString()}&${body}`);
  const version = query.get('Version');
  const service: Service =
    version === '2011-06-15'
      ? 'sts'
      : version === '2016-11-15'
        ? 'ec2'
        : scopeService === 'sts'
          ? 'sts'
          : 'ec2';
  return { service, action: query.get('Action'), query };
}

function internalError(service: Service): AwsError {
  const code =
    service === 'ec2' ? 'InternalError' : service === 'sts' ? 'InternalFailure' : 'KMSInternalException';
  return new AwsError(code, 'An internal error has occurred', 500);
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  requestId: string,
  body: string,
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

function sendError(res: ServerResponse, service: Service, err: AwsError, requestId: string): void {
  if (service === 'ec2')
    send(res, err.status, 'text/xml;charset=UTF-8', requestId, ec2Error(err.code, err.message, requestId));
  else if (service === 'sts')
    send(res, err.status, 'text/xml', requestId, stsError(err.code, err.message, requestId, err.status));
  else {
    const body = JSON.stringify({ __type: err.code, message: err.message });
    send(res, err.status, 'application/x-amz-json-1.1', requestId, body);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function newCallRecord(
  seq: number,
  time: number,
  service: Service,
  scope: SigV4Scope | undefined,
): CallRecord {
  const record: CallRecord = {
    seq,
    time,
    service,
    action: '',
    region: scope?.region ?? 'us-east-1',
    params: {},
    outcome: 'ok',
    httpStatus: 200,
    answered: true,
    dryRun: false,
  };
  if (scope) record.accessKeyId = scope.accessKeyId;
  return record;
}

function describeCall(record: CallRecord, routed: Routed): void {
  record.service = routed.service;
  record.action = routed.action ?? '';
  record.params = routed.query?.toRecord() ?? routed.json ?? {};
  record.dryRun = routed.query?.bool('DryRun') === true;
}

/** Starts the simulator on a loopback port. All three services share it. */
export async function startSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const clock = createSimClock(options.now);
  const world = new World(options.world, clock.now);
  const faults = new Faults(options.throttle?.seed);
  if (options.throttle) faults.setThrottle(options.throttle);
  const behaviour: Behaviour = {
    copyDuration: options.copyDuration ?? defaultCopyDuration,
    keyFailureDelayMs: options.keyFailureDelayMs ?? 5_000,
    listingDelayMs: options.listingDelayMs ?? 0,
    volumeCreateMs: options.volumeCreateMs ?? 10_000,
  };
  let latency: Record<string, Latency> = {};
  const actionOf = (req: IncomingMessage, body: string): string => {
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') return target.slice(KMS_TARGET_PREFIX.length);
    return (
      /(?:^|&)Action=([A-Za-z]+)/.exec(
        `${new URL(req.url ?? '/', 'http://s').search.slice(1)}&${body}`,
      )?.[1] ?? ''
    );
  };
  if (options.sessionLifetimeSeconds !== undefined)
    behaviour.sessionLifetimeSeconds = options.sessionLifetimeSeconds;
  const calls: CallRecord[] = [];
  let seq = 0;

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const requestId = randomUUID();
    const now = clock.now();
    const scope = parseAuthorization(req.headers.authorization);
    // Until the request is routed, errors are answered in the format of the signed service.
    let service: Service = scope?.service === 'kms' ? 'kms' : scope?.service === 'sts' ? 'sts' : 'ec2';
    const record = newCallRecord(++seq, now, service, scope);
    calls.push(record);
    try {
      const routed = route(req, body, scope?.service);
      service = routed.service;
      describeCall(record, routed);
      const token = req.headers['x-amz-security-token'];
      const auth = authenticate(world, scope, typeof token === 'string' ? token : undefined, now);
      if (!auth.ok) throw authError(routed.service, auth.failure);
      record.accountId = auth.principal.accountId;
      world.refresh(now);
      const ctx: HandlerContext = { world, principal: auth.principal, region: record.region, now, behaviour };
      const { contentType, answer } = SERVICES[routed.service];
      const out = answer({ ctx, routed, requestId, faults });
      if (out === undefined) {
        record.answered = false;
        req.socket.destroy();
        return;
      }
      send(res, 200, contentType, requestId, out);
    } catch (err) {
      const awsErr = isAwsError(err) ? err : internalError(service);
      if (!isAwsError(err)) console.error('simulator: internal error', err);
      record.outcome = 'error';
      record.errorCode = awsErr.code;
      record.httpStatus = awsErr.status;
      sendError(res, service, awsErr, requestId);
    }
  }

  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        const rule = latency[actionOf(req, body)] ?? 0;
        const wait = typeof rule === 'function' ? rule(body) : rule;
        if (wait > 0) setTimeout(() => handle(req, res, body), wait);
        else handle(req, res, body);
      },
      () => req.socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url,
    port,
    world,
    calls,
    clock,
    setThrottle: (s) => faults.setThrottle(s),
    throttleNext: (n, action) => faults.throttleNext(n, action),
    dropNextCopyResponses: (n) => faults.dropNextCopyResponses(n),
    setListingDelay: (ms) => {
      behaviour.listingDelayMs = ms;
    },
    setLatency: (l) => {
      latency = { ...l };
    },
    clearCalls: () => {
      calls.length = 0;
    },
    endpointEnv: () => ({ AWS_ENDPOINT_URL_EC2: url, AWS_ENDPOINT_URL_KMS: url, AWS_ENDPOINT_URL_STS: url }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // SDK clients keep connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
      }),
  };
}

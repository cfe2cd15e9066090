import type { CustomRoute } from '@slack/bolt';
import type { Registry } from 'prom-client';

/**
 * `/healthz` answers 200 only when the database answers within the timeout: a replica that
 * cannot reach its state should be taken out of rotation, not keep accepting commands.
 */
export function healthRoutes(deps: {
  ping: () => Promise<void>;
  registry: Registry;
  timeoutMs?: number;
}): CustomRoute[] {
  const timeoutMs = deps.timeoutMs ?? 2_000;
  return [
    {
      path: '/healthz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`database did not answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        });
        Promise.race([deps.ping(), timeout])
          .then(
            () => reply(res, 200, { status: 'ok', database: 'ok' }),
            (err: unknown) =>
              reply(res, 503, {
                status: 'unavailable',
                database: err instanceof Error ? err.message : String(err),
              }),
          )
          .finally(() => clearTimeout(timer));
      },
    },
    {
      path: '/metrics',
      method: 'GET',
      handler: (_req, res) => {
        deps.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': deps.registry.contentType });
            res.end(text);
          },
          (err: unknown) => reply(res, 500, { error: String(err) }),
        );
      },
    },
  ];
}

function reply(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * How long a durable step or intent waits before its next try: doubling from `baseMs`, capped,
 * with up to 20% jitter so replicas retrying the same failure do not knock in step. Pure: the
 * random draw is a parameter.
 */
export function backoffMs(attempt: number, o: { baseMs: number; capMs: number; random: number }): number {
  const exp = o.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30));
  const capped = Math.min(o.capMs, exp);
  return Math.round(capped * (1 + 0.2 * Math.min(1, Math.max(0, o.random))));
}

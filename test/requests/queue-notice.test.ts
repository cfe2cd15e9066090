import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queueNotice } from '../../src/requests/queue-notice.js';
import { slackRequestWording as say } from '../../src/slack/wording/requests.js';
import type { SlotLimits } from '../../src/store/port.js';
import { at, copiesTo, filing } from '../store/fixtures/builders.js';
import { type Harness, ORIGIN, openHarness } from './support.js';

const WEST = { region: 'us-west-2' };
/** One copy at a time into each destination: a copy in flight leaves no slot free. */
const ONE_SLOT: SlotLimits = { default: 1, overrides: [] };

let h: Harness;

beforeEach(async () => {
  h = await openHarness();
});

afterEach(async () => {
  await h.close();
});

const notice = (n: number, limits = ONE_SLOT) =>
  queueNotice({ store: h.store, notify: h.notify, wording: say, now: h.now, limits }, n);

/** Starts the copies the slots allow, as the dispatcher would, at `minutes` after T0. */
async function startCopies(minutes: number, limits = ONE_SLOT) {
  const claimed = await h.store.claimStartableCopies({ limits, now: at(minutes), owner: 'test' });
  for (const copy of claimed) {
    await h.store.markCopyStarted(copy.id, { snapshotId: `snap-0new${copy.id}`, at: at(minutes) });
  }
  return claimed;
}

/** Files a request of `count` copies into us-west-2 and approves it at `minutes` after T0. */
async function approved(count: number, minutes: number, prefix: string): Promise<number> {
  const { request } = await h.store.fileRequest(filing({}, copiesTo(count, WEST, prefix)));
  await h.store.approveRequest(request.n, at(minutes));
  return request.n;
}

describe('queueNotice', () => {
  it('tells each copy that must wait for a slot its place and a start estimate, and the request is queued', async () => {
    const busy = await approved(1, 0, 'a');
    expect(await startCopies(0)).toHaveLength(1);
    const n = await approved(2, 1, 'b');
    h.setHoursAfterFiling(1 / 60);
    await h.drainOutbox();

    await notice(n);

    const copies = await h.store.getCopies(n);
    expect(copies.map((c) => c.state)).toEqual(['queued', 'queued']);
    const [first, second] = copies;
    if (!first || !second) throw new Error('two copies were filed');
    // No copy of the bot has completed there yet: half an hour a copy is assumed.
    const text = say.copiesQueued([
      { copy: first, position: 1, estimateStartMs: 30 * 60_000 },
      { copy: second, position: 2, estimateStartMs: 60 * 60_000 },
    ]);
    expect(text.split('\n')).toEqual([
      ':double_vertical_bar: `snap-b0000000000000000` → us-west-2: #1 in the queue for prod us-west-2 (all copy slots busy), expected to start in ~30 min.',
      ':double_vertical_bar: `snap-b0000000000000001` → us-west-2: #2 in the queue for prod us-west-2 (all copy slots busy), expected to start in ~1 h.',
    ]);
    expect(await h.drainOutbox()).toEqual([
      {
        channel: ORIGIN,
        threadKey: `R-${n}`,
        kind: 'request.reply',
        payload: { type: 'request.reply', n, text },
      },
      {
        channel: ORIGIN,
        threadKey: `R-${n}`,
        kind: 'request.update',
        payload: { type: 'request.update', n },
      },
    ]);
    expect((await h.store.getRequest(n))?.state).toBe('queued');
    expect((await h.store.getRequest(busy))?.state).toBe('copying');
  });

  it('estimates from how long recent copies into the destination took', async () => {
    await approved(2, 0, 'a');
    const [done] = await startCopies(0);
    if (!done) throw new Error('a slot was free');
    await h.store.completeCopy(done.id, { at: at(10) });
    expect(await startCopies(10)).toHaveLength(1);
    const n = await approved(1, 11, 'b');
    await h.drainOutbox();

    await notice(n);

    const [reply] = await h.drainOutbox();
    expect(reply?.payload['text']).toBe(
      ':double_vertical_bar: `snap-b0000000000000000` → us-west-2: #1 in the queue for prod us-west-2 (all copy slots busy), expected to start in ~10 min.',
    );
  });

  it('says nothing when every copy could start at once, and leaves the request as it is', async () => {
    const n = await approved(1, 0, 'a');
    expect(await startCopies(0)).toHaveLength(1);
    await h.drainOutbox();

    await notice(n);

    expect(await h.drainOutbox()).toEqual([]);
    expect((await h.store.getRequest(n))?.state).toBe('copying');
  });

  it('tells the copies still waiting of a request whose other copies started, without moving it back to queued', async () => {
    const n = await approved(2, 0, 'a');
    expect(await startCopies(0)).toHaveLength(1);
    await h.drainOutbox();

    await notice(n);

    const sent = await h.drainOutbox();
    expect(sent.map((m) => m.kind)).toEqual(['request.reply']);
    expect(sent[0]?.payload['text']).toBe(
      ':double_vertical_bar: `snap-a0000000000000001` → us-west-2: #1 in the queue for prod us-west-2 (all copy slots busy), expected to start in ~30 min.',
    );
    expect((await h.store.getRequest(n))?.state).toBe('copying');
  });

  it('does not tell the final hop of a two-hop copy, which waits for its intermediate copy, not for a slot', async () => {
    const [source] = copiesTo(1, WEST, 'a');
    if (!source) throw new Error('one copy');
    const intermediate = { ...source, destination: { ...source.destination, region: 'us-east-1' } };
    const final = { ...source, hop: { kind: 'final' as const, after: 0 } };
    const { request } = await h.store.fileRequest(
      filing({}, [{ ...intermediate, hop: { kind: 'intermediate' } }, final]),
    );
    await h.store.approveRequest(request.n, at(0));
    expect(await startCopies(0)).toHaveLength(1);
    await h.drainOutbox();

    await notice(request.n);

    expect(await h.drainOutbox()).toEqual([]);
  });

  it('counts the slots of a per-destination override in the estimate', async () => {
    const twoSlots: SlotLimits = {
      default: 1,
      overrides: [{ account: 'prod', region: 'us-west-2', limit: 2 }],
    };
    await approved(2, 0, 'a');
    expect(await startCopies(0, twoSlots)).toHaveLength(2);
    const n = await approved(3, 1, 'b');
    await h.drainOutbox();

    await notice(n, twoSlots);

    const [reply] = await h.drainOutbox();
    expect(
      String(reply?.payload['text'])
        .split('\n')
        .map((line) => line.split('busy), ')[1]),
    ).toEqual([
      'expected to start in ~30 min.',
      'expected to start in ~30 min.',
      'expected to start in ~1 h.',
    ]);
  });
});

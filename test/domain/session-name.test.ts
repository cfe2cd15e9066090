import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roleSessionName } from '../../src/domain/session-name.js';

describe('roleSessionName', () => {
  it.each([
    {
      name: 'names the request and requester',
      input: { request: 12, requester: 'U0ABC123', purpose: 'copy' },
      session: 'R-12-U0ABC123',
    },
    {
      name: 'names the request alone without a requester',
      input: { request: 7, purpose: 'copy' },
      session: 'R-7',
    },
    {
      name: "names the bot's own work by purpose",
      input: { purpose: 'poller' },
      session: 'snapshot-copy-poller',
    },
    {
      name: 'names the requester of work before the request has a number',
      input: { requester: 'U0ABC123', purpose: 'filing' },
      session: 'snapshot-copy-filing-U0ABC123',
    },
    {
      name: 'replaces characters STS does not allow',
      input: { purpose: 'dr policy/1' },
      session: 'snapshot-copy-dr-policy-1',
    },
    {
      name: 'cuts names to 64 characters',
      input: { purpose: 'p'.repeat(80) },
      session: `snapshot-copy-${'p'.repeat(50)}`,
    },
  ])('$name', ({ input, session }) => {
    expect(roleSessionName(input)).toBe(session);
  });

  it('is always valid for STS', () => {
    fc.assert(
      fc.property(
        fc.option(fc.nat(), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        fc.string(),
        (request, requester, purpose) => {
          const name = roleSessionName({
            purpose,
            ...(request === undefined ? {} : { request }),
            ...(requester === undefined ? {} : { requester }),
          });
          expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
        },
      ),
    );
  });
});

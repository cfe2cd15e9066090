import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import {
  REJECT_MODAL_CALLBACK_ID,
  REJECT_REASON_FIELD,
  readRejectFormContext,
  rejectReasonModal,
} from '../../../src/slack/blocks/reject-modal.js';

type Input = Extract<types.KnownBlock, { type: 'input' }>;

describe('the reject form', () => {
  const context = { n: 7, via: { channel: 'C0APPROVALS', ts: '1.2' }, responseUrl: 'https://hooks/x' };
  const modal = rejectReasonModal(context);

  it('is the modal reject_copy_reason, titled with the request', () => {
    expect(REJECT_MODAL_CALLBACK_ID).toBe('reject_copy_reason');
    expect(modal.callback_id).toBe('reject_copy_reason');
    expect(modal.title.text).toBe('Reject R-7');
    expect(modal.submit?.text).toBe('Reject');
  });

  it('has one required input whose block_id and action_id are both reject_reason', () => {
    expect(REJECT_REASON_FIELD).toBe('reject_reason');
    expect(modal.blocks).toHaveLength(1);
    const input = modal.blocks[0] as Input;
    expect(input.type).toBe('input');
    expect(input.block_id).toBe('reject_reason');
    expect(input.optional).toBe(false);
    expect(input.element).toMatchObject({
      type: 'plain_text_input',
      action_id: 'reject_reason',
      multiline: true,
      max_length: 500,
    });
  });

  it('carries the request, the card and the response URL to its submission', () => {
    expect(readRejectFormContext(modal.private_metadata)).toEqual(context);
  });
});

describe('readRejectFormContext', () => {
  it('reads a context with only the request number', () => {
    expect(readRejectFormContext(JSON.stringify({ n: 3 }))).toEqual({ n: 3 });
  });

  it.each([
    ['nothing', undefined],
    ['not JSON', '{n:3'],
    ['no number', JSON.stringify({ via: { channel: 'C', ts: '1' } })],
    ['a string number', JSON.stringify({ n: '3' })],
    ['a fraction', JSON.stringify({ n: 1.5 })],
    ['zero', JSON.stringify({ n: 0 })],
    ['a negative number', JSON.stringify({ n: -2 })],
  ])('refuses %s', (_name, raw) => {
    expect(readRejectFormContext(raw)).toBeUndefined();
  });

  it('drops a malformed card reference and response URL, keeping the request', () => {
    expect(readRejectFormContext(JSON.stringify({ n: 3, via: { channel: 'C' }, responseUrl: 42 }))).toEqual({
      n: 3,
    });
  });

  it('keeps nothing but the fields it knows', () => {
    const raw = JSON.stringify({ n: 3, via: { channel: 'C', ts: '1', extra: true }, admin: true });
    expect(readRejectFormContext(raw)).toEqual({ n: 3, via: { channel: 'C', ts: '1' } });
  });
});

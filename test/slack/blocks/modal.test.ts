import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import type { AccountConfig } from '../../../src/domain/types.js';
import { requestModal } from '../../../src/slack/blocks/modal.js';

const accounts: AccountConfig[] = [
  { alias: 'prod', id: '111111111111', regions: ['us-east-1', 'eu-west-1'], default: false, kmsKeys: {} },
  { alias: 'audit', id: '222222222222', regions: ['us-west-2', 'us-east-1'], default: true, kmsKeys: {} },
];

type Input = Extract<types.KnownBlock, { type: 'input' }>;
type Option = { text: { type: 'plain_text'; text: string }; value: string };
interface Element {
  type: string;
  action_id: string;
  options?: Option[];
  initial_option?: Option;
  multiline?: boolean;
  max_length?: number;
}

const modal = requestModal(accounts, 'C0TEAM');
const inputs = modal.blocks.filter((b): b is Input => b.type === 'input');

function field(id: string): { block: Input; element: Element } {
  const block = inputs.find((b) => b.block_id === id);
  if (!block) throw new Error(`no input ${id}`);
  return { block, element: block.element as unknown as Element };
}

const values = (options: Option[] | undefined) => options?.map((o) => o.value);

describe('the request form', () => {
  it('is the modal snapshot_copy_request, remembering the channel it was opened in', () => {
    expect(modal.type).toBe('modal');
    expect(modal.callback_id).toBe('snapshot_copy_request');
    expect(JSON.parse(modal.private_metadata ?? '')).toEqual({ channel: 'C0TEAM' });
    expect(modal.submit?.text).toBe('Request copy');
  });

  it('has the inputs SPEC §4 names, each with the same block_id and action_id', () => {
    expect(inputs.map((b) => b.block_id)).toEqual([
      'sources',
      'source_account',
      'source_region',
      'destination_regions',
      'destination_account',
      'kms_key',
      'encrypt',
      'within',
      'note',
      'tags',
      'reason',
      'lock_days',
      'lock_mode',
    ]);
    for (const b of inputs) expect((b.element as unknown as Element).action_id).toBe(b.block_id);
  });

  it.each([
    ['sources', 'plain_text_input', false],
    ['source_account', 'static_select', false],
    ['source_region', 'static_select', false],
    ['destination_regions', 'multi_static_select', false],
    ['destination_account', 'static_select', true],
    ['kms_key', 'plain_text_input', true],
    ['encrypt', 'checkboxes', true],
    ['within', 'plain_text_input', true],
    ['note', 'plain_text_input', true],
    ['tags', 'plain_text_input', true],
    ['reason', 'plain_text_input', true],
    ['lock_days', 'plain_text_input', true],
    ['lock_mode', 'static_select', true],
  ])('asks for %s with a %s (optional: %s)', (id, type, optional) => {
    const { block, element } = field(id);
    expect(element.type).toBe(type);
    expect(block.optional).toBe(optional);
  });

  it('offers only the configured accounts, by alias, the default one chosen', () => {
    const { element } = field('source_account');
    expect(values(element.options)).toEqual(['prod', 'audit']);
    expect(element.options?.map((o) => o.text.text)).toEqual(['prod (111111111111)', 'audit (222222222222)']);
    expect(element.initial_option?.value).toBe('audit');
    expect(values(field('destination_account').element.options)).toEqual(['prod', 'audit']);
    expect(field('destination_account').element.initial_option).toBeUndefined();
  });

  it('offers every configured Region once, sorted, the default account’s first chosen as source', () => {
    const regions = ['eu-west-1', 'us-east-1', 'us-west-2'];
    expect(values(field('source_region').element.options)).toEqual(regions);
    expect(values(field('destination_regions').element.options)).toEqual(regions);
    expect(field('source_region').element.initial_option?.value).toBe('us-west-2');
  });

  it('chooses the first account when none is marked default', () => {
    const modal = requestModal(
      accounts.map((a) => ({ ...a, default: false })),
      'C0TEAM',
    );
    const account = modal.blocks.find((b) => b.type === 'input' && b.block_id === 'source_account') as Input;
    expect((account.element as unknown as Element).initial_option?.value).toBe('prod');
  });

  it('offers encryption as one checkbox whose value is encrypt', () => {
    expect(values(field('encrypt').element.options)).toEqual(['encrypt']);
  });

  it('offers the lock modes governance and compliance', () => {
    expect(values(field('lock_mode').element.options)).toEqual(['governance', 'compliance']);
  });

  it('takes tags and a reason on several lines, the note and the reason within their limits', () => {
    expect(field('tags').element.multiline).toBe(true);
    expect(field('reason').element.multiline).toBe(true);
    expect(field('reason').element.max_length).toBe(500);
    expect(field('note').element.max_length).toBe(255);
  });
});

import type { types } from '@slack/bolt';
import { REASON_MAX_LENGTH } from '../../domain/fields.js';
import { MODAL_CALLBACK_ID } from '../../domain/modal.js';
import type { AccountConfig } from '../../domain/types.js';

type KnownBlock = types.KnownBlock;

const option = (value: string, text = value) => ({ text: { type: 'plain_text' as const, text }, value });

function input(
  id: string,
  label: string,
  element: Record<string, unknown>,
  opts: { optional?: boolean; hint?: string } = {},
): KnownBlock {
  return {
    type: 'input',
    block_id: id,
    optional: opts.optional ?? false,
    label: { type: 'plain_text', text: label },
    ...(opts.hint ? { hint: { type: 'plain_text', text: opts.hint } } : {}),
    element: { action_id: id, ...element },
  } as KnownBlock;
}

/**
 * The request form (SPEC §4): the same fields as the one-line command; account and Region
 * pickers offer only what is configured. `private_metadata` carries the channel it was opened in.
 */
export function requestModal(accounts: AccountConfig[], originChannel: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: MODAL_CALLBACK_ID,
    private_metadata: JSON.stringify({ channel: originChannel }),
    title: { type: 'plain_text', text: 'Copy EBS snapshots' },
    submit: { type: 'plain_text', text: 'Request copy' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [...sourceInputs(accounts), ...destinationInputs(accounts), ...copyInputs(), ...lockInputs()],
  };
}

const accountOption = (a: AccountConfig) => option(a.alias, `${a.alias} (${a.id})`);

/** Every Region some account may use, for both pickers: the account chosen is checked on submit. */
function regionOptions(accounts: AccountConfig[]) {
  return [...new Set(accounts.flatMap((a) => a.regions))].sort().map((r) => option(r));
}

/** What to copy: the snapshots, and the account and Region they are in (the default account's first). */
function sourceInputs(accounts: AccountConfig[]): KnownBlock[] {
  const defaultAccount = accounts.find((a) => a.default) ?? accounts[0];
  return [
    input(
      'sources',
      'Snapshots',
      {
        type: 'plain_text_input',
        placeholder: { type: 'plain_text', text: 'snap-0123456789abcdef0, … or tag:Group=db' },
      },
      { hint: 'Snapshot IDs, comma or space separated, or tag:<Key>=<Value> for a multi-volume group' },
    ),
    input('source_account', 'Source account', {
      type: 'static_select',
      options: accounts.map(accountOption),
      ...(defaultAccount ? { initial_option: accountOption(defaultAccount) } : {}),
    }),
    input('source_region', 'Source Region', {
      type: 'static_select',
      options: regionOptions(accounts),
      ...(defaultAccount?.regions[0] ? { initial_option: option(defaultAccount.regions[0]) } : {}),
    }),
  ];
}

function destinationInputs(accounts: AccountConfig[]): KnownBlock[] {
  return [
    input('destination_regions', 'Destination Regions', {
      type: 'multi_static_select',
      options: regionOptions(accounts),
    }),
    input(
      'destination_account',
      'Destination account',
      { type: 'static_select', options: accounts.map(accountOption) },
      { optional: true, hint: 'Leave empty to copy within the source account' },
    ),
  ];
}

/** How to copy: encryption, pace, description, tags and why. */
function copyInputs(): KnownBlock[] {
  return [
    input(
      'kms_key',
      'KMS key',
      { type: 'plain_text_input' },
      { optional: true, hint: 'Key ID, alias/…, key ARN or alias ARN; implies encryption' },
    ),
    input(
      'encrypt',
      'Encryption',
      { type: 'checkboxes', options: [option('encrypt', "Encrypt with the destination's default key")] },
      { optional: true },
    ),
    input(
      'within',
      'Complete within',
      { type: 'plain_text_input', placeholder: { type: 'plain_text', text: '2h or 90m' } },
      { optional: true, hint: 'Time-based copy: 15m … 48h in steps of 15 minutes' },
    ),
    input(
      'note',
      'Note',
      { type: 'plain_text_input', max_length: 255 },
      { optional: true, hint: 'Description of the copy' },
    ),
    input(
      'tags',
      'Extra tags',
      { type: 'plain_text_input', multiline: true },
      { optional: true, hint: 'One Key=Value per line; no aws: prefix' },
    ),
    input(
      'reason',
      'Reason',
      { type: 'plain_text_input', multiline: true, max_length: REASON_MAX_LENGTH },
      { optional: true, hint: 'Why the copy is needed; shown to approvers and audited' },
    ),
  ];
}

/** Snapshot lock (SPEC §4): days, and the mode (governance unless compliance is chosen). */
function lockInputs(): KnownBlock[] {
  return [
    input(
      'lock_days',
      'Lock for (days)',
      { type: 'plain_text_input', placeholder: { type: 'plain_text', text: '30' } },
      { optional: true, hint: 'Lock each copy once completed: 1 … 36500 days' },
    ),
    input(
      'lock_mode',
      'Lock mode',
      {
        type: 'static_select',
        options: [
          option('governance', 'governance (can be lifted)'),
          option('compliance', 'compliance (nobody can delete it)'),
        ],
      },
      { optional: true, hint: 'Default governance' },
    ),
  ];
}

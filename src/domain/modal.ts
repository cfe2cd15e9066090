/**
 * The request form's submission (SPEC §4) → a spec, or errors keyed by block_id for Slack's
 * `response_action: errors`. Uses the same field validators as the slash command.
 */
import {
  type Checked,
  kmsKeyRegionProblems,
  listItems,
  parseAccountRef,
  parseKmsKey,
  parseLock,
  parseNote,
  parseReason,
  parseRegion,
  parseRegionList,
  parseSources,
  parseTags,
  parseWithin,
  tokenize,
} from './fields.js';
import type { CopyRequestSpec, SourceSelector } from './types.js';

export const MODAL_CALLBACK_ID = 'snapshot_copy_request';

/** block_id = action_id of each input. */
export const MODAL_FIELDS = [
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
] as const;
export type ModalField = (typeof MODAL_FIELDS)[number];

/** The part of a Slack `view.state.values` entry this parser reads (structural; no Slack types). */
export interface ModalInputState {
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: Array<{ value: string }> | null;
}
/** `view.state.values`: block_id → action_id → state. */
export type ModalValues = Record<string, Record<string, ModalInputState | undefined> | undefined>;

export type ModalErrors = Partial<Record<ModalField, string>>;
export type ModalResult = { ok: true; spec: CopyRequestSpec } | { ok: false; errors: ModalErrors };

function input(values: ModalValues, field: ModalField): ModalInputState | undefined {
  return values[field]?.[field];
}

function text(values: ModalValues, field: ModalField): string | undefined {
  const value = input(values, field)?.value?.trim();
  return value ? value : undefined;
}

function selected(values: ModalValues, field: ModalField): string | undefined {
  return input(values, field)?.selected_option?.value ?? undefined;
}

function selectedMany(values: ModalValues, field: ModalField): string[] {
  return (input(values, field)?.selected_options ?? []).map((o) => o.value);
}

/** Slack shows a field's error as plain text: no backticks. */
function plain(problems: string[]): string {
  return problems.join('; ').replace(/`/g, '"');
}

export function parseModalSubmission(values: ModalValues): ModalResult {
  const errors: ModalErrors = {};
  const check = <T>(field: ModalField, checked: Checked<T> | undefined): T | undefined => {
    if (checked === undefined) return undefined;
    if (checked.ok) return checked.value;
    errors[field] = plain(checked.problems);
    return undefined;
  };
  const optional = <T>(field: ModalField, parse: (raw: string) => Checked<T>): T | undefined => {
    const raw =
      field === 'source_account' || field === 'destination_account' || field === 'source_region'
        ? selected(values, field)
        : text(values, field);
    return raw === undefined ? undefined : check(field, parse(raw));
  };

  const sourcesText = text(values, 'sources') ?? '';
  const tokenized = tokenize(sourcesText);
  const sources = check<SourceSelector>(
    'sources',
    tokenized.problems.length > 0
      ? { ok: false, problems: tokenized.problems }
      : parseSources(listItems(tokenized.tokens)),
  );
  const sourceAccount = optional('source_account', parseAccountRef);
  const sourceRegion = optional('source_region', parseRegion);
  const destinationRegions = check(
    'destination_regions',
    parseRegionList(selectedMany(values, 'destination_regions'), 'choose at least one destination Region'),
  );
  const destinationAccount = optional('destination_account', parseAccountRef);
  const kmsKeyId = optional('kms_key', parseKmsKey);
  if (kmsKeyId !== undefined && destinationRegions !== undefined) {
    const problems = kmsKeyRegionProblems(kmsKeyId, destinationRegions);
    if (problems.length > 0) errors.kms_key = plain(problems);
  }
  const withinMinutes = optional('within', parseWithin);
  const noteRaw = input(values, 'note')?.value ?? '';
  const note = noteRaw.trim() === '' ? undefined : check('note', parseNote(noteRaw.trim()));
  const tagLines = (input(values, 'tags')?.value ?? '').split(/\r?\n/).filter((line) => line.trim() !== '');
  const tags = check('tags', parseTags(tagLines)) ?? [];
  const reason = optional('reason', parseReason);
  const encrypt = selectedMany(values, 'encrypt').length > 0 || kmsKeyId !== undefined;
  const lockDays = text(values, 'lock_days');
  const lockMode = selected(values, 'lock_mode');
  if (lockDays === undefined && lockMode !== undefined)
    errors.lock_days = 'give the number of days to lock for';
  const lock = lockDays === undefined ? undefined : check('lock_days', parseLock(lockDays, lockMode));

  if (Object.keys(errors).length > 0 || sources === undefined || destinationRegions === undefined) {
    return { ok: false, errors };
  }
  const spec: CopyRequestSpec = { sources, destinationRegions, encrypt, tags };
  if (sourceAccount !== undefined) spec.sourceAccount = sourceAccount;
  if (sourceRegion !== undefined) spec.sourceRegion = sourceRegion;
  if (destinationAccount !== undefined) spec.destinationAccount = destinationAccount;
  if (kmsKeyId !== undefined) spec.kmsKeyId = kmsKeyId;
  if (withinMinutes !== undefined) spec.withinMinutes = withinMinutes;
  if (note !== undefined) spec.note = note;
  if (reason !== undefined) spec.reason = reason;
  if (lock !== undefined) spec.lock = lock;
  return { ok: true, spec };
}

import type { types } from '@slack/bolt';
import { REASON_MAX_LENGTH } from '../../domain/fields.js';
import { requestLabel } from '../../domain/types.js';
import type { SlackRef } from '../../store/port.js';

export const REJECT_MODAL_CALLBACK_ID = 'reject_copy_reason';
/** block_id = action_id of the form's one input. */
export const REJECT_REASON_FIELD = 'reject_reason';

/** What the form carries from the click to its submission (private_metadata, ours). */
export interface RejectFormContext {
  n: number;
  /** The card the Reject was clicked on; the submission must still be about it. */
  via?: SlackRef;
  /** The click's response_url (30 minutes): the answer goes where the click was. */
  responseUrl?: string;
}

/** The form a Reject opens (SPEC §5.3): one required reason, shown on the card, thread and audit log. */
export function rejectReasonModal(context: RejectFormContext): types.ModalView {
  return {
    type: 'modal',
    callback_id: REJECT_MODAL_CALLBACK_ID,
    private_metadata: JSON.stringify(context),
    title: { type: 'plain_text', text: `Reject ${requestLabel(context.n)}` },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: REJECT_REASON_FIELD,
        optional: false,
        label: { type: 'plain_text', text: 'Why is it rejected?' },
        hint: {
          type: 'plain_text',
          text: 'Shown on the approval card, in the request thread and in the audit log',
        },
        element: {
          type: 'plain_text_input',
          action_id: REJECT_REASON_FIELD,
          multiline: true,
          max_length: REASON_MAX_LENGTH,
        },
      },
    ],
  };
}

/** Reads private_metadata back; anything unreadable is no form of ours. */
export function readRejectFormContext(raw: string | undefined): RejectFormContext | undefined {
  try {
    const meta = JSON.parse(raw ?? '') as Partial<RejectFormContext>;
    if (typeof meta.n !== 'number' || !Number.isInteger(meta.n) || meta.n < 1) return undefined;
    const via =
      meta.via && typeof meta.via.channel === 'string' && typeof meta.via.ts === 'string'
        ? { channel: meta.via.channel, ts: meta.via.ts }
        : undefined;
    return {
      n: meta.n,
      ...(via ? { via } : {}),
      ...(typeof meta.responseUrl === 'string' ? { responseUrl: meta.responseUrl } : {}),
    };
  } catch {
    return undefined;
  }
}

/** `view.state.values` of the request form, for the fields given (block_id = action_id). */
export interface ModalInput {
  sources?: string;
  source_account?: string;
  source_region?: string;
  destination_regions?: string[];
  destination_account?: string;
  kms_key?: string;
  encrypt?: boolean;
  within?: string;
  note?: string;
  tags?: string;
  reason?: string;
}

/** Builds `view.state.values` as Slack sends it for those fields. */
export function modalValues(i: ModalInput): Record<string, Record<string, unknown>> {
  const text = (v: string | undefined) => ({ type: 'plain_text_input', value: v ?? null });
  const select = (v: string | undefined) => ({
    type: 'static_select',
    selected_option: v ? { value: v, text: { type: 'plain_text', text: v } } : null,
  });
  const many = (vs: string[]) => vs.map((v) => ({ value: v, text: { type: 'plain_text', text: v } }));
  return {
    sources: { sources: text(i.sources) },
    source_account: { source_account: select(i.source_account) },
    source_region: { source_region: select(i.source_region) },
    destination_regions: {
      destination_regions: {
        type: 'multi_static_select',
        selected_options: many(i.destination_regions ?? []),
      },
    },
    destination_account: { destination_account: select(i.destination_account) },
    kms_key: { kms_key: text(i.kms_key) },
    encrypt: { encrypt: { type: 'checkboxes', selected_options: i.encrypt ? many(['encrypt']) : [] } },
    within: { within: text(i.within) },
    note: { note: text(i.note) },
    tags: { tags: text(i.tags) },
    reason: { reason: text(i.reason) },
  };
}

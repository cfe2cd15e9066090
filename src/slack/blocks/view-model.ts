/**
 * What the Slack layer shows about a request: the domain's view of it (src/domain/request-view.ts).
 * Builders in this folder are pure functions of these views, so every message can be tested without Slack.
 */
export type { AccountRef, CopyView, RequestView, TransferView } from '../../domain/request-view.js';

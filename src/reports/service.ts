/** What the rest of the bot asks of reports and DR policies: the slash command and the schedules. */
import type { AwsGateway } from '../aws/gateway.js';
import type { BotConfig, DrPolicyConfig } from '../config/schema.js';
import type { Notifier } from '../messages/notifier.js';
import type { Logger } from '../observability/log.js';
import type { FilingAws } from '../requests/ports.js';
import { startDrill } from '../steps/drill.js';
import type { DrillRecord, Store } from '../store/port.js';
import { loadReportInput } from './data.js';
import { buildDrReport } from './model.js';
import { type PolicyRunResult, runDrPolicy } from './policies.js';
import type { ReportMessage, ReportRenderer } from './rendering.js';

export interface ReportServiceDeps {
  config: BotConfig;
  store: Store;
  gateway: Pick<AwsGateway, 'describeSnapshots' | 'findSnapshotsByTags'>;
  aws: FilingAws;
  notify: Pick<Notifier, 'channelPost' | 'within'>;
  /** A policy request's copies became startable: fill free slots at once (and tell queue positions). */
  kick: (requestNumber: number) => void;
  now: () => Date;
  log: Logger;
  /** How the report reads as a message (Slack's blocks, in production). */
  renderer: ReportRenderer;
  /** A durable step was written (a drill): run it once committed. */
  stepsAdded?: () => void;
}

export class ReportService {
  constructor(private readonly d: ReportServiceDeps) {}

  /** The report as it stands now (`/snapshot-copy report`, ephemeral). */
  async reportNow(): Promise<ReportMessage> {
    const { d } = this;
    const input = await loadReportInput({ store: d.store, config: d.config }, d.now());
    if (input.truncated.length > 0) {
      d.log.warn(
        { policies: input.truncated },
        'DR report read only the newest completed copies of these policies; volumes copied long ago may be missing',
      );
    }
    return d.renderer.message(buildDrReport(input));
  }

  /** Posts the scheduled report of `slot`; a second post of the same slot is dropped by the outbox. */
  async postReport(channel: string, slot: Date): Promise<void> {
    const { text, blocks } = await this.reportNow();
    await this.d.notify.channelPost(
      channel,
      text,
      blocks,
      this.d.now(),
      `report:${channel}:${slot.toISOString()}`,
    );
  }

  /** A DR policy run. A run that fails (AWS unreachable, role refused) is told in the policy's channel. */
  async runPolicy(policy: DrPolicyConfig, slot?: Date): Promise<PolicyRunResult> {
    const { d } = this;
    const channel = policy.channel ?? this.defaultChannel;
    try {
      return await runDrPolicy(
        {
          store: d.store,
          gateway: d.gateway,
          aws: d.aws,
          accounts: d.config.accounts,
          approvals: d.config.approvals,
          pricing: d.config.pricing,
          notify: d.notify,
          words: d.renderer,
          defaultChannel: this.defaultChannel,
          kick: d.kick,
          now: d.now,
          log: d.log.child({ policy: policy.name }),
        },
        policy,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const at = d.now();
      await d.store.appendAudit({
        at,
        actor: `policy:${policy.name}`,
        action: 'policy.failed',
        detail: { policy: policy.name, error: message },
      });
      await d.notify.channelPost(
        channel,
        d.renderer.policyFailed({ policy: policy.name, error: message }),
        undefined,
        at,
        slot ? `policy-failed:${policy.name}:${slot.toISOString()}` : undefined,
      );
      throw err;
    }
  }

  /** A restore drill of the policy (SPEC §9); undefined when one is still running somewhere. */
  async runDrill(policy: DrPolicyConfig, slot: Date): Promise<DrillRecord | undefined> {
    const drill = await startDrill(this.d.store, policy, {
      slot,
      at: this.d.now(),
      afterCommit: this.d.stepsAdded ?? (() => {}),
    });
    this.d.log.info(
      { policy: policy.name, drill: drill?.id },
      drill ? 'restore drill started' : 'restore drill skipped: one is still running',
    );
    return drill;
  }

  /** Where a policy without its own `channel` announces its copies. */
  get defaultChannel(): string {
    return this.d.config.reports[0]?.channel ?? this.d.config.slack.approvalsChannel;
  }
}

import { requiredApprovals } from '../domain/approval.js';
import {
  copyEncryptionParams,
  type EncryptionOutcome,
  encryptionOutcome,
  isEncryptionError,
} from '../domain/encryption.js';
import { describeIncremental, predictIncremental } from '../domain/incremental.js';
import { provenanceKey } from '../domain/provenance.js';
import { roleSessionName } from '../domain/session-name.js';
import type { AccountConfig, ApprovalsConfig, ResolvedRequest, SourceSnapshot } from '../domain/types.js';
import { requestLabel } from '../domain/types.js';
import type { EncryptionView } from '../slack/blocks/view-model.js';
import type { FileRequestInput, NewCopy, RequestRecord, Store } from '../store/port.js';
import { copyKey, type RequestDetails } from './details.js';
import { lockWarnings } from './lock-preflight.js';
import type { FilingAws } from './ports.js';

export interface FilingDeps {
  store: Store;
  aws: FilingAws;
  accounts: AccountConfig[];
  approvals: ApprovalsConfig;
  now: () => Date;
}

export interface FileInput {
  request: ResolvedRequest;
  crossAccount: boolean;
  source: AccountConfig;
  destination: AccountConfig;
  requesterId: string;
  channel: string;
  /** DR-policy requests are filed approved, by their policy. */
  policyName?: string;
  /** The Slack intent it is filed from: at most one request per intent. */
  intentId?: number;
  /** Consequences written in the filing's own transaction (messages, the intent's answer). */
  alongside?: (tx: Store, request: RequestRecord, warnings: string[]) => Promise<void>;
}

export type FileResult =
  | { ok: true; request: RequestRecord; warnings: string[] }
  | { ok: false; problems: string[] };

/** A key managed by AWS (`aws/ebs`) cannot be shared with another account (seed, "Sharing"). */
function isAwsManagedEbsKey(meta: { manager: string }): boolean {
  return meta.manager === 'AWS';
}

/**
 * Files a copy request (SPEC §5.1–2): checks the sources in AWS (they must exist and be
 * `completed`), works out each copy's encryption outcome and full/incremental transfer, collects
 * the pre-flight warnings, and stores the request with its copies in one transaction. Only reads
 * are made in AWS here; nothing changes there before approval.
 */
export async function fileRequest(deps: FilingDeps, input: FileInput): Promise<FileResult> {
  const { aws } = deps;
  const { request, source, destination } = input;
  const session = roleSessionName({ purpose: 'filing', requester: input.requesterId });
  const problems: string[] = [];
  const warnings: string[] = [];

  const found = await aws.findSources(source, request.sourceRegion, request.sources, session);
  problems.push(...found.problems);
  const snapshots = found.snapshots;
  for (const s of snapshots) {
    if (s.state !== 'completed') {
      problems.push(
        `${s.snapshotId} is ${s.state}: only completed snapshots can be copied; try again when it completes`,
      );
    }
    if (input.crossAccount && s.ownerId !== source.id) {
      problems.push(
        `${s.snapshotId} is owned by account ${s.ownerId}, not ${source.alias}: ${source.alias} cannot share it with ${destination.alias}; copy it from its owner`,
      );
    }
  }
  if (problems.length || snapshots.length === 0) {
    return { ok: false, problems: problems.length ? problems : ['no source snapshots found'] };
  }

  // Cross-account sources under the AWS managed key cannot be shared at all: refuse outright.
  if (input.crossAccount) {
    for (const s of snapshots.filter((x) => x.encrypted && x.kmsKeyId)) {
      const key = await aws
        .describeKey(source, request.sourceRegion, s.kmsKeyId!, session)
        .catch(() => undefined);
      if (key && isAwsManagedEbsKey(key)) {
        problems.push(
          `${s.snapshotId} is encrypted with the AWS managed key aws/ebs, which cannot be shared with another account. Copy it within ${source.alias} first with \`kms <customer managed key>\`, then copy that copy to ${destination.alias}.`,
        );
      }
    }
    if (problems.length) return { ok: false, problems };
  }

  for (const w of await lockWarnings(aws, request.lock, destination, request.destinationRegions, session)) {
    addOnce(warnings, w);
  }
  const details: RequestDetails = { warnings, encryption: {} };
  const copies: NewCopy[] = [];
  const keyChecked = new Map<string, string | undefined>();
  const keyArn = keyArnResolver(deps, destination, session);
  for (const region of request.destinationRegions) {
    const defaults = await aws.encryptionDefaults(destination, region, session);
    const params = copyEncryptionParams({
      ...(request.kmsKeyId ? { requestKms: request.kmsKeyId } : {}),
      encryptFlag: request.encrypt,
      ...(destination.kmsKeys[region] ? { destinationAccountKmsKey: destination.kmsKeys[region] } : {}),
    });
    for (const s of snapshots) {
      const owned = s.ownerId === destination.id;
      const outcome = encryptionOutcome({
        encryptedParam: params.Encrypted === true,
        ...(params.KmsKeyId ? { kmsKeyIdParam: params.KmsKeyId } : {}),
        encryptionByDefault: defaults.encryptionByDefault,
        defaultKeyId: defaults.defaultKmsKeyId,
        source: { encrypted: s.encrypted, ...(s.kmsKeyId ? { kmsKeyId: s.kmsKeyId } : {}), owned },
        crossRegion: region !== request.sourceRegion,
      });
      if (isEncryptionError(outcome)) return { ok: false, problems: [outcome.message] };

      if (s.encrypted && !owned && !params.KmsKeyId) {
        addOnce(
          warnings,
          `${s.snapshotId} is an encrypted snapshot shared with ${destination.alias}, and no key of ${destination.alias}'s own is set for ${region}: AWS recommends re-encrypting it with a key you own (use \`kms <key>\` or set accounts[].kmsKeys.${region}), so the copy does not depend on the source key's owner.`,
        );
      }
      await checkKeys(deps, { destination, region, outcome, source: s, session, keyChecked, warnings });

      // Keys compared as AWS reports them on snapshots (key ARNs), however the config names them.
      const protection = outcome.encrypted
        ? { encrypted: true as const, keyId: await keyArn(region, outcome.keyId) }
        : { encrypted: false as const };
      const previous = await Promise.all(
        (await previousCopies(deps, s, destination, region, session)).map(async (p) =>
          p.kmsKeyId ? { ...p, kmsKeyId: await keyArn(region, p.kmsKeyId) } : p,
        ),
      );
      const prediction = predictIncremental({
        source: {
          accountId: s.ownerId,
          region: request.sourceRegion,
          volumeId: s.volumeId,
          volumeSizeGiB: s.volumeSizeGiB,
          encrypted: s.encrypted,
          ...(s.kmsKeyId ? { kmsKeyId: s.kmsKeyId } : {}),
        },
        destination: { accountId: destination.id, region },
        copy: protection,
        previousCopies: previous,
      });
      details.encryption[copyKey(s.snapshotId, region)] = toEncryptionView(outcome);
      copies.push({
        source: {
          snapshotId: s.snapshotId,
          accountId: s.ownerId,
          region: request.sourceRegion,
          // Recorded by provenance: a copy's own VolumeId is vol-ffffffff, shared by every copy.
          volumeId: provenanceKey(s),
          sizeGiB: s.volumeSizeGiB,
          encrypted: s.encrypted,
          ...(s.kmsKeyId ? { kmsKeyId: s.kmsKeyId } : {}),
        },
        destination: { account: destination.alias, accountId: destination.id, region },
        ...(params.Encrypted ? { encrypted: true } : {}),
        ...(params.KmsKeyId ? { kmsKeyId: params.KmsKeyId } : {}),
        transfer: {
          kind: prediction.kind,
          reason: describeIncremental(prediction, region).replace(/^(full|incremental): /, ''),
        },
      });
    }
  }

  const at = deps.now();
  const required = input.policyName
    ? 0
    : requiredApprovals(deps.approvals, {
        crossAccount: input.crossAccount,
        sourceAccount: source.alias,
        destinationAccount: destination.alias,
        ...(request.lock ? { lock: request.lock.mode } : {}),
      });
  const filing: FileRequestInput = {
    request: {
      requesterId: input.requesterId,
      originChannel: input.channel,
      state: input.policyName ? 'approved' : 'pending_approval',
      ...(input.policyName ? { policyName: input.policyName } : {}),
      resolved: request,
      crossAccount: input.crossAccount,
      requiredApprovals: required,
      expiresAt: input.policyName
        ? null
        : new Date(at.getTime() + deps.approvals.expireAfterHours * 3_600_000),
      details,
      at,
    },
    copies,
    audit: {
      actor: input.policyName ? `policy:${input.policyName}` : input.requesterId,
      action: input.policyName ? 'request.filed-by-policy' : 'request.filed',
      detail: { request, copies: copies.length, warnings },
    },
    ...(input.intentId !== undefined ? { intentId: input.intentId } : {}),
  };
  const filed = await deps.store.transaction(async (tx) => {
    const f = await tx.fileRequest(filing);
    await input.alongside?.(tx, f.request, warnings);
    return f;
  });
  return { ok: true, request: filed.request, warnings };
}

function addOnce(list: string[], line: string): void {
  if (!list.includes(line)) list.push(line);
}

function toEncryptionView(outcome: EncryptionOutcome): EncryptionView {
  if (!outcome.encrypted) return { encrypted: false };
  return { encrypted: true, because: outcome.because, ...(outcome.keyId ? { keyId: outcome.keyId } : {}) };
}

/**
 * Pre-flight: can the destination role read the keys the copy will need? AWS accepts the copy
 * and only later fails it silently ("Given key ID is not accessible"), so this is the one chance
 * to warn before anybody approves.
 */
async function checkKeys(
  deps: FilingDeps,
  c: {
    destination: AccountConfig;
    region: string;
    outcome: EncryptionOutcome;
    source: SourceSnapshot;
    session: string;
    keyChecked: Map<string, string | undefined>;
    warnings: string[];
  },
): Promise<void> {
  const checks: Array<{ region: string; keyId: string; what: string }> = [];
  if (c.outcome.encrypted && c.outcome.keyId && c.outcome.because !== 'same-key') {
    checks.push({ region: c.region, keyId: c.outcome.keyId, what: `the destination key for ${c.region}` });
  }
  if (c.source.encrypted && c.source.kmsKeyId && c.source.ownerId !== c.destination.id) {
    checks.push({
      region: c.source.kmsKeyId.split(':')[3] ?? c.region,
      keyId: c.source.kmsKeyId,
      what: `the source key of ${c.source.snapshotId}`,
    });
  }
  for (const check of checks) {
    const cacheKey = `${c.destination.id}|${check.region}|${check.keyId}`;
    if (!c.keyChecked.has(cacheKey)) {
      const problem = await deps.aws.describeKey(c.destination, check.region, check.keyId, c.session).then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      c.keyChecked.set(cacheKey, problem);
      if (problem) {
        addOnce(
          c.warnings,
          `${c.destination.alias} cannot read ${check.what}, ${check.keyId} (kms:DescribeKey failed: ${problem}). The copy would fail with "Given key ID is not accessible" unless the key policy and the role's IAM policy allow it.`,
        );
      }
    }
  }
}

const KEY_ARN = /^arn:aws[a-z-]*:kms:[^:]+:\d{12}:key\//;

/**
 * A key named as AWS names it on a snapshot: its key ARN. Requests and `kmsKeys` name keys by ID,
 * alias or alias ARN, and GetEbsDefaultKmsKeyId answers with the alias ARN of aws/ebs; compared as
 * written, one key would look like two, and every later copy under an alias would be predicted full.
 * A key the destination role cannot describe stays as written (the pre-flight check warns about it).
 */
function keyArnResolver(deps: FilingDeps, destination: AccountConfig, session: string) {
  const known = new Map<string, Promise<string>>();
  return (region: string, keyId: string | undefined): Promise<string | undefined> => {
    if (keyId === undefined || KEY_ARN.test(keyId)) return Promise.resolve(keyId);
    const cacheKey = `${region}|${keyId}`;
    let arn = known.get(cacheKey);
    if (!arn) {
      arn = deps.aws.describeKey(destination, region, keyId, session).then(
        (key) => key.arn,
        () => keyId,
      );
      known.set(cacheKey, arn);
    }
    return arn;
  };
}

/** The bot's earlier copies of this volume into the destination, and whether the newest still exists. */
async function previousCopies(
  deps: FilingDeps,
  s: SourceSnapshot,
  destination: AccountConfig,
  region: string,
  session: string,
) {
  const records = await deps.store.findPreviousCopies({
    volumeId: provenanceKey(s),
    destAccountId: destination.id,
    destRegion: region,
  });
  const ids = records.map((r) => r.newSnapshotId).filter((id): id is string => !!id);
  const existing = ids.length
    ? await deps.aws.existingSnapshots(destination, region, ids, session)
    : new Set<string>();
  return records.map((r) => ({
    encrypted: r.result.encrypted ?? r.encrypted ?? false,
    ...((r.result.kmsKeyId ?? r.kmsKeyId) ? { kmsKeyId: (r.result.kmsKeyId ?? r.kmsKeyId)! } : {}),
    exists: !!r.newSnapshotId && existing.has(r.newSnapshotId),
    copiedAt: r.completedAt ?? r.updatedAt,
  }));
}

export function receiptText(request: RequestRecord, approvalsChannel: string, warnings: string[]): string {
  const label = requestLabel(request.n);
  const lines = [
    request.state === 'pending_approval'
      ? `Filed *${label}*: waiting for ${request.requiredApprovals} approval${request.requiredApprovals === 1 ? '' : 's'} in <#${approvalsChannel}>. Progress is posted in this channel's thread.`
      : `Filed *${label}*.`,
  ];
  if (warnings.length)
    lines.push(
      `:warning: ${warnings.length} pre-flight warning${warnings.length === 1 ? '' : 's'}: see the thread.`,
    );
  return lines.join('\n');
}

import {
  type ApprovalFacts,
  expiresAt,
  missingReasonProblem,
  requiredApprovals,
} from '../domain/approval.js';
import { DEFAULT_PRICING, estimateCopyCost, type PricingConfig, totalCost } from '../domain/cost.js';
import {
  type CopyEncryptionParams,
  type EncryptionOutcome,
  encryptionOutcome,
  isEncryptionError,
  predictedEncryption,
} from '../domain/encryption.js';
import {
  describeIncremental,
  type IncrementalPrediction,
  predictIncremental,
} from '../domain/incremental.js';
import { provenanceKey } from '../domain/provenance.js';
import { roleSessionName } from '../domain/session-name.js';
import type { AccountConfig, ApprovalsConfig, ResolvedRequest, SourceSnapshot } from '../domain/types.js';
import type { FileRequestInput, NewCopy, RequestRecord, Store } from '../store/port.js';
import { copyWarnings, encryptionParamsFor, why } from './copy-preflight.js';
import { copyKey, INTERMEDIATE, type RequestDetails } from './details.js';
import { lockWarnings } from './lock-preflight.js';
import type { FilingAws } from './ports.js';
import {
  FINAL_HOP_TRANSFER,
  intermediateCopy,
  isTwoHop,
  linkHops,
  planTwoHops,
  type TwoHopSource,
} from './two-hop.js';

export interface FilingDeps {
  store: Store;
  aws: FilingAws;
  accounts: AccountConfig[];
  approvals: ApprovalsConfig;
  /** Prices of the cost estimate; SPEC §3's defaults when omitted (the config always gives them). */
  pricing?: PricingConfig;
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
  /**
   * Judge each source on its own (DR policies, SPEC §5.2): a snapshot that must be refused is left
   * out and named in `refused`, and the others are filed. Without it, one refusal refuses the request.
   */
  judgeEach?: boolean;
  /** The Slack intent it is filed from: at most one request per intent. */
  intentId?: number;
  /** Consequences written in the filing's own transaction (messages, the intent's answer). */
  alongside?: (
    tx: Store,
    request: RequestRecord,
    warnings: string[],
    refused: RefusedSnapshot[],
  ) => Promise<void>;
}

/** A source left out of a request filed with `judgeEach`, and why, in plain words. */
export interface RefusedSnapshot {
  snapshotId: string;
  reason: string;
}

export type FileResult =
  | { ok: true; request: RequestRecord; warnings: string[]; refused: RefusedSnapshot[] }
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
  // One list throughout: the request's details, its audit entry and the answer all show every warning.
  const warnings: string[] = [];
  const warn = (line: string) => addOnce(warnings, line);

  const judged = await judgeSources(deps, input, session, warn);
  if (!input.judgeEach && judged.refused.length > 0) {
    return { ok: false, problems: judged.refused.map((r) => r.reason) };
  }
  const { accepted: snapshots, refused } = judged;
  if (snapshots.length === 0) {
    return {
      ok: false,
      problems: refused.length ? refused.map((r) => r.reason) : ['no source snapshots found'],
    };
  }
  for (const w of await lockWarnings(aws, request.lock, destination, request.destinationRegions, session)) {
    warn(w);
  }

  const filing: Filing = { deps, input, session, details: { warnings, encryption: {}, cost: {} }, refused };
  const planned = await planCopies(filing, snapshots);
  if (!planned.ok) return planned;
  const refusedIds = new Set(refused.map((r) => r.snapshotId));
  const copies = withoutRefused(filing, planned.copies, refusedIds);
  if (copies.length === 0) return { ok: false, problems: refused.map((r) => r.reason) };
  const copied = snapshots.filter((s) => !refusedIds.has(s.snapshotId));
  const preflight = {
    request,
    source,
    destination,
    snapshots: copied,
    requesterId: input.requesterId,
    session,
  };
  for (const w of await copyWarnings(aws, preflight)) warn(w);

  // The approvals needed are fixed here, with the estimate the card shows (SPEC §3 estimatedCostOverUsd).
  const facts = approvalFacts(input, filing.details);
  // A cost rule's requireReason could not be checked before the sizes were known.
  const missingReason = input.policyName
    ? undefined
    : missingReasonProblem(deps.approvals, facts, request.reason);
  if (missingReason) return { ok: false, problems: [missingReason] };
  const toFile = requestToFile(filing, copies, facts);
  const filed = await deps.store.transaction(async (tx) => {
    const f = await tx.fileRequest(toFile);
    await input.alongside?.(tx, f.request, warnings, refused);
    return f;
  });
  return { ok: true, request: filed.request, warnings, refused };
}

/** What the steps of one filing share: its session in AWS, the details it works out, the sources it refuses. */
interface Filing {
  deps: FilingDeps;
  input: FileInput;
  session: string;
  details: RequestDetails;
  refused: RefusedSnapshot[];
}

/**
 * The copies of the accepted sources into each destination Region (and a two-hop source's
 * intermediate copy), each with its predicted encryption and cost estimate kept in the details.
 * A source whose encryption cannot be worked out refuses the request, or — judged on its own — is
 * refused.
 */
async function planCopies(
  filing: Filing,
  snapshots: SourceSnapshot[],
): Promise<{ ok: true; copies: NewCopy[] } | { ok: false; problems: string[] }> {
  const { deps, input, session, details } = filing;
  const { request, destination } = input;
  const copies: NewCopy[] = [];
  const keyChecked = new Map<string, string | undefined>();
  const keyArn = keyArnResolver(deps, destination, session);
  for (const region of request.destinationRegions) {
    const defaults = await deps.aws.encryptionDefaults(destination, region, session);
    const params = encryptionParamsFor(request, destination, region);
    for (const original of snapshots) {
      // Hop 2 of a two-hop copy copies the intermediate: shared with the destination, under the share key.
      const s = isTwoHop(original) ? { ...original, kmsKeyId: original.shareKey.arn } : original;
      if (
        isTwoHop(original) &&
        !copies.some((c) => c.hop?.kind === 'intermediate' && c.source.snapshotId === s.snapshotId)
      ) {
        copies.push(planIntermediate(filing, original));
      }
      const owned = s.ownerId === destination.id;
      const outcome = encryptionOutcome({
        encryptedParam: params.Encrypted === true,
        ...(params.KmsKeyId ? { kmsKeyIdParam: params.KmsKeyId } : {}),
        encryptionByDefault: defaults.encryptionByDefault,
        defaultKeyId: defaults.defaultKmsKeyId,
        source: { encrypted: s.encrypted, ...(s.kmsKeyId ? { kmsKeyId: s.kmsKeyId } : {}), owned },
        crossRegion: region !== request.sourceRegion,
      });
      if (isEncryptionError(outcome)) {
        if (!input.judgeEach) return { ok: false, problems: [outcome.message] };
        filing.refused.push({ snapshotId: s.snapshotId, reason: `${s.snapshotId}: ${outcome.message}` });
        continue;
      }

      if (s.encrypted && !owned && !params.KmsKeyId) {
        addOnce(
          details.warnings,
          `${s.snapshotId} is an encrypted snapshot shared with ${destination.alias}, and no key of ${destination.alias}'s own is set for ${region}: AWS recommends re-encrypting it with a key you own (use \`kms <key>\` or set accounts[].kmsKeys.${region}), so the copy does not depend on the source key's owner.`,
        );
      }
      await checkKeys(deps, {
        destination,
        region,
        outcome,
        source: s,
        session,
        keyChecked,
        warnings: details.warnings,
      });
      copies.push(await planCopy(filing, { original, s, region, outcome, params, keyArn }));
    }
  }
  return { ok: true, copies };
}

/** Hop 1 of a two-hop copy, with its encryption (the share key) and cost kept in the details. */
function planIntermediate(filing: Filing, original: TwoHopSource): NewCopy {
  const { deps, input, details } = filing;
  const { request } = input;
  const key = copyKey(original.snapshotId, INTERMEDIATE);
  details.encryption[key] = {
    encrypted: true,
    because: 'specified-key',
    keyId: original.shareKey.configured,
  };
  details.cost[key] = {
    ...estimateCopyCost(deps.pricing ?? DEFAULT_PRICING, {
      sourceRegion: request.sourceRegion,
      destinationRegion: request.sourceRegion,
      sizeGiB: original.volumeSizeGiB,
      kind: 'full',
      movesData: true,
    }),
    // Deleted once hop 2 is done: no monthly storage to speak of.
    storagePerMonth: 0,
  };
  return intermediateCopy(original, input.source, request.sourceRegion);
}

/**
 * The copy of a source (or of a two-hop source's intermediate) into a destination Region: its
 * transfer predicted from the bot's earlier copies there, its encryption and cost kept in the details.
 */
async function planCopy(
  filing: Filing,
  c: {
    original: SourceSnapshot;
    /** What the copy copies: the original, or for hop 2 the intermediate under the share key. */
    s: SourceSnapshot;
    region: string;
    outcome: EncryptionOutcome;
    params: CopyEncryptionParams;
    keyArn: KeyArnResolver;
  },
): Promise<NewCopy> {
  const { deps, input, details } = filing;
  const { request, destination } = input;
  const { original, s, region, params } = c;
  const prediction = await predictTransfer(filing, c);
  details.encryption[copyKey(s.snapshotId, region)] = predictedEncryption(c.outcome);
  details.cost[copyKey(s.snapshotId, region)] = estimateCopyCost(deps.pricing ?? DEFAULT_PRICING, {
    sourceRegion: request.sourceRegion,
    destinationRegion: region,
    sizeGiB: s.volumeSizeGiB,
    kind: prediction.kind,
    movesData: prediction.movesData,
    ...(request.withinMinutes !== undefined ? { withinMinutes: request.withinMinutes } : {}),
  });
  return {
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
    // A fresh intermediate has no earlier copy in the destination: hop 2 is always full.
    transfer: isTwoHop(original)
      ? { kind: 'full', reason: FINAL_HOP_TRANSFER }
      : {
          kind: prediction.kind,
          reason: describeIncremental(prediction, region).replace(/^(full|incremental): /, ''),
        },
    ...(isTwoHop(original) ? { hop: { kind: 'final' as const, after: -1 } } : {}),
  };
}

type KeyArnResolver = ReturnType<typeof keyArnResolver>;

/** Full or incremental: the copy's key against those of the bot's earlier copies of the volume there. */
async function predictTransfer(
  { deps, input, session }: Filing,
  c: {
    original: SourceSnapshot;
    s: SourceSnapshot;
    region: string;
    outcome: EncryptionOutcome;
    keyArn: KeyArnResolver;
  },
): Promise<IncrementalPrediction> {
  const { request, destination } = input;
  const { s, region, outcome, keyArn } = c;
  // Keys compared as AWS reports them on snapshots (key ARNs), however the config names them.
  const protection = outcome.encrypted
    ? { encrypted: true as const, keyId: await keyArn(region, outcome.keyId) }
    : { encrypted: false as const };
  const previous = isTwoHop(c.original)
    ? []
    : await Promise.all(
        (await previousCopies(deps, s, destination, region, session)).map(async (p) =>
          p.kmsKeyId ? { ...p, kmsKeyId: await keyArn(region, p.kmsKeyId) } : p,
        ),
      );
  return predictIncremental({
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
}

/**
 * The planned copies less those of refused sources, whose details are dropped too: a snapshot
 * refused for one destination Region is refused for all, a request copies it everywhere or nowhere.
 */
function withoutRefused({ input, details }: Filing, planned: NewCopy[], refusedIds: Set<string>): NewCopy[] {
  for (const id of refusedIds) {
    for (const region of [...input.request.destinationRegions, INTERMEDIATE]) {
      delete details.encryption[copyKey(id, region)];
      delete details.cost[copyKey(id, region)];
    }
  }
  return linkHops(planned.filter((c) => !refusedIds.has(c.source.snapshotId)));
}

/** What the approval rules look at: the accounts, the lock and the estimated cost of the copies. */
function approvalFacts(input: FileInput, details: RequestDetails): ApprovalFacts {
  return {
    crossAccount: input.crossAccount,
    sourceAccount: input.source.alias,
    destinationAccount: input.destination.alias,
    ...(input.request.lock ? { lock: input.request.lock.mode } : {}),
    estimatedCostUsd: totalCost(Object.values(details.cost)).oneOffUsd,
  };
}

/** The request as the store files it: pending its approvals (or approved by its DR policy), with its audit entry. */
function requestToFile(
  { deps, input, details, refused }: Filing,
  copies: NewCopy[],
  facts: ApprovalFacts,
): FileRequestInput {
  const { request } = input;
  const at = deps.now();
  const required = input.policyName ? 0 : requiredApprovals(deps.approvals, facts);
  // Only the sources still copied are filed, once some were refused.
  const sources: ResolvedRequest['sources'] = refused.length
    ? { kind: 'ids', ids: [...new Set(copies.map((c) => c.source.snapshotId))] }
    : request.sources;
  return {
    request: {
      requesterId: input.requesterId,
      originChannel: input.channel,
      state: input.policyName ? 'approved' : 'pending_approval',
      ...(input.policyName ? { policyName: input.policyName } : {}),
      resolved: { ...request, sources },
      crossAccount: input.crossAccount,
      requiredApprovals: required,
      expiresAt: input.policyName ? null : expiresAt(at, deps.approvals.expireAfterHours),
      details,
      at,
    },
    copies,
    audit: {
      actor: input.policyName ? `policy:${input.policyName}` : input.requesterId,
      action: input.policyName ? 'request.filed-by-policy' : 'request.filed',
      detail: {
        request,
        copies: copies.length,
        warnings: details.warnings,
        estimatedCostUsd: facts.estimatedCostUsd,
        ...(refused.length ? { refused } : {}),
        ...(request.reason ? { reason: request.reason } : {}),
      },
    },
    ...(input.intentId !== undefined ? { intentId: input.intentId } : {}),
  };
}

/**
 * The sources as AWS describes them, each judged on its own: it must exist, be `completed`, and —
 * for a cross-account copy — be owned by the source account and not under `aws/ebs`.
 */
async function judgeSources(
  deps: FilingDeps,
  input: FileInput,
  session: string,
  warn: (line: string) => void,
): Promise<{ accepted: SourceSnapshot[]; refused: RefusedSnapshot[] }> {
  const { request, source } = input;
  const found = await deps.aws.findSources(source, request.sourceRegion, request.sources, session);
  const refused: RefusedSnapshot[] = found.problems.map((reason) => ({
    snapshotId: /^snap-[0-9a-f]+/.exec(reason)?.[0] ?? '',
    reason,
  }));
  const accepted: SourceSnapshot[] = [];
  for (const s of found.snapshots) {
    const judged = await sourceRefusal(deps, input, s, session, warn);
    if (typeof judged === 'string') refused.push({ snapshotId: s.snapshotId, reason: judged });
    else accepted.push(judged ?? s);
  }
  return { accepted, refused };
}

/** Why a source cannot be copied; or, for an `aws/ebs` source of a cross-account copy, its two-hop plan. */
export async function sourceRefusal(
  deps: FilingDeps,
  { request, source, destination, crossAccount }: FileInput,
  s: SourceSnapshot,
  session: string,
  warn: (line: string) => void,
): Promise<string | TwoHopSource | undefined> {
  if (s.state === 'error') {
    return `${s.snapshotId} failed (state error): only completed snapshots can be copied; take a new snapshot and copy that one`;
  }
  if (s.state !== 'completed') {
    return `${s.snapshotId} is ${s.state}: only completed snapshots can be copied; try again when it completes`;
  }
  if (s.storageTier === 'archive') {
    return `${s.snapshotId} is in the archive tier (StorageTier: archive), and CopySnapshot does not accept archived snapshots. Restore it to the standard tier first with RestoreSnapshotTier (\`aws ec2 restore-snapshot-tier --snapshot-id ${s.snapshotId}\`), then ask again once it is restored.`;
  }
  if (!crossAccount) return undefined;
  if (s.ownerId !== source.id) {
    return `${s.snapshotId} is owned by account ${s.ownerId}, not ${source.alias}: ${source.alias} cannot share it with ${destination.alias}; copy it from its owner`;
  }
  if (!s.encrypted || !s.kmsKeyId) return undefined;
  // A key managed by AWS cannot be shared with another account at all (seed, "Sharing").
  let key: { manager: string };
  try {
    key = await deps.aws.describeKey(source, request.sourceRegion, s.kmsKeyId, session);
  } catch (err) {
    // Not knowing is no reason to refuse: the approvers are told, and the share would fail visibly.
    warn(
      `Could not check whether ${s.snapshotId} is encrypted with the AWS managed key aws/ebs, which cannot be shared with ${destination.alias} (kms:DescribeKey of ${s.kmsKeyId} in ${source.alias} failed: ${why(err)}). If it is, the copy will fail when the bot shares the source; grant ${source.alias}'s role kms:DescribeKey on the key to have it checked.`,
    );
    return undefined;
  }
  if (isAwsManagedEbsKey(key)) {
    const plan = await planTwoHops(deps.aws, s, {
      source,
      destination,
      region: request.sourceRegion,
      session,
    });
    return plan.ok ? plan.source : plan.reason;
  }
  return undefined;
}

function addOnce(list: string[], line: string): void {
  if (!list.includes(line)) list.push(line);
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

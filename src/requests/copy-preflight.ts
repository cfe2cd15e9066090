/**
 * Pre-flight of the copy itself (SPEC §5.2): may the destination role copy each source into each
 * destination Region, and — for a cross-account source not shared yet — may the source role share
 * it? Each is a DryRun with the parameters the real call will have. AWS checks IAM before it answers
 * DryRunOperation, so an UnauthorizedOperation now is the failure the copy would meet only after
 * somebody approved it. A check that cannot run is said, with the reason, never skipped silently.
 */
import { AwsError, asAwsError } from '../aws/errors.js';
import { copyTags } from '../domain/copy-tags.js';
import { copyEncryptionParams } from '../domain/encryption.js';
import { provenanceVolume } from '../domain/provenance.js';
import type { AccountConfig, ResolvedRequest, SourceSnapshot } from '../domain/types.js';
import type { CopyCheck, FilingAws } from './ports.js';
import { isTwoHop } from './two-hop.js';

export interface CopyPreflightInput {
  request: ResolvedRequest;
  source: AccountConfig;
  destination: AccountConfig;
  /** The sources that will be copied (those refused at filing are not checked). */
  snapshots: SourceSnapshot[];
  requesterId: string;
  session: string;
}

/** `Encrypted`/`KmsKeyId` of this request's copies into `region` (SPEC §7), as stored with each copy. */
export function encryptionParamsFor(request: ResolvedRequest, destination: AccountConfig, region: string) {
  const destinationKey = destination.kmsKeys[region];
  return copyEncryptionParams({
    ...(request.kmsKeyId ? { requestKms: request.kmsKeyId } : {}),
    encryptFlag: request.encrypt,
    ...(destinationKey ? { destinationAccountKmsKey: destinationKey } : {}),
  });
}

/** The warnings, each once: one per account and Region reads better than one per snapshot. */
export async function copyWarnings(aws: FilingAws, input: CopyPreflightInput): Promise<string[]> {
  const checks = new Checks();
  for (const s of input.snapshots) {
    // A two-hop source is not shared itself: hop 1 copies it within its own account (checked
    // here); hop 2 copies an intermediate that does not exist yet.
    if (isTwoHop(s)) {
      await checkCopy(aws, { ...input, destination: input.source }, s, input.request.sourceRegion, checks, {
        kmsKeyId: s.shareKey.configured,
      });
      continue;
    }
    if (!(await destinationSees(aws, input, s, checks))) continue;
    for (const region of input.request.destinationRegions) await checkCopy(aws, input, s, region, checks);
  }
  return checks.finish();
}

type Outcome<T> = { value: T } | { error: unknown } | { skipped: true };

/**
 * Runs the checks one after another and collects their warnings. Once AWS throttled one beyond the
 * SDK's retries, each further call would wait out the same backoff (seconds each, while the
 * requester waits for the receipt), so the rest are not asked: they are counted and said instead.
 */
class Checks {
  private readonly warnings: string[] = [];
  private throttled = false;
  private skipped = 0;

  add(line: string): void {
    if (!this.warnings.includes(line)) this.warnings.push(line);
  }

  async run<T>(call: () => Promise<T>): Promise<Outcome<T>> {
    if (this.throttled) {
      this.skipped++;
      return { skipped: true };
    }
    try {
      return { value: await call() };
    } catch (error) {
      if (asAwsError(error).code === 'throttled') this.throttled = true;
      return { error };
    }
  }

  finish(): string[] {
    if (this.skipped > 0) {
      this.add(
        `${this.skipped} more pre-flight check${this.skipped === 1 ? '' : 's'} did not run: AWS throttled an earlier one even after the SDK's retries, and each would only have waited out the same backoff.`,
      );
    }
    return this.warnings;
  }
}

/**
 * Whether the destination can already see the source, so that a CopySnapshot DryRun there means
 * something. In its own account it can; across accounts only once the source is shared with it —
 * when it is not, the share the bot will make is what gets checked instead.
 */
async function destinationSees(
  aws: FilingAws,
  input: CopyPreflightInput,
  s: SourceSnapshot,
  checks: Checks,
): Promise<boolean> {
  const { request, source, destination, session } = input;
  if (source.id === destination.id) return true;
  const read = await checks.run(() => aws.sharedWith(source, request.sourceRegion, s.snapshotId, session));
  if ('value' in read && (read.value.public || read.value.userIds.includes(destination.id))) return true;
  if ('error' in read) {
    checks.add(
      isDenied(read.error)
        ? `${roleOf(source, true)} may not read who snapshots in ${where(source, request.sourceRegion)} are shared with: DescribeSnapshotAttribute answered UnauthorizedOperation, and the bot reads it before sharing a source with ${destination.alias}, so the copy would fail after approval. Grant the source role ec2:DescribeSnapshotAttribute: \`{"Effect":"Allow","Action":"ec2:DescribeSnapshotAttribute","Resource":"*"}\`.`
        : `Could not check whether the sources are already shared with ${destination.alias} (DescribeSnapshotAttribute in ${source.alias}): ${why(read.error)}`,
    );
  }
  await checkShare(aws, input, s, checks);
  return false;
}

async function checkShare(
  aws: FilingAws,
  { request, source, destination, session }: CopyPreflightInput,
  s: SourceSnapshot,
  checks: Checks,
): Promise<void> {
  const share = await checks.run(() =>
    aws.mayShare(source, request.sourceRegion, s.snapshotId, destination.id, session),
  );
  if ('value' in share && share.value === 'denied') {
    checks.add(
      `${roleOf(source, true)} may not share snapshots in ${where(source, request.sourceRegion)} with ${destination.alias} (${destination.id}): ModifySnapshotAttribute (createVolumePermission add) with DryRun answered UnauthorizedOperation, and a cross-account copy needs the source shared first, so it would fail after approval. Grant the source role ec2:ModifySnapshotAttribute: \`{"Effect":"Allow","Action":"ec2:ModifySnapshotAttribute","Resource":"arn:aws:ec2:*::snapshot/*"}\`.`,
    );
  }
  if ('error' in share) {
    checks.add(
      `Could not check whether ${source.alias} may share the sources with ${destination.alias} (ModifySnapshotAttribute DryRun): ${why(share.error)}`,
    );
  }
}

async function checkCopy(
  aws: FilingAws,
  input: CopyPreflightInput,
  s: SourceSnapshot,
  region: string,
  checks: Checks,
  key?: { kmsKeyId: string },
): Promise<void> {
  const { destination, session } = input;
  const check = copyCheck(input, s, region);
  // Hop 1 of a two-hop copy: re-keyed with the share key, at AWS's own pace (no `within`).
  const { completionDurationMinutes: _within, ...untimed } = check;
  const params = key ? { ...untimed, encrypted: true, kmsKeyId: key.kmsKeyId } : check;
  const copy = await checks.run(() => aws.mayCopy(destination, region, params, session));
  if ('value' in copy && copy.value === 'denied') {
    checks.add(
      `${roleOf(destination, true)} may not copy snapshots into ${where(destination, region)}: CopySnapshot with DryRun answered UnauthorizedOperation, so the copy would fail after approval. Grant the destination role ec2:CopySnapshot, and ec2:CreateTags for the copies it creates: \`{"Effect":"Allow","Action":"ec2:CopySnapshot","Resource":"arn:aws:ec2:*::snapshot/*"}\` and \`{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*::snapshot/*","Condition":{"StringEquals":{"ec2:CreateAction":"CopySnapshot"}}}\`.`,
    );
  }
  if ('error' in copy) {
    checks.add(
      `Could not check whether ${destination.alias} may copy into ${region} (CopySnapshot DryRun): ${why(copy.error)}`,
    );
  }
}

/**
 * The CopySnapshot the engine will send (dispatcher), as far as it is known before the request is
 * stored. Tags are sent because IAM decides on them too (create-time tagging needs ec2:CreateTags);
 * the request number and approvers do not exist yet, so those two tag values are placeholders.
 */
function copyCheck(
  { request, destination, requesterId }: CopyPreflightInput,
  s: SourceSnapshot,
  region: string,
): CopyCheck {
  const params = encryptionParamsFor(request, destination, region);
  const volume = provenanceVolume(s);
  return {
    sourceRegion: request.sourceRegion,
    sourceSnapshotId: s.snapshotId,
    ...(params.Encrypted ? { encrypted: true } : {}),
    ...(params.KmsKeyId ? { kmsKeyId: params.KmsKeyId } : {}),
    ...(request.withinMinutes ? { completionDurationMinutes: request.withinMinutes } : {}),
    tags: copyTags({
      requestNumber: 0,
      sourceSnapshotId: s.snapshotId,
      sourceRegion: request.sourceRegion,
      requesterId,
      approvedBy: [],
      sourceTags: s.tags,
      requestTags: request.tags,
      ...(request.reason ? { reason: request.reason } : {}),
      ...(volume ? { sourceVolume: volume } : {}),
    }),
  };
}

function where(account: AccountConfig, region: string): string {
  return `${account.alias} (${account.id}) ${region}`;
}

/** Who the warning is about, as the operator finds it in IAM. */
function roleOf(account: AccountConfig, capital = false): string {
  const text = account.roleArn
    ? `the role of ${account.alias} (${account.roleArn})`
    : `the bot's own identity (used for ${account.alias}: no roleArn configured)`;
  return capital ? `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}` : text;
}

function isDenied(err: unknown): boolean {
  return err instanceof AwsError && err.awsCode === 'UnauthorizedOperation';
}

/** Why a check could not run, in words (throttling is said as such: the SDK already retried). */
export function why(err: unknown): string {
  const e = asAwsError(err);
  return e.code === 'throttled' ? `AWS kept throttling it after the SDK's retries (${e.message})` : e.message;
}

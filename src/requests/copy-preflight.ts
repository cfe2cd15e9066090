/**
 * Pre-flight of the copy itself (SPEC §5.2): may the destination role copy each source into each
 * destination Region, and — for a cross-account source not shared yet — may the source role share
 * it? Each is a DryRun with the parameters the real call will have. AWS checks IAM before it answers
 * DryRunOperation, so an UnauthorizedOperation now is the failure the copy would meet only after
 * somebody approved it. A check that cannot run is said, with the reason, never skipped silently.
 */
import { AwsError, asAwsError } from '../aws/errors.js';
import { copyEncryptionParams } from '../domain/encryption.js';
import { provenanceVolume } from '../domain/provenance.js';
import type { AccountConfig, ResolvedRequest, SourceSnapshot } from '../domain/types.js';
import { copyTags } from '../engine/copy-tags.js';
import type { CopyCheck, FilingAws } from './ports.js';

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
  const warnings: string[] = [];
  const add = (line: string) => {
    if (!warnings.includes(line)) warnings.push(line);
  };
  for (const s of input.snapshots) {
    if (!(await destinationSees(aws, input, s, add))) continue;
    for (const region of input.request.destinationRegions) await checkCopy(aws, input, s, region, add);
  }
  return warnings;
}

/**
 * Whether the destination can already see the source, so that a CopySnapshot DryRun there means
 * something. In its own account it can; across accounts only once the source is shared with it —
 * when it is not, the share the bot will make is what gets checked instead.
 */
async function destinationSees(
  aws: FilingAws,
  { request, source, destination, session }: CopyPreflightInput,
  s: SourceSnapshot,
  add: (line: string) => void,
): Promise<boolean> {
  if (source.id === destination.id) return true;
  try {
    const shared = await aws.sharedWith(source, request.sourceRegion, s.snapshotId, session);
    if (shared.public || shared.userIds.includes(destination.id)) return true;
  } catch (err) {
    add(
      isDenied(err)
        ? `${roleOf(source, true)} may not read who snapshots in ${where(source, request.sourceRegion)} are shared with: DescribeSnapshotAttribute answered UnauthorizedOperation, and the bot reads it before sharing a source with ${destination.alias}, so the copy would fail after approval. Grant the source role ec2:DescribeSnapshotAttribute: \`{"Effect":"Allow","Action":"ec2:DescribeSnapshotAttribute","Resource":"*"}\`.`
        : `Could not check whether ${s.snapshotId} is already shared with ${destination.alias} (DescribeSnapshotAttribute in ${source.alias}): ${why(err)}`,
    );
  }
  await checkShare(aws, { request, source, destination, session }, s, add);
  return false;
}

async function checkShare(
  aws: FilingAws,
  {
    request,
    source,
    destination,
    session,
  }: Pick<CopyPreflightInput, 'request' | 'source' | 'destination' | 'session'>,
  s: SourceSnapshot,
  add: (line: string) => void,
): Promise<void> {
  try {
    const verdict = await aws.mayShare(source, request.sourceRegion, s.snapshotId, destination.id, session);
    if (verdict === 'denied') {
      add(
        `${roleOf(source, true)} may not share snapshots in ${where(source, request.sourceRegion)} with ${destination.alias} (${destination.id}): ModifySnapshotAttribute (createVolumePermission add) with DryRun answered UnauthorizedOperation, and a cross-account copy needs the source shared first, so it would fail after approval. Grant the source role ec2:ModifySnapshotAttribute: \`{"Effect":"Allow","Action":"ec2:ModifySnapshotAttribute","Resource":"arn:aws:ec2:*::snapshot/*"}\`.`,
      );
    }
  } catch (err) {
    add(
      `Could not check whether ${source.alias} may share ${s.snapshotId} with ${destination.alias} (ModifySnapshotAttribute DryRun): ${why(err)}`,
    );
  }
}

async function checkCopy(
  aws: FilingAws,
  input: CopyPreflightInput,
  s: SourceSnapshot,
  region: string,
  add: (line: string) => void,
): Promise<void> {
  const { destination, session } = input;
  try {
    if ((await aws.mayCopy(destination, region, copyCheck(input, s, region), session)) === 'denied') {
      add(
        `${roleOf(destination, true)} may not copy snapshots into ${where(destination, region)}: CopySnapshot with DryRun answered UnauthorizedOperation, so the copy would fail after approval. Grant the destination role ec2:CopySnapshot, and ec2:CreateTags for the copies it creates: \`{"Effect":"Allow","Action":"ec2:CopySnapshot","Resource":"arn:aws:ec2:*::snapshot/*"}\` and \`{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:*::snapshot/*","Condition":{"StringEquals":{"ec2:CreateAction":"CopySnapshot"}}}\`.`,
      );
    }
  } catch (err) {
    add(
      `Could not check whether ${destination.alias} may copy into ${region} (CopySnapshot DryRun): ${why(err)}`,
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

/**
 * The two-hop plan (SPEC §5.2, §5.5). A snapshot under the AWS managed key `aws/ebs` cannot be
 * shared with another account, so it is first copied within its own account and Region,
 * re-encrypted with that account's `shareKmsKeys` key, and that intermediate copy is shared and
 * copied into the destination. Filing plans both hops; the engine runs them (the final hop waits
 * for the intermediate, `store/copies.ts`), and `steps/intermediate.ts` deletes the intermediate.
 */
import { provenanceKey } from '../domain/provenance.js';
import type { AccountConfig, SourceSnapshot } from '../domain/types.js';
import type { NewCopy } from '../store/port.js';
import type { FilingAws } from './ports.js';

/** A source copied in two hops: through a copy re-keyed with `shareKey` (its ARN, as AWS reports keys). */
export interface TwoHopSource extends SourceSnapshot {
  shareKey: { configured: string; arn: string };
}

export function isTwoHop(s: SourceSnapshot): s is TwoHopSource {
  return 'shareKey' in s;
}

/**
 * The plan for an `aws/ebs` source of a cross-account copy: the share key configured for its
 * account and Region, checked with the source account's role; or why the request is refused.
 */
export async function planTwoHops(
  aws: Pick<FilingAws, 'describeKey'>,
  s: SourceSnapshot,
  c: { source: AccountConfig; destination: AccountConfig; region: string; session: string },
): Promise<{ ok: true; source: TwoHopSource } | { ok: false; reason: string }> {
  const { source, destination, region } = c;
  const configured = source.shareKmsKeys?.[region];
  const field = `accounts[${source.alias}].shareKmsKeys.${region}`;
  if (!configured) {
    return {
      ok: false,
      reason: `${s.snapshotId} is encrypted with the AWS managed key aws/ebs, which cannot be shared with another account. Set ${field} (shareKmsKeys: a customer managed key of ${source.alias} whose key policy lets ${destination.alias} use it) and the bot copies it in two hops: re-keyed within ${source.alias}, then into ${destination.alias}. Or copy it within ${source.alias} yourself with \`kms <customer managed key>\`, then copy that copy.`,
    };
  }
  let key: { arn: string; manager: 'AWS' | 'CUSTOMER' };
  try {
    key = await aws.describeKey(source, region, configured, c.session);
  } catch (err) {
    return {
      ok: false,
      reason: `${s.snapshotId} needs two hops through ${field} (${configured}), but ${source.alias}'s role cannot read that key (kms:DescribeKey failed: ${err instanceof Error ? err.message : String(err)}). Fix the key's policy or the role, then ask again.`,
    };
  }
  if (key.manager === 'AWS') {
    return {
      ok: false,
      reason: `${field} (${configured}) is an AWS managed key, which cannot be shared either: name a customer managed key of ${source.alias} there.`,
    };
  }
  return { ok: true, source: { ...s, shareKey: { configured, arn: key.arn } } };
}

/** Hop 1: the source copied within its own account and Region under the share key. */
export function intermediateCopy(s: TwoHopSource, source: AccountConfig, region: string): NewCopy {
  return {
    source: {
      snapshotId: s.snapshotId,
      accountId: s.ownerId,
      region,
      volumeId: provenanceKey(s),
      sizeGiB: s.volumeSizeGiB,
      encrypted: s.encrypted,
      ...(s.kmsKeyId ? { kmsKeyId: s.kmsKeyId } : {}),
    },
    destination: { account: source.alias, accountId: source.id, region },
    encrypted: true,
    kmsKeyId: s.shareKey.configured,
    transfer: { kind: 'full', reason: `hop 1 of 2: re-keyed with ${s.shareKey.configured}, a new key` },
    hop: { kind: 'intermediate' },
  };
}

/** Why hop 2 is a full copy: a copy of a fresh intermediate has no earlier copy to build on. */
export const FINAL_HOP_TRANSFER =
  'hop 2 of 2: copies the re-keyed intermediate, which no earlier copy shares blocks with';

/**
 * Points each final hop at its intermediate by index, once the filing's copies are final (sources
 * refused for one Region are left out everywhere, which moves the indices).
 */
export function linkHops(copies: NewCopy[]): NewCopy[] {
  return copies.map((c) => {
    if (c.hop?.kind !== 'final') return c;
    const after = copies.findIndex(
      (i) => i.hop?.kind === 'intermediate' && i.source.snapshotId === c.source.snapshotId,
    );
    return { ...c, hop: { kind: 'final', after } };
  });
}

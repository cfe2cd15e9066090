/**
 * The seed's table "Encryption outcomes: Copying a snapshot" as a function, and the CopySnapshot
 * encryption parameters the bot sends (SPEC §7).
 */

export interface EncryptionInputs {
  /** The `Encrypted` parameter of CopySnapshot. */
  encryptedParam: boolean;
  /** The `KmsKeyId` parameter of CopySnapshot. */
  kmsKeyIdParam?: string;
  /** Encryption by default in the destination account and Region. */
  encryptionByDefault: boolean;
  /** The destination account and Region's default EBS key (GetEbsDefaultKmsKeyId). */
  defaultKeyId: string;
  /** `owned`: the destination account owns the source (else it is shared with it). */
  source: { encrypted: boolean; kmsKeyId?: string; owned: boolean };
  /** The copy goes to another Region than the source's. */
  crossRegion: boolean;
}

export type EncryptionReason = 'same-key' | 'default-key' | 'specified-key';

export type EncryptionOutcome =
  | { encrypted: false }
  /** keyId is the source's key; undefined only if the caller did not know it. */
  | { encrypted: true; because: 'same-key'; keyId: string | undefined }
  | { encrypted: true; because: 'default-key' | 'specified-key'; keyId: string };

/**
 * The outcome predicted at filing, as the request keeps it (stored as JSON with its details) and as
 * people are shown it with each copy.
 */
export interface PredictedEncryption {
  encrypted: boolean;
  /** Key the copy ends up under (ARN, ID or alias), when encrypted. */
  keyId?: string;
  because?: EncryptionReason;
}

export function predictedEncryption(outcome: EncryptionOutcome): PredictedEncryption {
  if (!outcome.encrypted) return { encrypted: false };
  return { encrypted: true, because: outcome.because, ...(outcome.keyId ? { keyId: outcome.keyId } : {}) };
}

export interface EncryptionError {
  error: 'kms-key-requires-encrypted';
  message: string;
}

export function isEncryptionError(result: EncryptionOutcome | EncryptionError): result is EncryptionError {
  return 'error' in result;
}

export function encryptionOutcome(inputs: EncryptionInputs): EncryptionOutcome | EncryptionError {
  const { encryptedParam, kmsKeyIdParam, encryptionByDefault, defaultKeyId, source } = inputs;
  // The table's "N/A" cells: KmsKeyId needs Encrypted=true, even with encryption by default on.
  if (kmsKeyIdParam !== undefined && !encryptedParam) {
    return {
      error: 'kms-key-requires-encrypted',
      message: 'KmsKeyId is only valid with Encrypted=true, even when encryption by default is enabled',
    };
  }
  if (kmsKeyIdParam !== undefined) return { encrypted: true, because: 'specified-key', keyId: kmsKeyIdParam };
  // Encryption is never stripped; an owned encrypted source keeps its key unless one is specified —
  // within its Region. A KMS key lives in one Region, so the seed's "same key" cannot follow a copy
  // to another Region: there AWS uses the destination's default key (CopySnapshot API reference).
  if (source.encrypted && source.owned && !inputs.crossRegion) {
    return { encrypted: true, because: 'same-key', keyId: source.kmsKeyId };
  }
  if (source.encrypted || encryptedParam || encryptionByDefault) {
    return { encrypted: true, because: 'default-key', keyId: defaultKeyId };
  }
  return { encrypted: false };
}

/** One line for the approval card. */
export function describeEncryption(outcome: EncryptionOutcome): string {
  if (!outcome.encrypted) return 'unencrypted';
  switch (outcome.because) {
    case 'same-key':
      return outcome.keyId
        ? `encrypted with the source's key ${outcome.keyId}`
        : "encrypted with the source's key";
    case 'default-key':
      return `encrypted with the destination's default key ${outcome.keyId}`;
    case 'specified-key':
      return `encrypted with ${outcome.keyId}`;
  }
}

export interface CopyEncryptionInputs {
  /** `kms` of the request. */
  requestKms?: string;
  /** `encrypt` of the request. */
  encryptFlag: boolean;
  /** The destination account's `kmsKeys[region]`. */
  destinationAccountKmsKey?: string;
}

export interface CopyEncryptionParams {
  Encrypted?: true;
  KmsKeyId?: string;
}

/**
 * SPEC §7: the request's key first, then the destination account's configured key (so
 * cross-account copies are re-encrypted with a key the destination owns), then `encrypt` alone.
 */
export function copyEncryptionParams(inputs: CopyEncryptionInputs): CopyEncryptionParams {
  const key = inputs.requestKms ?? inputs.destinationAccountKmsKey;
  if (key !== undefined) return { Encrypted: true, KmsKeyId: key };
  if (inputs.encryptFlag) return { Encrypted: true };
  return {};
}

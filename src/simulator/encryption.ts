/**
 * The encryption outcome of CopySnapshot — the seed's table "Encryption outcomes: Copying a
 * snapshot", implemented here independently of the bot's own prediction (`domain/encryption.ts`)
 * so that the simulator can check the bot rather than mirror it.
 *
 * Rows of the table, condensed:
 * - KmsKeyId given (only legal with Encrypted=true)          → encrypted by the specified key
 * - encrypted source you own                                  → encrypted by the same key
 * - encrypted source shared with you                          → encrypted by the default key
 * - unencrypted source, Encrypted=true or encryption by default → encrypted by the default key
 * - unencrypted source otherwise                              → unencrypted
 * Encrypted=false is the same as omitting it: encryption cannot be stripped.
 */
export interface CopyEncryptionInput {
  sourceEncrypted: boolean;
  /** The source belongs to the account that calls CopySnapshot (the destination account). */
  sourceOwned: boolean;
  encryptedParam: boolean;
  kmsKeyIdGiven: boolean;
  /** Encryption by default of the destination account and Region. */
  encryptionByDefault: boolean;
}

export type CopyEncryptionOutcome =
  | { encrypted: false }
  | { encrypted: true; key: 'specified' | 'source' | 'default' };

export function copyEncryptionOutcome(input: CopyEncryptionInput): CopyEncryptionOutcome {
  if (input.kmsKeyIdGiven) {
    if (!input.encryptedParam) throw new Error('KmsKeyId requires Encrypted=true; validate before asking');
    return { encrypted: true, key: 'specified' };
  }
  if (input.sourceEncrypted) return { encrypted: true, key: input.sourceOwned ? 'source' : 'default' };
  if (input.encryptedParam || input.encryptionByDefault) return { encrypted: true, key: 'default' };
  return { encrypted: false };
}

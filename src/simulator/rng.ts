/**
 * Deterministic randomness for the simulator: IDs, credentials and throttling decisions come from
 * seeded streams so that a test (or a bench run) sees the same world twice.
 */

/** mulberry32: tiny, fast, good enough for IDs and coin flips (not for cryptography). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = '0123456789abcdef';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function pick(random: () => number, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/** Generators for every kind of identifier AWS hands out, in AWS's formats. */
export class IdGenerator {
  constructor(private readonly random: () => number) {}

  hex(length: number): string {
    return pick(this.random, HEX, length);
  }

  /** `snap-` + 17 hex digits, the current EC2 long-ID format. */
  snapshotId(): string {
    return `snap-${this.hex(17)}`;
  }

  volumeId(): string {
    return `vol-${this.hex(17)}`;
  }

  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** Temporary (STS-issued) access key IDs start with ASIA; long-term ones with AKIA. */
  temporaryAccessKeyId(): string {
    return `ASIA${pick(this.random, UPPER_ALNUM, 16)}`;
  }

  secretAccessKey(): string {
    return pick(this.random, B64, 40);
  }

  sessionToken(): string {
    return `IQoJb3JpZ2luX2VjE${pick(this.random, B64, 120)}`;
  }

  /** Unique ID part of a role (AROA…) as shown in AssumedRoleId / GetCallerIdentity UserId. */
  roleUniqueId(): string {
    return `AROA${pick(this.random, UPPER_ALNUM, 17)}`;
  }
}

import { AwsError } from '../errors.js';

/**
 * The AWS Query / EC2 protocols send parameters flattened into a form body:
 * lists as `Name.1`, `Name.2`; structures inside lists as `Filter.1.Name`, `Filter.1.Value.1`.
 * This view reads them back.
 */
export class QueryParams {
  constructor(private readonly map: ReadonlyMap<string, string>) {}

  static fromBody(body: string): QueryParams {
    return new QueryParams(new Map(new URLSearchParams(body)));
  }

  get(name: string): string | undefined {
    return this.map.get(name);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** Values of `prefix.1`, `prefix.2`, … in index order. */
  list(prefix: string): string[] {
    const indexed: Array<[number, string]> = [];
    const re = new RegExp(`^${escapeRegExp(prefix)}\\.(\\d+)$`);
    for (const [k, v] of this.map) {
      const m = re.exec(k);
      if (m) indexed.push([Number(m[1]), v]);
    }
    return indexed.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  /** Sub-views of `prefix.N.*` structures, in index order. */
  structs(prefix: string): QueryParams[] {
    const groups = new Map<number, Map<string, string>>();
    const re = new RegExp(`^${escapeRegExp(prefix)}\\.(\\d+)\\.(.+)$`);
    for (const [k, v] of this.map) {
      const m = re.exec(k);
      if (!m) continue;
      const n = Number(m[1]);
      let g = groups.get(n);
      if (!g) {
        g = new Map();
        groups.set(n, g);
      }
      g.set(m[2]!, v);
    }
    return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => new QueryParams(g));
  }

  bool(name: string): boolean | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${v}) for parameter ${name} is invalid. Expected: 'true' or 'false'.`,
    );
  }

  int(name: string): number | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value (${v}) for parameter ${name} is invalid. Expected an integer.`,
      );
    }
    return Number(v);
  }

  /** All parameters except the protocol envelope, for the call log. */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.map) if (k !== 'Action' && k !== 'Version') out[k] = v;
    return out;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

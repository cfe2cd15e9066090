/**
 * Configuration problems are collected, not thrown one at a time: an operator fixing a config file
 * wants every problem in one run. `ConfigError` carries them all; main prints `message` (no stack).
 */

/** One problem, located by its path in the file (`accounts[1].id`) and, when known, its line. */
export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** `path: message` strings, e.g. `accounts[1].id: must be 12 digits`. */
  readonly problems: string[];

  constructor(
    readonly summary: string,
    readonly details: ConfigProblem[],
    readonly hint?: string,
  ) {
    super(renderMessage(summary, details, hint));
    this.problems = details.map(problemText);
  }
}

export function problemText(problem: ConfigProblem): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`;
}

function renderMessage(summary: string, details: ConfigProblem[], hint: string | undefined): string {
  const lines = [summary];
  for (const problem of details) {
    const where = problem.line === undefined ? '' : `  (line ${problem.line})`;
    lines.push(`  - ${problemText(problem)}${where}`);
  }
  if (hint !== undefined) lines.push(hint);
  return lines.join('\n');
}

/** `['accounts', 1, 'id']` → `accounts[1].id`, the form operators see in problem listings. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

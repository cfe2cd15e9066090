/**
 * The layering of `src/` (issue #17), checked on the import graph: Slack is an adapter. The
 * domain, the store, the engine, the inbox and the message port never import from `src/slack/`,
 * nor does the application layer (`requests/`, `steps/`, `reports/`): it says what is told through
 * wording ports it owns (`requests/wording.ts`, `steps/wording.ts`, `reports/rendering.ts`), and
 * the wiring fills them with the Slack adapter's words.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

const INNER = ['domain', 'store', 'engine', 'inbox', 'messages'];
const APPLICATION = ['requests', 'steps', 'reports'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** `from './x.js'` imports of a file, resolved to paths under src/ (`.js` read as `.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) =>
    relative(SRC, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts'),
  );
}

function slackImports(layers: string[]): string[] {
  return layers
    .flatMap((layer) => files(join(SRC, layer)))
    .flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('slack/'))
        .map((target) => `${relative(SRC, file)} → ${target.slice('slack/'.length)}`),
    )
    .sort();
}

describe('the layering of src/', () => {
  it('keeps Slack out of the domain, the store, the engine, the inbox and the message port', () => {
    expect(slackImports(INNER)).toEqual([]);
  });

  it('keeps Slack out of the application layer: it speaks through ports of its own', () => {
    expect(slackImports(APPLICATION)).toEqual([]);
  });
});

/**
 * The layering of `src/` (issue #17), checked on the import graph: Slack is an adapter. The
 * domain, the store, the engine, the inbox and the message port never import from `src/slack/`;
 * the application layer (`requests/`, `steps/`, `reports/`) only where it still writes Slack text
 * itself — listed below as debt. A new import from `src/slack/` fails this test; so does a listed
 * one that is gone (strike it from the list, so the list only ever shrinks).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/** Where the bot still renders Slack mrkdwn outside `slack/` (formatting helpers, reply texts, view types). */
const RENDERING_DEBT = [].sort();

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

  it('lets the application layer import from slack/ only where it still renders Slack text (listed debt)', () => {
    expect(slackImports(APPLICATION)).toEqual(RENDERING_DEBT);
  });
});

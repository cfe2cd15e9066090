/**
 * The footprint `npm run bench` reports is the one production gets only if production runs node the
 * way the bench does: the Docker image, `npm start` and the bench's child processes must agree.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PRODUCTION_ENV, PRODUCTION_NODE_FLAGS } from '../../bench/processes.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('how production runs node', () => {
  it('is how the bench measures it: the Docker image runs node with the same flags and environment', () => {
    const dockerfile = read('Dockerfile');
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const argv = ['node', ...PRODUCTION_NODE_FLAGS, 'dist/main.js'];
    expect(runtimeStage).toContain(`CMD ${JSON.stringify(argv).replaceAll(',', ', ')}`);
    for (const [name, value] of Object.entries(PRODUCTION_ENV)) {
      expect(runtimeStage).toContain(`${name}=${value}`);
    }
  });

  it('is how `npm start` runs the bot', () => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(`node ${PRODUCTION_NODE_FLAGS.join(' ')} dist/main.js`);
  });
});

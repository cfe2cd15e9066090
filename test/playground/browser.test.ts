import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/observability/log.js';
import { type Playground, startPlayground } from '../../src/playground/index.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`playground browser tests skipped: no Chromium at ${CHROMIUM}`);

/**
 * Screenshots land in a temp folder; `UPDATE_SCREENSHOTS=1` writes them to docs/ instead, where
 * docs/playground-approved.png is the README's.
 */
const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(process.cwd(), 'docs')
  : mkdtempSync(join(tmpdir(), 'playground-shots-'));

describe.skipIf(!hasChromium)('the playground page in headless Chromium', () => {
  let dir: string;
  let pg: Playground;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'playground-'));
    const env = readEnv({
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      SNAPSHOT_COPY_CONFIG: join(dir, 'none.yml'),
      LOG_LEVEL: 'silent',
    });
    pg = await startPlayground(env, createLogger({ level: 'silent' }), {
      copyDuration: () => 3_000,
      pollIntervalMs: 500,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(pg.url);
    await page.waitForSelector('[data-open-channel="C0TEAM"] [data-message-ts]');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
    console.log(`playground screenshots: ${SHOTS}`);
  });

  const as = (user: string) => page.selectOption('select[data-user-switcher]', user);
  const openChannel = (id: string) => page.click(`[data-sidebar] [data-channel="${id}"]`);
  const type = async (text: string) => {
    await page.fill('[data-open-channel] textarea[data-composer]', text);
    await page.press('[data-open-channel] textarea[data-composer]', 'Enter');
  };

  it('opens on #team with the requester selected and a welcome naming the demo snapshots', async () => {
    expect(await page.locator('select[data-user-switcher]').inputValue()).toBe('U0REQUESTER');
    const parts = await page.$$eval('select[data-user-switcher] option', (os) =>
      os.map((o) => o.getAttribute('data-part')),
    );
    expect(parts).toEqual(['requester', 'approver', 'approver', 'stranger']);
    const welcome = page.locator('[data-channel="C0TEAM"][data-message-ts]').first();
    await expect.poll(() => welcome.locator('code').allTextContents()).toContain('snap-0a0000000000000a1');
  });

  it('files a request, approves it as an approver and shows it completed with its progress', async () => {
    await type('/snapshot-copy snap-0a0000000000000a1 to us-west-2');
    const receipt = page.locator('[data-ephemeral]', { hasText: 'R-1' });
    await receipt.waitFor({ timeout: 15_000 });
    expect(await receipt.textContent()).toContain('Only visible to you');

    await as('U0APPROVER1');
    await openChannel('C0APPROVALS');
    const approve = page.locator('[data-open-channel="C0APPROVALS"] button[data-action-id="approve_copy"]');
    await approve.waitFor();
    expect(await approve.getAttribute('data-value')).toBe('R-1');
    await approve.click();
    await page.locator('[data-open-channel="C0APPROVALS"]', { hasText: 'Approved by' }).waitFor();
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'playground-approval-card.png') });

    await openChannel('C0TEAM');
    const request = page.locator('[data-open-channel="C0TEAM"] [data-message-ts]', {
      hasText: 'R-1 · 1 copy',
    });
    await request.locator('text=copying').first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, 'playground-copying.png') });
    await request.locator('text=State: completed').waitFor({ timeout: 20_000 });
    await request.locator('[data-open-thread]').click();
    await page.locator('[data-thread-pane] [data-thread-ts]', { hasText: 'copied to us-west-2' }).waitFor();
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'playground-approved.png') });
  }, 60_000);

  it("refuses a stranger's click privately", async () => {
    await as('U0REQUESTER');
    await openChannel('C0TEAM');
    await type('/snapshot-copy snap-0c0000000000000c1 to us-west-2');
    await page.locator('[data-ephemeral]', { hasText: 'R-2' }).waitFor({ timeout: 15_000 });
    await as('U0STRANGER');
    await openChannel('C0APPROVALS');
    await page.locator('button[data-action-id="approve_copy"][data-value="R-2"]').click();
    const refusal = page.locator('[data-open-channel="C0APPROVALS"] [data-ephemeral]');
    await refusal.last().waitFor();
    const text = (await refusal.last().textContent()) ?? '';
    expect(text).toContain('Only visible to you');
    expect(text).toMatch(/Only configured approvers/);
    const ts = await refusal.last().getAttribute('data-message-ts');
    await as('U0APPROVER1');
    await page.locator('[data-open-channel="C0APPROVALS"]').waitFor();
    expect(await page.locator(`[data-message-ts="${ts}"]`).count()).toBe(0);
  }, 30_000);

  it('rejects a request as an approver through the reason form: the card shows who rejected it and why', async () => {
    await as('U0APPROVER2');
    await openChannel('C0APPROVALS');
    await page.locator('button[data-action-id="reject_copy"][data-value="R-2"]').click();
    const form = page.locator('[data-modal]').last();
    await form.waitFor();
    await form
      .locator('[data-block-id="reject_reason"] textarea, [data-block-id="reject_reason"] input')
      .first()
      .fill('wrong Region');
    await form.locator('button[data-modal-submit]').click();
    const card = page.locator('[data-open-channel="C0APPROVALS"] [data-message-ts]', { hasText: 'R-2' });
    await expect
      .poll(async () => (await card.allTextContents()).join(' '), { timeout: 10_000 })
      .toMatch(/Rejected by[\s\S]*Reason: wrong Region/);
    await page.screenshot({ path: join(SHOTS, 'playground-rejected.png') });
  }, 30_000);

  it('shows field errors on the form, then files the corrected request', async () => {
    await as('U0REQUESTER');
    await openChannel('C0TEAM');
    await type('/snapshot-copy');
    const modal = page.locator('[data-modal]').last();
    await modal.waitFor();
    // An empty required field is marked by the page itself, without submitting.
    await modal.locator('button[data-modal-submit]').click();
    expect(await modal.locator('[data-block-error="sources"]').textContent()).not.toBe('');
    await modal.locator('[data-block-id="sources"] input').fill('snap-nothex');
    await modal.locator('[data-block-id="destination_regions"] select').selectOption(['us-west-2']);
    await modal.locator('button[data-modal-submit]').click();
    await expect
      .poll(() => page.locator('[data-modal] [data-block-error="sources"]').last().textContent())
      .toMatch(/snap/);
    expect(await page.locator('[data-modal] [data-block-id="sources"] input').last().inputValue()).toBe(
      'snap-nothex',
    );
    await page.screenshot({ path: join(SHOTS, 'playground-form-error.png') });
    await page.locator('[data-modal] [data-block-id="sources"] input').last().fill('snap-0b0000000000000b1');
    await page
      .locator('[data-modal] [data-block-id="source_region"] select')
      .last()
      .selectOption('us-west-2');
    await page
      .locator('[data-modal] [data-block-id="destination_regions"] select')
      .last()
      .selectOption(['us-east-1']);
    await page.locator('[data-modal] button[data-modal-submit]').last().click();
    await page.locator('[data-modal]').waitFor({ state: 'detached' });
    await page.locator('[data-ephemeral]', { hasText: 'R-3' }).waitFor({ timeout: 15_000 });
  }, 30_000);

  it('opens the App Home with the viewer’s requests', async () => {
    await page.click('[data-sidebar] [data-tab="home"]');
    await page.locator('[data-home]', { hasText: 'R-1' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, 'playground-home.png') });
  }, 20_000);

  it('files every example command of the welcome message as written', async () => {
    const welcome = pg.slack.messages.find((m) => m.channel === 'C0TEAM' && !m.ephemeralFor);
    const commands = [...JSON.stringify(welcome?.blocks).matchAll(/`(\/snapshot-copy [^`]+ to [^`]+)`/g)].map(
      (m) => m[1]!,
    );
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const command of commands) {
      const before = pg.slack.messages.length;
      await pg.slack.command('U0REQUESTER', 'C0TEAM', command);
      await expect
        .poll(
          () =>
            pg.slack.messages
              .slice(before)
              .filter((m) => m.ephemeralFor === 'U0REQUESTER')
              .map((m) => m.text)
              .join(' '),
          { timeout: 15_000 },
        )
        .toMatch(/Filed \*R-\d+\*/);
    }
  }, 60_000);

  it('answers unknown Web API methods as Slack does', async () => {
    const res = await fetch(`${pg.slack.apiUrl}no.such.method`, { method: 'POST' });
    expect(await res.json()).toEqual({ ok: false, error: 'unknown_method' });
  });
});

import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { ARM_MS } from '../../web/src/agent/armed.js';
import { customer, settings, supervisorApi } from '../dialer/helpers.js';
import { launchBrowser, pageProblems, screenshot } from '../harness/browser.js';
import { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';
import { LocalSmsc } from '../harness/smsc.js';
import { CHINESE_DISPOSITIONS, type Person, signIn, startAgentScreenService } from './helpers.js';

/**
 * SMS on the agent's screen, on the real service, PBX, Redis and a local SMSC: after a sale the agent
 * sends the confirmation template to the customer (filled by the service with the name and the sale),
 * sees it delivered when the SMSC's receipt comes, then sees the customer's "退订" reply and its opt-out;
 * a reply from a number that is none of the agent's customers never reaches the screen.
 */

const AGENT = 'web-sms-a1';
const TEMPLATE = {
  id: 'sale-confirmation',
  label: '发送确认短信',
  text: '{{name}}您好，您订购的{{fields.saleProduct}}（{{fields.saleAmount}}元）已确认，感谢支持。回TD退订',
};

let browser: Browser;
let service: Service;
let smsc: LocalSmsc;
let person: Person;
const far = new FarEnd();
let problems: string[] = [];

beforeAll(async () => {
  if (!existsSync('web/dist/index.html')) throw new Error('web/dist is not built: run npm run build:web');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  await far.connect();
  smsc = new LocalSmsc();
  await smsc.listen();
  process.env.TEST_WEB_SMSC_PASSWORD = 'not-logged';
  ({ service, person } = await startAgentScreenService(AGENT, {
    sms: {
      enabled: true,
      defaultProvider: 'smsc',
      providers: {
        smsc: {
          kind: 'smpp',
          url: smsc.url,
          systemId: 'cc',
          passwordEnv: 'TEST_WEB_SMSC_PASSWORD',
          sourceAddr: '10690000',
          ratePerSecond: 10,
        },
      },
      agentTemplates: [TEMPLATE],
    },
  }));
});
afterEach(async () => {
  await service?.stop();
  await smsc?.close();
  await far.close();
  delete process.env.TEST_WEB_SMSC_PASSWORD;
  const found = problems;
  problems = [];
  expect(found).toEqual([]);
});

const text = async (page: Page, testId: string) =>
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
  (await page.getByTestId(testId).first().innerText()).trim();

/** One lead, called and disposed as a sale; the agent is then ready with nothing more to call. */
async function afterASale(english: boolean): Promise<{ page: Page; phone: string }> {
  const sup = supervisorApi(service);
  const created = await sup.post('/v1/campaigns', {
    id: 'c1',
    name: '宽带续约',
    settings: settings({
      dispositions: CHINESE_DISPOSITIONS.slice(0, 2),
      pacing: {
        previewSec: 120,
        onPreviewTimeout: 'dial',
        noAnswerSec: 20,
        maxConcurrent: 5,
        maxPerAgentHour: 100,
        dailyCap: 100,
      },
    } as Parameters<typeof settings>[0]),
  });
  expect(created.statusCode, created.body).toBe(201);
  expect((await sup.post('/v1/campaigns/c1/state', { state: 'active' })).statusCode).toBe(200);
  const phone = customer.answers();
  service.store.leads.insertMany([
    {
      id: 'lead-1',
      campaignId: 'c1',
      importId: null,
      phone,
      name: '张伟',
      fields: {},
      createdAt: Date.now(),
    },
  ]);

  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  // "No lead now" is a 404 (NO_PREVIEW) Chromium logs as a failed resource.
  problems = pageProblems(page, [/status of 404/]);
  await page.goto(service.url);
  if (english) await page.getByTestId('language-switch').getByText('English').click();
  expect(await signIn(page, person)).toBe(200);
  await page.getByTestId('agent-screen').waitFor();
  await page.locator('[data-testid=live-indicator][data-status=connected]').first().waitFor();
  await page.getByTestId('move-login').click();
  await page.locator('[data-testid=agent-state][data-state=not-ready]').waitFor();
  await page.getByTestId('move-ready').click();
  await page.locator('[data-testid=preview-card][data-phase=preview]').waitFor();
  // Before any call, nothing to text.
  expect(await page.getByTestId('sms-send').count()).toBe(0);
  // A button that just appeared ignores clicks for a moment (the end of a double click meant for another).
  await page.waitForTimeout(ARM_MS + 100);
  await page.getByTestId('preview-accept').click();
  await page.locator('[data-testid=call-panel][data-state=talking]').waitFor({ timeout: 15_000 });
  // On the call the template is offered already.
  await page.getByTestId('sms-send').waitFor();
  await page.waitForTimeout(ARM_MS + 100);
  await page.getByTestId('call-hangup').click();
  await page.getByTestId('disposition-form').waitFor();
  await page.getByTestId('disposition-codes').locator('[data-code=sale]').click();
  await page.getByTestId('sale-amount').locator('input').fill('1299.50');
  await page.getByTestId('sale-product').fill('光纤 300M 两年');
  await page.getByTestId('disposition-submit').click();
  await eventually(
    () => service.store.attempts.forLead('lead-1')[0]?.state === 'disposed',
    'the sale disposed',
  );
  await page.getByTestId('idle').waitFor();
  return { page, phone };
}

describe("SMS on the agent's screen", () => {
  it('sends the confirmation after a sale, shows it delivered, then the customer’s 退订 reply (zh-CN)', async () => {
    const { page, phone } = await afterASale(false);
    // The next-lead area still offers the confirmation to the customer just called (number masked).
    const to = await text(page, 'sms-to');
    expect(to).toContain('张伟');
    expect(to).not.toContain(phone.slice(-8));
    await page.getByTestId('sms-send').click();
    await page.locator('[data-testid=sms-message][data-state=delivered]').waitFor({ timeout: 15_000 });
    expect(await text(page, 'sms-message-state')).toBe('已送达');
    expect(await text(page, 'sms-message')).toContain(
      '张伟您好，您订购的光纤 300M 两年（1299.50元）已确认，感谢支持。回TD退订',
    );
    expect(smsc.submits.get(phone.replace(/^\+/, ''))).toBe(1);
    await screenshot(page, 'agent-sms-sent-zh');

    // Someone else's reply (no lead of this agent's) does not reach this screen; the customer's does.
    smsc.reply('+8613900139000', 'STOP');
    smsc.reply(phone, '退订');
    await page.getByTestId('sms-reply').waitFor({ timeout: 10_000 });
    expect(await text(page, 'sms-reply-text')).toBe('退订');
    expect(await text(page, 'sms-reply-opted-out')).toBe('已退订短信');
    const reply = await text(page, 'sms-reply');
    expect(reply).toMatch(/客户 \S*\*+\d{4} 回复短信/);
    expect(reply).not.toContain(phone.slice(-8));
    await eventually(() => service.store.sms.isOptedOut(phone), 'the number opted out');
    await page.waitForTimeout(500);
    expect(await page.getByTestId('sms-reply').count()).toBe(1);
    await screenshot(page, 'agent-sms-reply-zh');

    // Sent again now, it is not: the customer opted out.
    await page.getByTestId('sms-send').click();
    await page.locator('[data-testid=sms-message][data-state=skipped]').waitFor({ timeout: 10_000 });
    expect(await text(page, 'sms-message')).toContain('客户已退订短信');
    await page.close();
  });

  it('in English: the confirmation delivered', async () => {
    const { page } = await afterASale(true);
    await page.getByTestId('sms-send').click();
    await page.locator('[data-testid=sms-message][data-state=delivered]').waitFor({ timeout: 15_000 });
    expect(await text(page, 'sms-message-state')).toBe('Delivered');
    expect(await text(page, 'sms-to')).toMatch(/^To 张伟 /);
    await screenshot(page, 'agent-sms-sent-en');
    await page.close();
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { launchBrowser, pageProblems, screenshot } from '../harness/browser.js';
import { tempDir } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';
import { createAccount, type Person, signIn } from './helpers.js';

/**
 * The fax page in a real browser against the real service and PBX: a 2-page PDF sent through the page to
 * the service's own fax number (audio over a Local channel, as test/fax/fax.test.ts), seen going out and
 * coming in live without a reload, the received PDF downloaded; a non-PDF refused with the explanation.
 */

/** The fax spool of the test PBX as this process sees it (Asterisk: /var/spool/asterisk/fax). */
const pbxFaxSpool = () =>
  join(process.env.PBX_CACHE_DIR || '/var/cache/callcenter-pbx', 'root', 'var/spool/asterisk/fax');

const dir = tempDir();
// A number of its own per run: the service's fax number, dialed through from-callers like a trunk.
const faxNumber = `493027${String(Date.now() % 1_000_000).padStart(6, '0')}`;
let browser: Browser;
let service: Service;
let supervisor: Person;
let qa: Person;
const contexts: BrowserContext[] = [];
const problems: string[][] = [];

/** A PDF of two pages, each a big numeral (little ink: quick to fax). */
function twoPagePdf(): string {
  const ps = join(dir, 'two.ps');
  writeFileSync(
    ps,
    '%!PS\n/Helvetica-Bold findfont 300 scalefont setfont\n1 1 2 { /n exch def 150 300 moveto n 3 string cvs show showpage } for\n',
  );
  const pdf = join(dir, 'two-pages.pdf');
  execFileSync('gs', ['-q', '-dSAFER', '-sDEVICE=pdfwrite', '-sPAPERSIZE=a4', '-o', pdf, ps]);
  return pdf;
}

beforeAll(async () => {
  if (!existsSync('web/dist/index.html')) {
    throw new Error('web/dist is not built: run npm run build:web (npm test does before vitest)');
  }
  service = await startTestService({
    ivr: { timezone: 'Asia/Shanghai' },
    fax: {
      lines: 2,
      numbers: [faxNumber],
      dialString: 'Local/{digits}@from-callers',
      spool: { dir: pbxFaxSpool() },
      dir: join(dir, 'faxes'),
      retry: { attempts: 1 },
    },
  });
  supervisor = await createAccount(service, { username: 'sup.liu', role: 'supervisor' });
  qa = await createAccount(service, { username: 'qa.chen', role: 'qa' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  for (const found of problems.splice(0)) expect(found).toEqual([]);
});

async function openPage(expectedErrors: RegExp[] = []): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  problems.push(pageProblems(page, expectedErrors));
  await page.goto(service.url);
  return page;
}

async function openFaxPage(expectedErrors: RegExp[] = []): Promise<Page> {
  const page = await openPage(expectedErrors);
  expect(await signIn(page, supervisor)).toBe(200);
  await page.getByTestId('nav-fax').click();
  await page.getByTestId('fax-send').waitFor();
  // The list has loaded (empty or not) and the live stream is up.
  await page.getByTestId('fax-table').waitFor();
  await page.locator('[data-testid=live-indicator][data-status=connected]').first().waitFor();
  return page;
}

const text = async (page: Page, testId: string) =>
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as a person sees it
  (await page.getByTestId(testId).first().innerText()).trim();

/**
 * Chooses the file and presses send: answers the status of POST /v1/faxes (Chromium does not keep the
 * answer's body of an upload for the inspector: the page shows what came back).
 */
async function send(page: Page, number: string, file: Parameters<Page['setInputFiles']>[1]) {
  await page.getByTestId('fax-number').fill(number);
  await page.getByTestId('fax-file').setInputFiles(file);
  const answer = page.waitForResponse(
    (res) => new URL(res.url()).pathname === '/v1/faxes' && res.request().method() === 'POST',
  );
  await page.getByTestId('fax-submit').click();
  return (await answer).status();
}

describe('the fax page', () => {
  it.skipIf(!existsSync(pbxFaxSpool()))(
    'sends a 2-page PDF to its own number: sent and received live, the received PDF downloaded',
    async () => {
      const page = await openFaxPage();
      await screenshot(page, 'fax-page-zh');
      // A mark on the window: gone if the page reloads.
      await page.evaluate(() => {
        (globalThis as unknown as { faxMark: number }).faxMark = 1;
      });
      expect(await send(page, `+${faxNumber}`, twoPagePdf())).toBe(202);
      const out = page.locator('[data-direction=out]');
      await out.waitFor();
      const outId = (await out.getAttribute('data-testid'))?.replace('fax-state-', '') as string;
      await page.locator(`[data-testid=fax-state-${outId}][data-state=sent]`).waitFor({ timeout: 150_000 });
      expect(await text(page, `fax-pages-${outId}`)).toBe('2 / 2');
      expect(await text(page, `fax-state-${outId}`)).toBe('已发送');
      const inbound = page.locator('[data-direction=in][data-state=stored]');
      await inbound.waitFor({ timeout: 150_000 });
      const inId = (await inbound.getAttribute('data-testid'))?.replace('fax-state-', '') as string;
      await expect.poll(() => text(page, `fax-pages-${inId}`)).toBe('2 / 2');
      expect(await text(page, `fax-state-${inId}`)).toBe('已收到');
      expect(await page.evaluate(() => (globalThis as unknown as { faxMark?: number }).faxMark)).toBe(1);
      // The full number never reaches the page.
      expect(await page.content()).not.toContain(faxNumber);
      await screenshot(page, 'fax-sent-zh');

      const download = page.waitForEvent('download');
      await page.getByTestId(`fax-download-${inId}`).click();
      const saved = join(dir, 'downloaded.pdf');
      await (await download).saveAs(saved);
      expect(execFileSync('pdfinfo', [saved]).toString()).toMatch(/^Pages:\s+2$/m);
    },
    320_000,
  );

  it('refuses a file that is not a PDF with the explanation next to the form, and keeps nothing', async () => {
    const sent = () => service.fax.search({ direction: 'out', limit: 500, offset: 0 }).total;
    const before = sent();
    const page = await openFaxPage([/status of 400/]);
    const note = { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('这不是传真\n') };
    expect(await send(page, '+861055550100', note)).toBe(400);
    expect(await text(page, 'fax-refusal')).toBe('这不是 PDF 或 TIFF 文件。请先转换成 PDF 再发送。');
    await screenshot(page, 'fax-refused-zh');
    expect(sent()).toBe(before);
  });

  it('speaks English', async () => {
    const page = await openFaxPage([/status of 400/]);
    await page.getByTestId('language-switch').getByText('English').click();
    await page.locator('html[lang=en]').waitFor();
    expect(await text(page, 'nav-fax')).toBe('Fax');
    expect(await send(page, 'not a number', twoPagePdf())).toBe(400);
    expect(await text(page, 'fax-refusal')).toBe(
      'This fax number is not recognized. Check the area code and number.',
    );
    await screenshot(page, 'fax-page-en');
  });

  it('is not for QA: no link, and the address leads home', async () => {
    const page = await openPage();
    expect(await signIn(page, qa)).toBe(200);
    await page.getByTestId('welcome').waitFor();
    expect(await page.getByTestId('nav-fax').count()).toBe(0);
    await page.goto(`${service.url}/fax`);
    await page.getByTestId('welcome').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FaxInputError } from '../../src/fax/convert.js';
import type { Service } from '../../src/service.js';
import type { FaxRecord } from '../../src/store/index.js';
import { eventually, infra, tempDir } from '../harness/infra.js';
import { startTestService } from '../harness/service.js';

/** The fax spool of the test PBX as this process sees it (Asterisk: /var/spool/asterisk/fax). */
function pbxFaxSpool(): string {
  const cache = process.env.PBX_CACHE_DIR || '/var/cache/callcenter-pbx';
  return join(cache, 'root', 'var/spool/asterisk/fax');
}

/** A PDF of `pages` pages, each a big distinct numeral (little ink: quick to fax). */
function makePdf(dir: string, pages: number, extra: string[] = []): string {
  const ps = join(dir, `doc-${pages}.ps`);
  writeFileSync(
    ps,
    `%!PS\n/Helvetica-Bold findfont 300 scalefont setfont\n1 1 ${pages} { /n exch def 150 ${300} moveto n 3 string cvs show showpage } for\n`,
  );
  const pdf = join(dir, `doc-${pages}-${extra.length ? 'x' : 'p'}.pdf`);
  execFileSync('gs', ['-q', '-dSAFER', '-sDEVICE=pdfwrite', '-sPAPERSIZE=a4', ...extra, '-o', pdf, ps]);
  return pdf;
}

/** Each page rendered small and grey: one array of pixel values per page. */
function pagesAsPixels(pdf: string, dir: string, tag: string): Uint8Array[] {
  const prefix = join(dir, tag);
  execFileSync('pdftoppm', ['-gray', '-scale-to-x', '60', '-scale-to-y', '85', pdf, prefix]);
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${tag}-`) && f.endsWith('.pgm'))
    .sort()
    .map((f) => {
      const raw = readFileSync(join(dir, f));
      // P5 header: magic, width height, maxval, then the pixels.
      let lines = 0;
      let i = 0;
      while (lines < 3) if (raw[i++] === 0x0a) lines++;
      return raw.subarray(i);
    });
}

function difference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}

const ink = (page: Uint8Array) => page.filter((v) => v < 128).length / page.length;

async function ariChannels(): Promise<{ id: string; dialplan?: { context: string } }[]> {
  const { url, username, password } = infra().ari;
  const res = await fetch(`${url}/ari/channels`, {
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  return (await res.json()) as { id: string; dialplan?: { context: string } }[];
}

async function hangUp(channelId: string): Promise<void> {
  const { url, username, password } = infra().ari;
  await fetch(`${url}/ari/channels/${encodeURIComponent(channelId)}`, {
    method: 'DELETE',
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
}

const sendingChannels = async () =>
  (await ariChannels()).filter((c) => c.dialplan?.context === 'cc-fax-send');

describe('fax on the real PBX (audio over Local channels, to its own number)', () => {
  let service: Service | undefined;
  const dir = tempDir();
  // A number of its own per run: the service's fax number, dialed through from-callers like a trunk.
  const faxNumber = `493026${String(Date.now() % 1_000_000).padStart(6, '0')}`;

  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  const start = (lines = 4, attempts = 1) =>
    startTestService({
      fax: {
        lines,
        numbers: [faxNumber],
        dialString: 'Local/{digits}@from-callers',
        spool: { dir: pbxFaxSpool() },
        dir: join(dir, `faxes-${Math.random().toString(36).slice(2)}`),
        retry: { attempts },
      },
    });

  const received = (s: Service, n: number) =>
    eventually(
      () => {
        const { items } = s.fax.search({ direction: 'in', limit: 50, offset: 0 });
        return items.length >= n && items.every((f) => f.state === 'stored' || f.state === 'failed')
          ? items
          : undefined;
      },
      `${n} faxes received`,
      150_000,
    );

  const settled = (s: Service, id: string, timeoutMs = 150_000) =>
    eventually(
      () => {
        const f = s.fax.get(id);
        return f && (f.state === 'sent' || f.state === 'failed') ? f : undefined;
      },
      'fax settled',
      timeoutMs,
    );

  it.skipIf(!existsSync(pbxFaxSpool()))(
    'sends a 3-page PDF to its own number; the received PDF has the same 3 pages',
    async () => {
      service = await start();
      const pdf = makePdf(dir, 3);
      const out = await service.fax.send({
        body: readFileSync(pdf),
        number: `+${faxNumber}`,
        fileName: 'three.pdf',
      });
      expect(out).toMatchObject({ direction: 'out', state: 'queued', pages: 3 });
      expect(out.numberMasked).not.toContain(faxNumber);
      const sent = await settled(service, out.id);
      expect(sent).toMatchObject({ state: 'sent', pagesDone: 3, attempts: 1, error: null });
      await eventually(() => !existsSync(join(pbxFaxSpool(), `${out.id}.tiff`)), 'sent TIFF removed');
      const [inbound] = await received(service, 1);
      expect(inbound).toMatchObject({ state: 'stored', pages: 3, pagesDone: 3 });
      const file = await service.fax.pdfFile(inbound as FaxRecord);
      expect(file).toBeDefined();
      const info = execFileSync('pdfinfo', [file as string]).toString();
      expect(info).toMatch(/^Pages:\s+3$/m);

      const original = pagesAsPixels(pdf, dir, 'sent');
      const got = pagesAsPixels(file as string, dir, 'got');
      expect(got).toHaveLength(3);
      for (let i = 0; i < 3; i++) {
        expect(ink(got[i] as Uint8Array)).toBeGreaterThan(0.005);
        // Each received page is closest to the page sent in its place.
        const distances = original.map((page) => difference(got[i] as Uint8Array, page));
        expect(distances.indexOf(Math.min(...distances))).toBe(i);
      }
    },
    200_000,
  );

  it.skipIf(!existsSync(pbxFaxSpool()))(
    'five faxes at once on four lines: the fifth waits for a free line',
    async () => {
      service = await start(4);
      const pdf = readFileSync(makePdf(dir, 1));
      let most = 0;
      let polling = true;
      const poll = (async () => {
        while (polling) {
          most = Math.max(most, (await sendingChannels()).length);
          await new Promise((r) => setTimeout(r, 150));
        }
      })();
      const faxes = await Promise.all(
        Array.from({ length: 5 }, () => service!.fax.send({ body: pdf, number: `+${faxNumber}` })),
      );
      // The fifth is left waiting (converted, no line free) while four are on the lines.
      const states = () => faxes.map((f) => service!.fax.get(f.id)?.state);
      await eventually(
        () => {
          const now = states();
          return now.filter((s) => s === 'sending').length === 4 && now.includes('waiting');
        },
        'four sending, one waiting',
        30_000,
      );
      expect(states().filter((s) => s === 'sending')).toHaveLength(4);
      const results = [];
      for (const f of faxes) results.push(await settled(service, f.id));
      polling = false;
      await poll;
      expect(results.map((r) => r.state)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(4);
    },
    240_000,
  );

  it.skipIf(!existsSync(pbxFaxSpool()))(
    'a fax dropped after its first page is failed with the pages sent, and the line is free',
    async () => {
      service = await start(1, 1);
      const spool = pbxFaxSpool();
      const out = await service.fax.send({ body: readFileSync(makePdf(dir, 3)), number: `+${faxNumber}` });
      // The receiving side writes each page to its TIFF when the page is complete.
      const tiff = await eventually(
        () => {
          const inbound = service!.fax.search({ direction: 'in', limit: 1, offset: 0 }).items[0];
          const path = inbound && join(spool, `${inbound.id}-in.tiff`);
          return path && existsSync(path) && statSync(path).size > 500 ? path : undefined;
        },
        'first page received',
        90_000,
      );
      expect(tiff).toBeDefined();
      // The receiver writes a page before it confirms it; the sender counts it once confirmed (a second
      // or so later). Drop the call into the second page, after that.
      await new Promise((r) => setTimeout(r, 2_500));
      const [channel] = await sendingChannels();
      await hangUp((channel as { id: string }).id);
      const failed = await settled(service, out.id);
      expect(failed.state).toBe('failed');
      expect(failed.pagesDone).toBeGreaterThanOrEqual(1);
      expect(failed.pagesDone).toBeLessThan(3);
      expect(failed.error).toMatch(/failed after \d pages/);
      expect(service.fax.linesInUse).toBe(0);
      await eventually(() => !existsSync(join(spool, `${out.id}.tiff`)), 'failed TIFF removed');
      // What arrived is kept: the received fax is failed, with its pages as PDF.
      const [inbound] = await received(service, 1);
      expect(inbound).toMatchObject({ state: 'failed' });
      expect(inbound?.pages).toBeGreaterThanOrEqual(1);
    },
    200_000,
  );

  it.skipIf(!existsSync(pbxFaxSpool()))(
    'refuses a non-PDF and an encrypted PDF, keeping nothing',
    async () => {
      service = await start();
      const refused = async (body: Buffer) =>
        service!.fax.send({ body, number: `+${faxNumber}` }).then(
          () => undefined,
          (err: unknown) => err,
        );
      const notPdf = await refused(Buffer.from('hello, this is a text file\n'));
      expect(notPdf).toBeInstanceOf(FaxInputError);
      expect(notPdf).toMatchObject({ code: 'FAX_NOT_A_DOCUMENT' });
      const encrypted = readFileSync(makePdf(dir, 1, ['-sOwnerPassword=owner', '-sUserPassword=user']));
      expect(await refused(encrypted)).toMatchObject({ code: 'FAX_ENCRYPTED' });
      expect(await refused(readFileSync(makePdf(dir, 1)))).toBeUndefined();
      expect(service.fax.search({ limit: 10, offset: 0 }).total).toBe(1);
    },
  );
});

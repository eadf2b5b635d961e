import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  failInterruptedImports,
  LeadImporter,
  type LeadImportOptions,
  MAX_IMPORT_BATCH,
  removeStaleUploads,
} from '../../src/leads/import.js';
import { CsvInputError, CsvTooLargeError } from '../../src/lib/csv-source.js';
import { openStore, type Store } from '../../src/store/index.js';

const T0 = Date.UTC(2026, 2, 2, 8);

let dir: string;
let store: Store;
let importer: LeadImporter;
let logs: string[];

function campaign(id: string) {
  store.campaigns.create({ id, name: id, state: 'active', settings: '{}', createdAt: T0, updatedAt: T0 });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cc-lead-import-'));
  store = openStore(join(dir, 'db.sqlite'));
  logs = [];
  importer = new LeadImporter({
    store,
    logger: pino({ level: 'debug' }, { write: (line: string) => logs.push(line) }),
    defaultCountry: 'DE',
    now: () => T0,
  });
  campaign('spring');
  campaign('autumn');
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const opts = (extra: Partial<LeadImportOptions> = {}): LeadImportOptions => ({
  campaignId: 'spring',
  listName: 'week 10',
  mapping: { phone: 'Telefon', name: 'Name', fields: { city: 'Ort', tariff: 'Tarif' } },
  by: 'sup',
  ...extra,
});

const leadsOf = (campaignId: string) => store.leads.list({ campaignId, limit: 1000, offset: 0 });

/** Bytes of `text` in chunks of `size`, as a network upload arrives. */
const upload = (text: string, size = 7) => {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks);
};

const LIST = [
  'Name,Telefon,Ort,Tarif', // 1
  'Anna Müller,030 12345678,Berlin,basic', // 2 good
  '"Schmidt, Bernd",+49 30 22334455,"Hamburg, Altona",', // 3 good, empty tariff
  'Carla,12,Köln,basic', // 4 invalid phone
  'Dieter,,Bonn,basic', // 5 no phone
  'Erika,030 33445566', // 6 missing columns
  'Frank,0049 30 12345678,Berlin,premium', // 7 duplicate of line 2
  'Gerd,030 44556677,Essen,basic', // 8 global DNC
  'Hanna,030 55667788,Ulm,basic', // 9 campaign DNC
  'Ida,030 66778899,Kiel,basic', // 10 DNC of another campaign: imported
  `${'x'.repeat(201)},030 77889900,Kiel,basic`, // 11 name too long
  'Jan,"030 8899 0011",Trier,"multi', // 12 quoted line break, good
  'line note"', // (13)
  'Karl,call me,Mainz,basic', // 14 letters
  'Lena,030 99001122,Jena,basic,', // 15 one empty cell too many: fine
  'Max,030 10203040,Gera,basic,extra', // 16 one cell too many
].join('\r\n');

describe('LeadImporter', () => {
  it('imports every good row and reports every other one with its line, kind, reason and raw text', async () => {
    store.dnc.addMany(
      [
        { scope: 'global', phone: '+493044556677', reason: null, by: 'x' },
        { scope: 'spring', phone: '+493055667788', reason: null, by: 'x' },
        { scope: 'autumn', phone: '+493066778899', reason: null, by: 'x' },
      ],
      T0,
    );
    const record = await importer.import(upload(LIST), opts());

    expect(record).toMatchObject({
      campaignId: 'spring',
      listName: 'week 10',
      status: 'done',
      rowsRead: 14,
      imported: 5,
      rejected: 6,
      duplicates: 1,
      dnc: 2,
      error: null,
      by: 'sup',
      startedAt: T0,
      finishedAt: T0,
    });
    expect(record.imported + record.rejected + record.duplicates + record.dnc).toBe(record.rowsRead);

    const leads = leadsOf('spring');
    expect(leads.map((l) => [l.phone, l.name, l.fields])).toEqual([
      ['+493012345678', 'Anna Müller', { city: 'Berlin', tariff: 'basic' }],
      ['+493022334455', 'Schmidt, Bernd', { city: 'Hamburg, Altona' }],
      ['+493066778899', 'Ida', { city: 'Kiel', tariff: 'basic' }],
      ['+493088990011', 'Jan', { city: 'Trier', tariff: 'multi\r\nline note' }],
      ['+493099001122', 'Lena', { city: 'Jena', tariff: 'basic' }],
    ]);
    expect(leads.every((l) => l.state === 'new' && l.importId === record.id && l.teamId === null)).toBe(true);

    const errors = store.leadImports.errors(record.id);
    expect(errors.map((e) => [e.line, e.kind])).toEqual([
      [4, 'invalid'],
      [5, 'invalid'],
      [6, 'invalid'],
      [7, 'duplicate'],
      [8, 'dnc'],
      [9, 'dnc'],
      [11, 'invalid'],
      [14, 'invalid'],
      [16, 'invalid'],
    ]);
    const byLine = new Map(errors.map((e) => [e.line, e]));
    expect(byLine.get(4)).toEqual({
      line: 4,
      kind: 'invalid',
      reason: 'phone: not a valid number for DE: too short',
      raw: 'Carla,12,Köln,basic',
    });
    expect(byLine.get(5)!.reason).toBe('phone: phone number is empty');
    expect(byLine.get(6)!.reason).toBe('2 cells where the header has 4');
    expect(byLine.get(7)!.reason).toBe('same number as line 2');
    expect(byLine.get(8)!.reason).toBe('the number is on the global do-not-call list');
    expect(byLine.get(9)!.reason).toBe("the number is on the campaign's do-not-call list");
    expect(byLine.get(11)!.reason).toBe('name longer than 200 characters');
    expect(byLine.get(14)!.reason).toMatch(/^phone: not a phone number/);
    expect(byLine.get(16)).toMatchObject({
      reason: '5 cells where the header has 4',
      // Phone-like digit runs are masked in the report: it may outlive the leads a purge deletes.
      raw: 'Max,*** ****3040,Gera,basic,extra',
    });
  });

  it('counts a number already in the campaign from an earlier import as a duplicate, naming the list', async () => {
    const first = await importer.import(
      'phone\n030 12345678\n030 22334455\n',
      opts({ mapping: { phone: 'phone' } }),
    );
    expect(first.imported).toBe(2);
    const second = await importer.import(
      'phone\n030 22334455\n030 33445566\n',
      opts({ listName: 'week 11', mapping: { phone: 'phone' } }),
    );
    expect(second).toMatchObject({ status: 'done', rowsRead: 2, imported: 1, duplicates: 1 });
    expect(store.leadImports.errors(second.id)).toEqual([
      {
        line: 2,
        kind: 'duplicate',
        reason: 'the number is already in the campaign (list "week 10")',
        raw: '*** ****4455',
      },
    ]);
    // Another campaign takes the same number.
    const other = await importer.import(
      'phone\n030 22334455\n',
      opts({ campaignId: 'autumn', mapping: { phone: 'phone' } }),
    );
    expect(other.imported).toBe(1);
    expect(leadsOf('spring').map((l) => l.phone)).toEqual([
      '+493012345678',
      '+493022334455',
      '+493033445566',
    ]);
  });

  it('finds a duplicate within the file across batches', async () => {
    const small = new LeadImporter({
      store,
      logger: pino({ level: 'silent' }),
      defaultCountry: 'DE',
      batchSize: 2,
    });
    const record = await small.import(
      upload('phone\n030 12345678\n030 22334455\n030 33445566\n030 12345678\n', 13),
      opts({ mapping: { phone: 'phone' } }),
    );
    expect(record).toMatchObject({ imported: 3, duplicates: 1 });
    expect(store.leadImports.errors(record.id)).toEqual([
      {
        line: 5,
        kind: 'duplicate',
        reason: 'same number as an earlier line of this file',
        raw: '*** ****5678',
      },
    ]);
  });

  it("keeps every other column as a custom field with fields 'rest'", async () => {
    const record = await importer.import(
      'Name;Nummer;Stadt;Vertrag\nAnna;030 12345678;Berlin;;\n',
      opts({ mapping: { phone: 'nummer', name: 'NAME', fields: 'rest' }, delimiter: ';' }),
    );
    expect(record.imported).toBe(1);
    expect(leadsOf('spring')[0]).toMatchObject({ name: 'Anna', fields: { Stadt: 'Berlin' } });
  });

  it('reads Windows-1252 when told', async () => {
    const bytes = Buffer.from('phone,name\n030 12345678,M\u00fcller\n', 'latin1');
    const record = await importer.import(
      Readable.from([bytes]),
      opts({ mapping: { phone: 'phone', name: 'name' }, encoding: 'windows-1252' }),
    );
    expect(record.imported).toBe(1);
    expect(leadsOf('spring')[0]!.name).toBe('Müller');
  });

  it('gives the leads to a team, or an agent, when asked', async () => {
    store.teams.create({ id: 'sales', name: 'Sales' });
    store.agents.create({
      id: 'a1',
      name: 'A1',
      teamId: 'sales',
      role: 'agent',
      endpoint: 'PJSIP/a1',
      lineMode: 'per-call',
      inboundRole: 'none',
    });
    await importer.import('phone\n030 12345678\n', opts({ mapping: { phone: 'phone' }, teamId: 'sales' }));
    await importer.import(
      'phone\n030 22334455\n',
      opts({ mapping: { phone: 'phone' }, teamId: 'sales', agentId: 'a1' }),
    );
    expect(leadsOf('spring').map((l) => [l.teamId, l.agentId])).toEqual([
      ['sales', null],
      ['sales', 'a1'],
    ]);
  });

  it('stores progress after each batch while the rows stream in', async () => {
    const small = new LeadImporter({
      store,
      logger: pino({ level: 'silent' }),
      defaultCountry: 'DE',
      batchSize: 2,
    });
    const progress = vi.spyOn(store.leadImports, 'progress');
    const body = new PassThrough();
    const rows = ['030 12345678', '030 22334455', 'bad', '030 33445566', '030 44556677'];
    body.write('phone\n');
    const started = await small.start(body, opts({ mapping: { phone: 'phone' } }));
    expect(store.leadImports.get(started.id)).toMatchObject({ status: 'running', rowsRead: 0 });

    body.write(`${rows.slice(0, 2).join('\n')}\n`);
    await vi.waitFor(() => expect(store.leadImports.get(started.id)!.rowsRead).toBe(2));
    expect(store.leadImports.get(started.id)).toMatchObject({ status: 'running', imported: 2 });
    expect(leadsOf('spring')).toHaveLength(2);

    body.end(`${rows.slice(2).join('\n')}\n`);
    const record = await started.done;
    expect(record).toMatchObject({ status: 'done', rowsRead: 5, imported: 4, rejected: 1 });
    const seen = progress.mock.calls.map(([, p]) => p.rowsRead);
    expect(seen[0]).toBe(2);
    expect(seen.at(-1)).toBe(5);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('reports a quote never closed at its line, and imports the rows after it', async () => {
    const text = 'phone,name\n030 12345678,Anna\n030 22334455,"Bernd\n030 33445566,Carla\n';
    const record = await importer.import(
      upload(text, 5),
      opts({ mapping: { phone: 'phone', name: 'name' } }),
    );
    expect(record).toMatchObject({ status: 'done', error: null, rowsRead: 3, imported: 2, rejected: 1 });
    expect(leadsOf('spring').map((l) => l.name)).toEqual(['Anna', 'Carla']);
    expect(store.leadImports.errors(record.id)).toEqual([
      { line: 3, kind: 'invalid', reason: 'a quoted field is not closed', raw: '*** ****4455,"Bernd' },
    ]);
  });

  it('reports a row over the row limit with its line, and imports the rows after it', async () => {
    // 20,000 characters, then 3 MB without a line break (which ended the import before), then a row
    // with a stray quote and 1.3 MB of good rows after it (which the quote swallowed).
    const good = (i: number) => `030 ${String(1_000_000 + i).padStart(8, '0')},Lead ${i}`;
    const after = Array.from({ length: 60_000 }, (_, i) => good(100 + i)).join('\n');
    const text = [
      'phone,name',
      good(1),
      `030 12345678,${'x'.repeat(20_000)}`,
      good(2),
      'y'.repeat(3_000_000),
      good(3),
      `030 22334455,"stray quote`,
      after,
    ].join('\n');
    const record = await importer.import(text, opts({ mapping: { phone: 'phone', name: 'name' } }));
    expect(record).toMatchObject({ status: 'done', imported: 60_003, rejected: 3, rowsRead: 60_006 });
    const errors = store.leadImports.errors(record.id);
    expect(errors.map((e) => [e.line, e.reason, e.raw.length])).toEqual([
      [3, 'row longer than 16384 characters', 2_000],
      [5, 'row longer than 16384 characters', 2_000],
      [7, 'row longer than 16384 characters (is a quote not closed?)', '*** ****4455,"stray quote'.length],
    ]);
    expect(leadsOf('spring')).toHaveLength(1_000);
    expect(store.leads.list({ campaignId: 'spring', limit: 1, offset: 60_002 })[0]!.name).toBe('Lead 60099');
  });

  it('refuses a header that does not fit the mapping, recording nothing', async () => {
    await expect(
      importer.import('name,tel\nAnna,030 12345678\n', opts({ mapping: { phone: 'phone' } })),
    ).rejects.toMatchObject({
      code: 'MAPPING_INVALID',
      message: 'The phone column "phone" is not in the header (columns: name, tel)',
    });
    await expect(
      importer.import('phone,x\n1,2\n', opts({ mapping: { phone: 'phone', fields: { city: 'Ort' } } })),
    ).rejects.toMatchObject({
      code: 'MAPPING_INVALID',
      message: expect.stringMatching(/field city column "Ort"/),
    });
    await expect(
      importer.import('phone,,x\n', opts({ mapping: { phone: 'phone', fields: 'rest' } })),
    ).rejects.toMatchObject({
      code: 'MAPPING_INVALID',
      message: expect.stringMatching(/Column 2 has no name/),
    });
    await expect(importer.import('', opts())).rejects.toMatchObject({ code: 'CSV_INVALID' });
    await expect(importer.import('phone\n', opts({ campaignId: 'nope' }))).rejects.toMatchObject({
      code: 'CAMPAIGN_NOT_FOUND',
    });
    expect(store.leadImports.list('spring')).toEqual([]);
  });

  it('fails a file over the size limit', async () => {
    const small = new LeadImporter({
      store,
      logger: pino({ level: 'silent' }),
      defaultCountry: 'DE',
      maxBytes: 40,
    });
    const record = await small.import(
      upload('phone\n030 12345678\n030 22334455\n030 33445566\n', 14),
      opts({ mapping: { phone: 'phone' } }),
    );
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/^the file is larger than 40 bytes/);
    expect(record.imported).toBeGreaterThan(0);
    expect(leadsOf('spring')).toHaveLength(record.imported);
  });

  it('stops running imports on close, and marks imports a dead run left running as failed', async () => {
    const body = new PassThrough();
    body.write('phone\n030 12345678\n');
    const started = await importer.start(body, opts({ mapping: { phone: 'phone' } }));
    expect(importer.running()).toEqual([started.id]);
    await importer.close();
    const record = await started.done;
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/^the service stopped during the import/);
    expect(importer.running()).toEqual([]);

    store.leadImports.start({ id: 'dead', campaignId: 'spring', listName: 'x', by: 'sup', at: T0 });
    expect(failInterruptedImports(store, T0 + 1, dir)).toBe(1);
    expect(store.leadImports.get('dead')).toMatchObject({ status: 'failed', finishedAt: T0 + 1 });
  });

  it('receives an upload into a temporary file first, then imports it in the background and deletes the file', async () => {
    const spoolDir = join(dir, 'spool');
    mkdirSync(spoolDir);
    const spooling = new LeadImporter({
      store,
      logger: pino({ level: 'silent' }),
      defaultCountry: 'DE',
      spoolDir,
    });
    const started = await spooling.receive(upload(LIST), opts());
    expect(store.leadImports.get(started.id)!.status).toBe('running');
    const record = await started.done;
    expect(record).toMatchObject({ status: 'done', imported: 7 });
    await vi.waitFor(() => expect(readdirSync(spoolDir)).toEqual([]));

    // An upload that breaks off, or runs over the limit, records nothing and leaves no file.
    const broken = new Readable({ read() {} });
    broken.push('phone\n030 12345678\n');
    setTimeout(() => broken.destroy(new Error('socket hang up')), 10);
    await expect(spooling.receive(broken, opts({ mapping: { phone: 'phone' } }))).rejects.toBeInstanceOf(
      CsvInputError,
    );
    const small = new LeadImporter({
      store,
      logger: pino({ level: 'silent' }),
      defaultCountry: 'DE',
      spoolDir,
      maxBytes: 10,
    });
    await expect(small.receive(upload(LIST), opts())).rejects.toBeInstanceOf(CsvTooLargeError);
    await expect(
      spooling.receive(upload(LIST), opts({ mapping: { phone: 'Nummer' } })),
    ).rejects.toMatchObject({
      code: 'MAPPING_INVALID',
    });
    expect(store.leadImports.list('spring')).toHaveLength(1);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('writes no phone number to the log', async () => {
    await importer.import(upload(LIST), opts());
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toMatch(/12345678|\+49/);
  });

  it('takes the rows already read when the service stops, and says where it stopped', async () => {
    let closing: Promise<void> | undefined;
    async function* input() {
      yield 'phone\n030 12345678\n';
      closing = importer.close(); // the service stops while this next chunk is on its way
      yield '030 22334455\n030 33445566\n';
    }
    const started = await importer.start(input(), opts({ mapping: { phone: 'phone' } }));
    const record = await started.done;
    await closing;
    expect(record).toMatchObject({ status: 'failed', rowsRead: 3, imported: 3 });
    expect(record.error).toBe(
      'the service stopped during the import; the rows read before line 5 were imported',
    );
  });

  it('reports the rows of a batch it could not write, so that the counts add up, and fails', async () => {
    const small = new LeadImporter({
      store,
      logger: pino({ level: 'silent' }),
      defaultCountry: 'DE',
      batchSize: 2,
    });
    const insert = store.leads.insertMany.bind(store.leads);
    let calls = 0;
    vi.spyOn(store.leads, 'insertMany').mockImplementation((leads) => {
      calls += 1;
      if (calls === 2) throw new Error('disk I/O error');
      return insert(leads);
    });
    const record = await small.import(
      upload('phone\n030 12345678\n030 22334455\nbad\n030 33445566\n030 44556677\n', 13),
      opts({ mapping: { phone: 'phone' } }),
    );
    expect(record).toMatchObject({ status: 'failed', rowsRead: 4, imported: 2, rejected: 2 });
    expect(record.error).toBe('import failed: write failed: disk I/O error');
    expect(record.imported + record.rejected + record.duplicates + record.dnc).toBe(record.rowsRead);
    expect(store.leadImports.errors(record.id)).toEqual([
      { line: 4, kind: 'invalid', reason: 'phone: not a phone number: "bad"', raw: 'bad' },
      { line: 5, kind: 'invalid', reason: 'write failed: disk I/O error', raw: '*** ****5566' },
    ]);
    expect(leadsOf('spring')).toHaveLength(2);
  });

  it('reports the rows that are not UTF-8, pointing to encoding=windows-1252, and imports the rest', async () => {
    const latin1 = Buffer.from('phone,name\n030 12345678,M\u00fcller\n030 22334455,Anna\n', 'latin1');
    const mapping = { phone: 'phone', name: 'name' };
    const record = await importer.import(
      Readable.from([latin1.subarray(0, 11), latin1.subarray(11)]),
      opts({ mapping }),
    );
    expect(record).toMatchObject({ status: 'done', rowsRead: 2, imported: 1, rejected: 1 });
    expect(leadsOf('spring').map((l) => l.name)).toEqual(['Anna']);
    const [bad] = store.leadImports.errors(record.id);
    expect(bad).toMatchObject({ line: 2, kind: 'invalid', raw: '*** ****5678,M\ufffdller' });
    expect(bad!.reason).toMatch(/^invalid UTF-8 .*encoding=windows-1252/);

    // An upload received first is read the same way.
    const spooling = new LeadImporter({
      store,
      logger: pino({ level: 'silent' }),
      defaultCountry: 'DE',
      spoolDir: dir,
    });
    const started = await spooling.receive(Readable.from([latin1]), opts({ campaignId: 'autumn', mapping }));
    expect(await started.done).toMatchObject({ status: 'done', imported: 1, rejected: 1 });

    // A header that is not UTF-8 cannot be matched to the mapping: refused, nothing recorded.
    const header = Buffer.from('phone,N\u00e4me\n030 12345678,Anna\n', 'latin1');
    await expect(
      importer.import(Readable.from([header]), opts({ mapping: { phone: 'phone' } })),
    ).rejects.toMatchObject({
      code: 'CSV_INVALID',
      message: expect.stringMatching(/header row .*invalid UTF-8/),
    });
    expect(store.leadImports.list('spring')).toHaveLength(1);
  });

  it('reports a row of only "" as invalid rather than skipping it', async () => {
    const record = await importer.import(
      'phone\n030 12345678\n""\n\n',
      opts({ mapping: { phone: 'phone' } }),
    );
    expect(record).toMatchObject({ rowsRead: 2, imported: 1, rejected: 1 });
    expect(store.leadImports.errors(record.id)).toEqual([
      { line: 3, kind: 'invalid', reason: 'phone: phone number is empty', raw: '""' },
    ]);
  });

  it('deletes the uploads a dead run left, at start', () => {
    const spool = join(dir, 'tmp');
    mkdirSync(join(spool, 'cc-lead-upload-abc'), { recursive: true });
    writeFileSync(join(spool, 'cc-lead-upload-abc', 'upload.csv'), 'phone\n030 12345678\n');
    mkdirSync(join(spool, 'someone-else'));
    expect(removeStaleUploads(spool)).toBe(1);
    expect(readdirSync(spool)).toEqual(['someone-else']);
    mkdirSync(join(spool, 'cc-lead-upload-def'));
    failInterruptedImports(store, T0, spool);
    expect(readdirSync(spool)).toEqual(['someone-else']);
  });

  it('leaves the event loop free during a large import', async () => {
    const lines = ['phone,name,city'];
    for (let i = 0; i < 30_000; i += 1) lines.push(`+4930${20_000_000 + i},Kunde ${i},Berlin`);
    const big = new LeadImporter({
      store,
      logger: pino({ level: 'silent' }),
      defaultCountry: 'DE',
      spoolDir: dir,
    });
    // Between two turns of the event loop, how many rows were written (no clock involved: a loaded
    // machine changes how long a turn takes, not how much work the import does in one).
    const count = store.db.prepare('SELECT count(*) AS n FROM leads');
    const written = () => (count.get() as { n: number }).n;
    let before = written();
    let mostInOneTurn = 0;
    let importing = true;
    const spin = () => {
      if (!importing) return;
      const now = written();
      mostInOneTurn = Math.max(mostInOneTurn, now - before);
      before = now;
      setImmediate(spin);
    };
    setImmediate(spin);
    try {
      const started = await big.receive(
        upload(`${lines.join('\n')}\n`, 64 * 1024),
        opts({ mapping: { phone: 'phone', name: 'name', fields: 'rest' } }),
      );
      expect(await started.done).toMatchObject({ status: 'done', imported: 30_000 });
    } finally {
      importing = false;
    }
    // Rows are checked and written in turns of at most MAX_IMPORT_BATCH (about 10-20 ms each); one 64 KB
    // piece at a time (about 1,800 rows) held the loop for several hundred ms.
    expect(mostInOneTurn).toBeGreaterThan(0);
    expect(mostInOneTurn).toBeLessThanOrEqual(MAX_IMPORT_BATCH);
  }, 30_000);
});

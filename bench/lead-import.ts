import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { LeadImporter } from '../src/leads/import.js';
import { openStore } from '../src/store/index.js';
import { tempDir } from '../test/harness/tmp.js';
import { printBench, round } from './lib.js';

export interface LeadImportBench {
  rows: number;
  seconds: number;
  imported: number;
  rejected: number;
  duplicates: number;
  dnc: number;
  rssMb: number;
}

/**
 * A lead list of `rows` rows: German fixed-line numbers (+4930 and 8 digits, written in the usual ways),
 * a name and two custom fields; about 3 % bad (too short, letters, empty) and 1 % repeated numbers.
 */
export function leadCsv(rows: number): string {
  const lines = ['phone,name,city,source'];
  const styles = [
    (d: string) => `+4930${d}`,
    (d: string) => `030 ${d.slice(0, 4)} ${d.slice(4)}`,
    (d: string) => `0049 30 ${d}`,
    (d: string) => `(030) ${d.slice(0, 3)}-${d.slice(3)}`,
  ];
  for (let i = 0; i < rows; i += 1) {
    const digits = String(20_000_000 + ((i * 7919) % 70_000_000)).padStart(8, '0');
    let phone = styles[i % styles.length]!(digits);
    if (i % 100 === 7) phone = '030 12';
    else if (i % 100 === 37) phone = 'call me';
    else if (i % 100 === 71) phone = '';
    else if (i % 100 === 99 && i > 0) phone = `+4930${String(20_000_000 + (((i - 1) * 7919) % 70_000_000))}`;
    lines.push(`${phone},"Kunde ${i}, Berlin",Berlin,list-${i % 7}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Imports a generated 100,000-row list through LeadImporter into a temporary store. */
export async function leadImportBench(rows = 100_000): Promise<LeadImportBench> {
  const dir = tempDir('cc-bench-leads-');
  const store = openStore(join(dir, 'bench.sqlite'));
  try {
    const now = Date.now();
    store.campaigns.create({
      id: 'bench',
      name: 'Bench',
      state: 'draft',
      settings: '{}',
      createdAt: now,
      updatedAt: now,
    });
    const csv = Buffer.from(leadCsv(rows));
    const importer = new LeadImporter({ store, logger: pino({ level: 'silent' }), defaultCountry: 'DE' });
    // Fed as an upload arrives: 64 KiB chunks.
    async function* chunks() {
      for (let at = 0; at < csv.length; at += 65_536) yield csv.subarray(at, at + 65_536);
    }
    const started = performance.now();
    const record = await importer.import(chunks(), {
      campaignId: 'bench',
      listName: 'bench',
      mapping: { phone: 'phone', name: 'name', fields: 'rest' },
      by: 'bench',
    });
    const seconds = (performance.now() - started) / 1000;
    if (record.status !== 'done') throw new Error(`import ${record.status}: ${record.error}`);
    const stored = store.db.prepare("SELECT count(*) FROM leads WHERE campaign_id = 'bench'").pluck().get();
    if (stored !== record.imported) throw new Error(`${stored} leads stored, ${record.imported} reported`);
    return {
      rows: record.rowsRead,
      seconds,
      imported: record.imported,
      rejected: record.rejected,
      duplicates: record.duplicates,
      dnc: record.dnc,
      rssMb: process.memoryUsage().rss / 1024 / 1024,
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run bench -- lead-import [--rows N]` */
export async function run(args: Record<string, string>): Promise<void> {
  const rows = args.rows ? Number(args.rows) : 100_000;
  const r = await leadImportBench(rows);
  printBench({
    name: 'lead-import',
    rows: r.rows,
    import_100k_s: round(r.seconds, 2),
    imported: r.imported,
    rejected: r.rejected,
    duplicates: r.duplicates,
    rss_mb: round(r.rssMb, 0),
  });
}

import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  CsvError,
  type CsvRecord,
  CsvStreamParser,
  csvCell,
  csvTextCell,
  parseCsv,
} from '../../src/lib/csv.js';
import { CsvSource, CsvTooLargeError, INVALID_UTF8, spoolToFile } from '../../src/lib/csv-source.js';

/** Feeds `text` in pieces of `size` characters and collects every record. */
function chunked(text: string, size: number, options = {}): CsvRecord[] {
  const parser = new CsvStreamParser(options);
  const out: CsvRecord[] = [];
  for (let at = 0; at < text.length; at += size) out.push(...parser.push(text.slice(at, at + size)));
  out.push(...parser.end());
  return out;
}

const SAMPLE =
  '\ufeffphone,name,note\r\n' +
  '030 1234567,"Müller, Anna","said ""call later"""\r\n' +
  '\r\n' +
  '+4930111,"two\nlines",x\r' +
  '0301,,\n' +
  '"",only quoted empty,\n' +
  'last,row,no newline';

describe('CsvStreamParser', () => {
  it('gives the same records, lines and raw text whatever the chunk size', () => {
    const whole = chunked(SAMPLE, SAMPLE.length);
    expect(whole).toEqual([
      { line: 1, cells: ['phone', 'name', 'note'], raw: 'phone,name,note' },
      {
        line: 2,
        cells: ['030 1234567', 'Müller, Anna', 'said "call later"'],
        raw: '030 1234567,"Müller, Anna","said ""call later"""',
      },
      { line: 4, cells: ['+4930111', 'two\nlines', 'x'], raw: '+4930111,"two\nlines",x' },
      { line: 6, cells: ['0301', '', ''], raw: '0301,,' },
      { line: 7, cells: ['', 'only quoted empty', ''], raw: '"",only quoted empty,' },
      { line: 8, cells: ['last', 'row', 'no newline'], raw: 'last,row,no newline' },
    ]);
    for (const size of [1, 2, 3, 5, 7, 16, 64]) expect(chunked(SAMPLE, size)).toEqual(whole);
  });

  it('keeps a CR at the end of one chunk and the LF at the start of the next as one line end', () => {
    const parser = new CsvStreamParser();
    expect(parser.push('a,b\r')).toEqual([{ line: 1, cells: ['a', 'b'], raw: 'a,b' }]);
    expect(parser.push('\nc,d\r\n')).toEqual([{ line: 2, cells: ['c', 'd'], raw: 'c,d' }]);
    expect(parser.end()).toEqual([]);
  });

  it('waits for the character after a quote that ends a chunk', () => {
    const parser = new CsvStreamParser();
    expect(parser.push('"say ""hi"')).toEqual([]);
    expect(parser.push('"",x\n')).toEqual([{ line: 1, cells: ['say "hi"', 'x'], raw: '"say ""hi""",x' }]);
  });

  it('takes a semicolon or tab delimiter', () => {
    expect(chunked('a;"b;c"\n1;2\n', 3, { delimiter: ';' }).map((r) => r.cells)).toEqual([
      ['a', 'b;c'],
      ['1', '2'],
    ]);
    expect(chunked('a\tb\n', 2, { delimiter: '\t' })[0]!.cells).toEqual(['a', 'b']);
  });

  it('reports a quote never closed at the line its record starts on, and reads on from the next line', () => {
    const parser = new CsvStreamParser();
    expect(parser.push('a,b\nc,"open\nd\n')).toEqual([{ line: 1, cells: ['a', 'b'], raw: 'a,b' }]);
    expect(parser.end()).toEqual([
      { line: 2, cells: [], raw: 'c,"open', error: 'a quoted field is not closed' },
      { line: 3, cells: ['d'], raw: 'd' },
    ]);
    expect(() => parseCsv('a\n"open\nb\n')).toThrow(new CsvError(2, 'a quoted field is not closed'));
  });

  it('reports a record over maxRecordChars and reads on after it, whatever the chunks', () => {
    const text = `ok\n${'x'.repeat(30)},y\n"multi\nline ${'z'.repeat(20)}",1\nafter\r\nlast`;
    const expected = [
      { line: 1, cells: ['ok'], raw: 'ok' },
      { line: 2, cells: [], raw: `${'x'.repeat(30)},y`, error: 'row longer than 10 characters' },
      { line: 3, cells: [], raw: '"multi', error: 'row longer than 10 characters' },
      { line: 5, cells: ['after'], raw: 'after' },
      { line: 6, cells: ['last'], raw: 'last' },
    ];
    for (const size of [1, 3, 7, text.length])
      expect(chunked(text, size, { maxRecordChars: 10 })).toEqual(expected);
  });

  it('gives up on a quote still open after resyncChars, and reads on from its second line', () => {
    // A stray quote in line 2 would swallow the rest of the file: it costs that one row.
    const text = `h\n"stray,1\n${'row,2\n'.repeat(20)}`;
    const options = { maxRecordChars: 10, resyncChars: 50 };
    for (const size of [1, 4, 16, text.length]) {
      const records = chunked(text, size, options);
      expect(records[1]).toEqual({
        line: 2,
        cells: [],
        raw: '"stray,1',
        error: 'row longer than 10 characters (is a quote not closed?)',
      });
      expect(records.slice(2).map((r) => r.line)).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
      expect(records.slice(2).every((r) => r.cells.join() === 'row,2')).toBe(true);
    }
  });

  it('drops an over-long line as it comes, holding at most resyncChars of it', () => {
    const parser = new CsvStreamParser({ maxRecordChars: 10, resyncChars: 100 });
    const out = [...parser.push('a\n')];
    for (let i = 0; i < 1_000; i += 1) out.push(...parser.push('y'.repeat(1_000)));
    out.push(...parser.push('\nb\n'), ...parser.end());
    expect(out.map((r) => [r.line, r.error ?? r.cells.join()])).toEqual([
      [1, 'a'],
      [2, 'row longer than 10 characters'],
      [3, 'b'],
    ]);
    expect(out[1]!.raw).toBe('y'.repeat(100));
  });

  it('keeps a line of only "" as a record of one empty cell; skips blank lines', () => {
    const text = 'h\n""\n\n"",\r\n""';
    const expected = [
      { line: 1, cells: ['h'], raw: 'h' },
      { line: 2, cells: [''], raw: '""' },
      { line: 4, cells: ['', ''], raw: '"",' },
      { line: 5, cells: [''], raw: '""' },
    ];
    for (const size of [1, 2, 3, text.length]) expect(chunked(text, size)).toEqual(expected);
  });

  it('is what parseCsv uses', () => {
    expect(parseCsv(SAMPLE).map((r) => r.line)).toEqual([1, 2, 4, 6, 7, 8]);
  });
});

describe('csvCell', () => {
  it('quotes only what needs it', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "x"')).toBe('"say ""x"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(12)).toBe('12');
    expect(csvCell(null)).toBe('');
  });

  it('csvTextCell keeps a spreadsheet from reading a cell as a formula', () => {
    expect(csvTextCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvTextCell('+4930123')).toBe("'+4930123");
    expect(csvTextCell('-1')).toBe("'-1");
    expect(csvTextCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvTextCell('\t=1')).toBe('"\'\t=1"');
    expect(csvTextCell('Anna, Berlin')).toBe('"Anna, Berlin"');
    expect(csvTextCell('a=b')).toBe('a=b');
  });
});

describe('CsvSource', () => {
  const drain = async (source: CsvSource) => {
    const out: CsvRecord[] = [];
    for (let r = await source.next(); r !== null; r = await source.next()) out.push(...r);
    return out;
  };

  it('decodes UTF-8 split inside a character across chunks, and strips the BOM', async () => {
    const bytes = Buffer.from('\ufeffname\nMüller\nJosé\n');
    const chunks = Array.from(bytes, (b) => Buffer.from([b])); // one byte at a time
    const records = await drain(new CsvSource(Readable.from(chunks)));
    expect(records.map((r) => r.cells[0])).toEqual(['name', 'Müller', 'José']);
  });

  it('reads Windows-1252', async () => {
    const records = await drain(
      new CsvSource(Readable.from([Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x0a])]), {
        encoding: 'windows-1252',
      }),
    );
    expect(records[0]!.cells).toEqual(['Müller']);
  });

  it('reports the records holding bytes that are not UTF-8, pointing to windows-1252, and reads the rest', async () => {
    const bytes = Buffer.concat([
      Buffer.from('name\nM'),
      Buffer.from([0xfc]), // windows-1252 ü
      Buffer.from('ller\n"two\nlines \u00e9",ok\nJos'),
      Buffer.from([0xc3, 0xa9]), // é, valid
      Buffer.from('\n\ufffd kept\n'), // a real U+FFFD is text, not an error
      Buffer.from([0xe2, 0x82]), // € cut short
      Buffer.from(',x\n\ud83d\ude00\nend'),
      Buffer.from([0xf0, 0x9f]), // cut at the end of the file
    ]);
    for (const size of [1, 2, 5, bytes.length]) {
      const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) =>
        bytes.subarray(i * size, (i + 1) * size),
      );
      const records = await drain(new CsvSource(Readable.from(chunks)));
      expect(records.map((r) => [r.line, r.error === undefined ? r.cells : r.error, r.raw])).toEqual([
        [1, ['name'], 'name'],
        [2, INVALID_UTF8, 'M\ufffdller'],
        [3, ['two\nlines é', 'ok'], '"two\nlines é",ok'],
        [5, ['José'], 'José'],
        [6, ['\ufffd kept'], '\ufffd kept'],
        [7, INVALID_UTF8, '\ufffd,x'],
        [8, ['\ud83d\ude00'], '\ud83d\ude00'],
        [9, INVALID_UTF8, 'end\ufffd'],
      ]);
    }
    expect(INVALID_UTF8).toMatch(/invalid UTF-8 .*encoding=windows-1252/);
  });

  it('stops at maxBytes', async () => {
    const source = new CsvSource(
      Readable.from([Buffer.from('a\n'.repeat(10)), Buffer.from('b\n'.repeat(10))]),
      {
        maxBytes: 25,
      },
    );
    await expect(drain(source)).rejects.toBeInstanceOf(CsvTooLargeError);
  });

  it('hands a large chunk to the parser in pieces', async () => {
    const text = 'x\n'.repeat(1000);
    const source = new CsvSource(text, { pieceChars: 100 });
    const first = await source.next();
    expect(first).toHaveLength(50);
    expect(await drain(source)).toHaveLength(950);
  });
});

describe('spoolToFile', () => {
  const withDir = async (run: (dir: string) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-spool-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('copies the input to a file only the service may read', () =>
    withDir(async (dir) => {
      const path = join(dir, 'upload.csv');
      expect(await spoolToFile(Readable.from([Buffer.from('a\n'), 'b\n']), path, 100)).toBe(4);
      expect(readFileSync(path, 'utf8')).toBe('a\nb\n');
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }));

  it('rejects when the file cannot be written, instead of crashing or hanging, and drains the input', () =>
    withDir(async (dir) => {
      const input = new PassThrough();
      input.write('phone\n030 12345678\n'); // the upload goes on: the error comes while waiting for more
      await expect(spoolToFile(input, join(dir, 'missing', 'upload.csv'), 1_000)).rejects.toMatchObject({
        code: 'ENOENT',
      });
      const ended = once(input, 'end');
      input.end('030 22334455\n'.repeat(10_000)); // more than the stream buffers: read and discarded
      await ended;
    }));

  it('copies bytes that are not UTF-8 as they are (the reader reports their rows)', () =>
    withDir(async (dir) => {
      const path = join(dir, 'upload.csv');
      await expect(spoolToFile(Readable.from([Buffer.from([0x4d, 0xfc, 0x0a])]), path, 1_000)).resolves.toBe(
        3,
      );
      expect(existsSync(path)).toBe(true);
    }));
});

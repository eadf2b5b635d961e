import { describe, expect, it } from 'vitest';
import { agentRowsFromCsv } from '../../src/agents/import-csv.js';
import { CsvError, parseCsv } from '../../src/lib/csv.js';

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, CRLF, a BOM, and skips blank lines', () => {
    const text = '\ufeffa,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\nline",\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"'] },
      { line: 4, cells: ['multi\nline', ''] },
    ]);
  });

  it('refuses an unclosed quote, naming its line', () => {
    expect(() => parseCsv('a,b\n"open,b\n')).toThrow(new CsvError(2, 'a quoted field is not closed'));
  });
});

describe('agentRowsFromCsv', () => {
  const byName = (team: string) => (team === 'Sales' ? 'sales' : team);

  it('maps columns in any order to import rows, leaving empty cells to defaults', () => {
    const text =
      'Name,id,endpoint,team,line_mode,inbound_role,role\nAnn, a1 ,PJSIP/1001,Sales,persistent,primary,\n';
    expect(agentRowsFromCsv(text, byName)).toEqual([
      {
        name: 'Ann',
        id: 'a1',
        endpoint: 'PJSIP/1001',
        teamId: 'sales',
        lineMode: 'persistent',
        inboundRole: 'primary',
      },
    ]);
  });

  it.each([
    ['', /empty/],
    ['name,endpoint\n', /missing column\(s\) id/],
    ['id,name,endpoint,colour\n', /unknown column\(s\) colour/],
    ['id,name,endpoint,id\n', /column id appears twice/],
    ['id,name,endpoint\na1,Ann\n', /line 2: 2 cells where the header has 3/],
  ])('refuses a malformed file: %j', (text, message) => {
    expect(() => agentRowsFromCsv(text, byName)).toThrow(message);
  });
});

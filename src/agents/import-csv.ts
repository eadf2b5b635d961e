import { CsvError, parseCsv } from '../lib/csv.js';

/** CSV column → field of agentInputSchema. */
const COLUMNS = {
  id: 'id',
  name: 'name',
  team: 'teamId',
  role: 'role',
  endpoint: 'endpoint',
  line_kind: 'lineKind',
  remote_number: 'remoteNumber',
  line_mode: 'lineMode',
  inbound_role: 'inboundRole',
} as const;
type Column = keyof typeof COLUMNS;

/** endpoint (a sip line) or remote_number (a remote one) as the row's line kind needs: checked per row. */
const REQUIRED: readonly Column[] = ['id', 'name'];

const isColumn = (name: string): name is Column => Object.hasOwn(COLUMNS, name);

/**
 * Turns an agents CSV (header row: id,name,team,role,endpoint,line_kind,remote_number,line_mode,
 * inbound_role in any order; only id and name required) into rows for AgentRepository.importMany, which validates each. Cells
 * are trimmed; an empty cell takes the field's default. `teamIdOf` maps the team cell, which may hold the
 * team's id or name, to an id. Throws CsvError when the file itself is malformed: rows are only reported
 * one by one once every row can be read.
 */
export function agentRowsFromCsv(text: string, teamIdOf: (team: string) => string): Record<string, string>[] {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new CsvError(1, 'the file is empty; expected a header row');
  const columns = header.cells.map((cell) => cell.trim().toLowerCase());
  const unknown = columns.filter((c) => !isColumn(c));
  if (unknown.length > 0) {
    throw new CsvError(
      header.line,
      `unknown column(s) ${unknown.join(', ')}; known: ${Object.keys(COLUMNS).join(', ')}`,
    );
  }
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new CsvError(header.line, `missing column(s) ${missing.join(', ')}`);
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate) throw new CsvError(header.line, `column ${duplicate} appears twice`);

  return records.map(({ line, cells }) => {
    if (cells.length !== columns.length) {
      throw new CsvError(line, `${cells.length} cells where the header has ${columns.length}`);
    }
    const row: Record<string, string> = {};
    cells.forEach((raw, i) => {
      const value = raw.trim();
      const column = columns[i] as Column;
      if (value !== '') row[COLUMNS[column]] = column === 'team' ? teamIdOf(value) : value;
    });
    return row;
  });
}

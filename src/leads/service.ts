import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { csvTextCell } from '../lib/csv.js';
import { type CsvEncoding, type CsvInput, CsvInputError, CsvTooLargeError } from '../lib/csv-source.js';
import { type FieldKinds, fieldKindsSchema, maskFields, maskNumber } from '../lib/mask.js';
import type {
  CampaignRow,
  ImportError,
  ImportRecord,
  LeadPurgeRecord,
  LeadRecord,
  LeadState,
  Store,
} from '../store/index.js';
import { assignLeads, countLeads, type LeadSummary, leadSummary, unassignLeads } from './distribution.js';
import { addDncNumber, DNC_GLOBAL, type DncImportResult, importDnc } from './dnc.js';
import {
  DEFAULT_MAX_IMPORT_BYTES,
  type LeadFieldMapping,
  LeadImportError,
  type LeadImporter,
} from './import.js';
import { normalizePhone } from './phone.js';
import { purgeLeads } from './purge.js';

/** Why the lead service refused a request. The codes double as the API's error codes. */
export type LeadErrorCode =
  | 'CAMPAIGN_NOT_FOUND'
  | 'CAMPAIGN_FINISHED'
  | 'IMPORT_NOT_FOUND'
  | 'IMPORT_RUNNING'
  | 'UNKNOWN_TEAM'
  | 'UNKNOWN_AGENT'
  | 'AGENT_NOT_IN_TEAM'
  | 'MAPPING_INVALID'
  | 'CSV_INVALID'
  | 'PAYLOAD_TOO_LARGE'
  | 'UPLOAD_INCOMPLETE'
  | 'PHONE_INVALID'
  | 'DNC_NOT_FOUND'
  /** Out of a team leader's teams, or a supervisor's move. */
  | 'FORBIDDEN'
  | 'VALIDATION_FAILED';

export class LeadError extends Error {
  override readonly name = 'LeadError';
  constructor(
    readonly code: LeadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Who asks: a key's name (kept with imports, purges and list entries) and the teams it leads, null for
 * supervisors and admins (every team). A team leader works within its teams only.
 */
export interface LeadActor {
  by: string;
  ledTeams: readonly string[] | null;
}

export interface LeadUpload {
  /** Header of the phone number column. */
  phone: string;
  name?: string;
  /** Custom fields: 'rest', or a comma list of `column` or `field=column`. */
  fields?: string;
  /** Defaults to "import <date>". */
  listName?: string;
  teamId?: string;
  agentId?: string;
  delimiter: ',' | ';' | '\t';
  encoding: CsvEncoding;
}

export interface LeadServiceDeps {
  store: Store;
  importer: LeadImporter;
  logger: Logger;
  /** Country of numbers written without a country code (dialer.defaultCountry). */
  defaultCountry: string;
  /** Largest CSV upload (lead list or do-not-call list); 200 MB by default. */
  maxImportBytes?: number;
  now: () => number;
}

/** Rows of an error report read per step while it is downloaded. */
const REPORT_PAGE_ROWS = 1_000;

const reportCsvLine = (e: ImportError) =>
  `${[e.line, e.kind, csvTextCell(e.reason), csvTextCell(e.raw)].join(',')}\r\n`;

/** The campaign a do-not-call scope names: null for the global list. */
export type DncList = { campaignId: string | null };

/**
 * A campaign's leads: list imports (streamed, in the background), the distribution to teams and agents,
 * purges, and the do-not-call lists. Every write of the lead routes goes through here, with the checks a
 * team leader's scope sets.
 */
export class LeadService {
  readonly maxImportBytes: number;
  private readonly store: Store;
  private readonly log: Logger;

  constructor(private readonly deps: LeadServiceDeps) {
    this.store = deps.store;
    this.maxImportBytes = deps.maxImportBytes ?? DEFAULT_MAX_IMPORT_BYTES;
    this.log = deps.logger.child({ component: 'leads' });
  }

  // --- imports -----------------------------------------------------------------------------------------

  /**
   * Imports a lead list upload into a campaign (see LeadImporter.receive): resolves with the import as
   * recorded once the upload is in and its header fits, while the rows are imported in the background.
   * `body` opens the upload once the request is known to be acceptable (it may throw itself).
   */
  async importUpload(
    campaignId: string,
    upload: LeadUpload,
    body: () => CsvInput,
    by: string,
  ): Promise<ImportRecord> {
    const campaign = this.campaign(campaignId);
    if (campaign.state === 'finished') {
      throw new LeadError('CAMPAIGN_FINISHED', `Campaign ${campaignId} is finished; it takes no more leads`);
    }
    const target = this.teamAndAgent(upload.teamId, upload.agentId);
    const mapping = { phone: upload.phone, name: upload.name, fields: fieldMapping(upload.fields) };
    const input = body();
    try {
      const started = await this.deps.importer.receive(input, {
        campaignId,
        listName: upload.listName ?? `import ${new Date(this.deps.now()).toISOString().slice(0, 10)}`,
        mapping,
        by,
        teamId: target.teamId,
        agentId: target.agentId,
        delimiter: upload.delimiter,
        encoding: upload.encoding,
      });
      return this.import(started.id);
    } catch (err) {
      if (err instanceof LeadImportError) throw new LeadError(err.code, err.message);
      if (err instanceof CsvTooLargeError) throw new LeadError('PAYLOAD_TOO_LARGE', err.message);
      if (err instanceof CsvInputError) throw new LeadError('UPLOAD_INCOMPLETE', err.message);
      throw err;
    }
  }

  /** A campaign's imports, oldest first. */
  imports(campaignId: string): ImportRecord[] {
    this.campaign(campaignId);
    return this.store.leadImports.list(campaignId);
  }

  import(importId: string): ImportRecord {
    const record = this.store.leadImports.get(importId);
    if (!record) throw new LeadError('IMPORT_NOT_FOUND', `No lead import with id ${importId}`);
    return record;
  }

  /** A page of an import's error report, and how many rows it has (of `kind`). */
  importErrors(
    importId: string,
    page: { kind?: ImportError['kind']; limit: number; offset: number },
  ): { total: number; errors: ImportError[] } {
    this.import(importId);
    return {
      total: this.store.leadImports.countErrors(importId, page.kind),
      errors: this.store.leadImports.errors(importId, page),
    };
  }

  /**
   * An import's error report as CSV (line,kind,reason,raw), read page by page (keyset, so no statement
   * stays open in between) as the client takes it, with a turn of the event loop between pages: any
   * size, little memory.
   */
  importErrorReport(importId: string, kind: ImportError['kind'] | undefined): Readable {
    this.import(importId);
    const { store } = this;
    async function* lines() {
      yield 'line,kind,reason,raw\r\n';
      let cursor: { line: number; rowid: number } | null = null;
      do {
        const page = store.leadImports.errorsAfter(importId, cursor, REPORT_PAGE_ROWS, kind);
        if (page.errors.length > 0) yield page.errors.map(reportCsvLine).join('');
        cursor = page.next;
        if (cursor) await nextTurn();
      } while (cursor);
    }
    return Readable.from(lines(), { objectMode: false });
  }

  // --- leads and distribution ----------------------------------------------------------------------------

  /**
   * A page of a campaign's leads in import order, and how many match. A team leader sees the teams it
   * leads only: one at a time, the one it leads unless it names which; and numbers masked.
   */
  list(
    campaignId: string,
    query: { state?: LeadState; teamId?: string; agentId?: string; limit: number; offset: number },
    actor: LeadActor,
  ): { leads: LeadRecord[]; total: number } {
    const kinds = fieldKindsOf(this.campaign(campaignId));
    const { limit, offset, ...filter } = query;
    const teams = actor.ledTeams;
    if (teams !== null) {
      if (filter.teamId === undefined) {
        if (teams.length === 0) throw new LeadError('FORBIDDEN', 'You lead no team');
        if (teams.length > 1) {
          throw new LeadError(
            'VALIDATION_FAILED',
            `You lead several teams: give teamId (${teams.join(', ')})`,
          );
        }
        filter.teamId = teams[0];
      }
      assertLeads(teams, filter.teamId!);
    }
    const where = { campaignId, ...filter };
    const leads = this.store.leads.list({ ...where, limit, offset });
    return {
      // Team leaders see numbers masked: the phone but for its last 4 digits, the fields by their kind.
      leads: teams === null ? leads : leads.map((l) => maskedLead(l, kinds)),
      total: countLeads(this.store, where),
    };
  }

  /** Counts by state and by place (pool, teams, agents); a team leader's teams only. */
  summary(campaignId: string, actor: LeadActor): LeadSummary {
    this.campaign(campaignId);
    return leadSummary(this.store, campaignId, actor.ledTeams);
  }

  /**
   * Without agentId: up to `count` new leads of the pool go to the team (a supervisor only). With it: up
   * to `count` of the team's unassigned new leads go to that agent of the team. Resolves with how many
   * moved, and the agent.
   */
  async assign(
    campaignId: string,
    request: { teamId: string; agentId?: string; count: number },
    actor: LeadActor,
  ): Promise<{ assigned: number; agentId: string | null }> {
    this.campaign(campaignId);
    const { teamId, agentId, count } = request;
    const target = this.teamAndAgent(teamId, agentId);
    if (agentId === undefined && actor.ledTeams !== null) {
      throw new LeadError('FORBIDDEN', "Only a supervisor gives the pool's leads to a team");
    }
    assertLeads(actor.ledTeams, teamId);
    const assigned = await assignLeads(
      this.store,
      campaignId,
      { teamId, agentId: target.agentId ?? undefined },
      count,
      this.deps.now(),
      agentId !== undefined,
    );
    this.log.info({ campaignId, teamId, agentId, asked: count, assigned, by: actor.by }, 'leads assigned');
    return { assigned, agentId: target.agentId };
  }

  /**
   * With agentId: the agent's new leads of that team go back to the team's batch (leads it holds for
   * another team, from before a move, stay: they are that team's to move). Without: the team's new leads, its
   * agents' included, go back to the pool (a supervisor only). Resolves with how many moved.
   */
  async unassign(
    campaignId: string,
    request: { teamId: string; agentId?: string },
    actor: LeadActor,
  ): Promise<number> {
    this.campaign(campaignId);
    const { teamId, agentId } = request;
    this.teamAndAgent(teamId, agentId);
    if (agentId === undefined && actor.ledTeams !== null) {
      throw new LeadError('FORBIDDEN', "Only a supervisor returns a team's leads to the pool");
    }
    assertLeads(actor.ledTeams, teamId);
    const unassigned = await unassignLeads(this.store, campaignId, { teamId, agentId }, this.deps.now());
    this.log.info({ campaignId, teamId, agentId, unassigned, by: actor.by }, 'leads unassigned');
    return unassigned;
  }

  // --- purge -------------------------------------------------------------------------------------------

  /** Purges a campaign's leads now (see purgeLeads); the purge log entry, kept even when none went. */
  async purge(
    campaignId: string,
    request: { all: boolean; olderThanDays?: number; importId?: string; reason: string },
    by: string,
  ): Promise<LeadPurgeRecord> {
    this.campaign(campaignId);
    const { importId } = request;
    if (importId !== undefined) {
      const record = this.import(importId);
      if (record.campaignId !== campaignId) {
        throw new LeadError('IMPORT_NOT_FOUND', `No lead import with id ${importId}`);
      }
      if (record.status === 'running') {
        throw new LeadError('IMPORT_RUNNING', `Import ${importId} is still running`);
      }
    }
    return (await purgeLeads(
      this.store,
      { campaignId, ...request, by },
      { now: this.deps.now(), logger: this.log, logEmpty: true },
    ))!;
  }

  /** The purge log, oldest first. */
  purges(campaignId?: string): LeadPurgeRecord[] {
    return this.store.leadPurges.list(campaignId);
  }

  // --- do-not-call lists ---------------------------------------------------------------------------------

  /** A page of a do-not-call list (oldest first), and its size. */
  dncEntries(list: DncList, limit: number, offset: number) {
    const scope = this.dncScope(list);
    return { scope, total: this.store.dnc.count(scope), entries: this.store.dnc.list(scope, limit, offset) };
  }

  /**
   * Puts a number (normalized to E.164) on a list; its waiting leads move to state dnc at once. Answers
   * whether it was new on the list, and how many leads moved.
   */
  addDnc(list: DncList, entry: { phone: string; reason?: string }, by: string) {
    const scope = this.dncScope(list);
    const phone = this.phoneOf(entry.phone);
    const { added, leadsMarked } = addDncNumber(
      this.store,
      { scope, phone, reason: entry.reason || null, by },
      this.deps.now(),
    );
    this.log.info({ scope, phone: maskNumber(phone), added, leadsMarked, by }, 'number put on do-not-call');
    return { scope, phone, added, leadsMarked };
  }

  /** Takes a number off a list; leads it moved to dnc stay there. */
  removeDnc(list: DncList, rawPhone: string, by: string): void {
    const scope = this.dncScope(list);
    const phone = this.phoneOf(rawPhone);
    if (!this.store.dnc.remove(scope, phone)) {
      const which = scope === DNC_GLOBAL ? 'global' : "campaign's";
      throw new LeadError('DNC_NOT_FOUND', `${maskNumber(phone)} is not on the ${which} do-not-call list`);
    }
    this.log.info({ scope, phone: maskNumber(phone), by }, 'number taken off do-not-call');
  }

  /**
   * Imports numbers into a list from a CSV upload (see importDnc). On a file that breaks off, the numbers
   * before the break stay added, and the error says so.
   */
  async importDnc(
    list: DncList,
    format: { delimiter: ',' | ';' | '\t'; encoding: CsvEncoding; header?: boolean },
    body: () => CsvInput,
    by: string,
  ): Promise<DncImportResult> {
    const scope = this.dncScope(list);
    const input = body();
    try {
      return await importDnc(this.store, input, {
        scope,
        by,
        defaultCountry: this.deps.defaultCountry,
        now: this.deps.now,
        logger: this.log,
        maxBytes: this.maxImportBytes,
        ...format,
      });
    } catch (err) {
      if (err instanceof CsvTooLargeError) {
        throw new LeadError('PAYLOAD_TOO_LARGE', `${err.message}; the numbers before it were added`);
      }
      if (err instanceof CsvInputError) throw new LeadError('UPLOAD_INCOMPLETE', err.message);
      throw err;
    }
  }

  // --- checks ------------------------------------------------------------------------------------------

  private campaign(id: string): CampaignRow {
    const campaign = this.store.campaigns.get(id);
    if (!campaign) throw new LeadError('CAMPAIGN_NOT_FOUND', `No campaign with id ${id}`);
    return campaign;
  }

  /** The dnc table keys the global list by scope 'global': a campaign of that id cannot have its own. */
  private dncScope({ campaignId }: DncList): string {
    if (campaignId === null) return DNC_GLOBAL;
    this.campaign(campaignId);
    if (campaignId === DNC_GLOBAL) {
      throw new LeadError('VALIDATION_FAILED', `Campaign ${campaignId}: use /v1/dnc/global`);
    }
    return campaignId;
  }

  private phoneOf(raw: string): string {
    const normalized = normalizePhone(raw, this.deps.defaultCountry);
    if (!normalized.ok) throw new LeadError('PHONE_INVALID', `phone: ${normalized.reason}`);
    return normalized.e164;
  }

  /** The team and agent an import or an assignment names, checked: the agent must be in the team. */
  private teamAndAgent(teamId: string | undefined, agentId: string | undefined) {
    if (teamId !== undefined && !this.store.teams.get(teamId)) {
      throw new LeadError('UNKNOWN_TEAM', `No team with id ${teamId}`);
    }
    if (agentId === undefined) return { teamId: teamId ?? null, agentId: null };
    const agent = this.store.agents.get(agentId);
    if (!agent?.active) throw new LeadError('UNKNOWN_AGENT', `No active agent with id ${agentId}`);
    if (teamId !== undefined && agent.teamId !== teamId) {
      throw new LeadError('AGENT_NOT_IN_TEAM', `Agent ${agentId} is not in team ${teamId}`);
    }
    return { teamId: teamId ?? agent.teamId, agentId };
  }
}

/** The custom field kinds a campaign's settings declare (see lib/mask.ts); none when unreadable. */
function fieldKindsOf(campaign: CampaignRow): FieldKinds {
  const parsed = fieldKindsSchema.safeParse(
    (JSON.parse(campaign.settings) as { fieldKinds?: unknown }).fieldKinds ?? {},
  );
  return parsed.success ? parsed.data : {};
}

const maskedLead = (lead: LeadRecord, kinds: FieldKinds): LeadRecord => ({
  ...lead,
  phone: maskNumber(lead.phone),
  fields: maskFields(lead.fields, kinds),
});

/** A team leader may act within the teams it leads only. */
function assertLeads(teams: readonly string[] | null, teamId: string): void {
  if (teams !== null && !teams.includes(teamId)) {
    throw new LeadError('FORBIDDEN', `You do not lead team ${teamId}`);
  }
}

/** 'rest', or 'a,b=c' -> { a: 'a', b: 'c' }. */
function fieldMapping(text: string | undefined): LeadFieldMapping | undefined {
  if (!text) return undefined;
  if (text === 'rest') return 'rest';
  const mapping: Record<string, string> = {};
  for (const item of text.split(',')) {
    const [field, column] = item.includes('=') ? item.split('=', 2) : [item, item];
    const name = field!.trim();
    if (!name) continue;
    if (Object.hasOwn(mapping, name)) {
      throw new LeadError('MAPPING_INVALID', `Custom field ${JSON.stringify(name)} is given twice`);
    }
    mapping[name] = column!.trim();
  }
  return mapping;
}

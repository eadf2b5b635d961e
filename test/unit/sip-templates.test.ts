/**
 * The SIP tests (test/sip/) run against test/pbx/'s trunk and phones; those must be what
 * docs/operations.md tells a site to configure, or the tests prove nothing about the documented setup.
 * Only the options that are the site's own (addresses, names, passwords, registration) may differ.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Per endpoint: which transport, dialplan context, AOR and credentials — the site's (or the test's). */
const SITE_OPTIONS = new Set(['transport', 'context', 'aors', 'auth', 'outbound_auth', 'from_domain']);

interface Section {
  name: string;
  options: Map<string, string[]>;
}

/** Asterisk config text as sections, templates resolved (`[a](!)`, `[b](a)`), comments dropped. */
function parseAsteriskConf(text: string): Section[] {
  const templates = new Map<string, Section>();
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    if (!line) continue;
    const head = /^\[([^\]]+)\](?:\(([^)]*)\))?$/.exec(line);
    if (head) {
      const [, name, extra] = head;
      const options = new Map<string, string[]>();
      for (const parent of (extra ?? '').split(',').filter((p) => p && p !== '!' && p !== '+')) {
        const template = templates.get(parent);
        if (!template) throw new Error(`unknown template ${parent}`);
        for (const [k, v] of template.options) options.set(k, [...v]);
      }
      current = { name: name!, options };
      if (extra === '!') templates.set(name!, current);
      else sections.push(current);
      continue;
    }
    const kv = /^([^=]+?)\s*=>?\s*(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`cannot read: ${raw}`);
    const key = kv[1]!.trim();
    current.options.set(key, [...(current.options.get(key) ?? []), kv[2]!.trim()]);
  }
  return sections;
}

function section(sections: Section[], name: string, type?: string): Section {
  const found = sections.find((s) => s.name === name && (!type || s.options.get('type')?.[0] === type));
  if (!found) throw new Error(`no [${name}]${type ? ` of type ${type}` : ''}`);
  return found;
}

/** The options of a section without the site's own, as a plain object (for a readable diff). */
function portable(s: Section): Record<string, string[]> {
  return Object.fromEntries([...s.options].filter(([k]) => !SITE_OPTIONS.has(k)).sort());
}

/** The code block that follows the docs' line naming `file`. */
function docsBlock(file: string): string {
  const docs = read('docs/operations.md');
  const at = docs.indexOf(`**\`local/asterisk/${file}\`**`);
  expect(at, `docs/operations.md shows ${file}`).toBeGreaterThanOrEqual(0);
  const m = /```\n([\s\S]*?)```/.exec(docs.slice(at));
  return m![1]!;
}

describe('the SIP tests use the documented trunk and phone', () => {
  const docs = parseAsteriskConf(docsBlock('pjsip_local.conf'));
  const test = parseAsteriskConf(read('test/pbx/pjsip_test.conf'));

  it('the test carrier is the documented trunk endpoint', () => {
    expect(portable(section(test, 'cc-test-carrier', 'endpoint'))).toEqual(
      portable(section(docs, 'carrier', 'endpoint')),
    );
    // Both identify the carrier by its address.
    expect(section(test, 'cc-test-carrier', 'identify').options.get('endpoint')).toEqual(['cc-test-carrier']);
    expect(section(docs, 'carrier', 'identify').options.get('endpoint')).toEqual(['carrier']);
  });

  it('sends the campaign caller ID to the carrier: no fixed From user, P-Asserted-Identity sent', () => {
    const trunk = section(docs, 'carrier', 'endpoint').options;
    expect(trunk.has('from_user')).toBe(false);
    expect(trunk.get('send_pai')).toEqual(['yes']);
    expect(trunk.get('trust_id_outbound')).toEqual(['yes']);
    expect(trunk.get('trust_id_inbound')).toEqual(['yes']);
  });

  it('every test phone is the documented phone endpoint', () => {
    const documented = portable(section(docs, '1001', 'endpoint'));
    const phones = test.filter(
      (s) => /^cc-test-phone-\d+$/.test(s.name) && s.options.get('type')?.[0] === 'endpoint',
    );
    expect(phones.length).toBeGreaterThanOrEqual(4);
    for (const phone of phones) expect(portable(phone), phone.name).toEqual(documented);
  });

  it("the test carrier's calls take the documented [from-carrier] path", () => {
    const documented = section(parseAsteriskConf(docsBlock('extensions_local.conf')), 'from-carrier');
    const tested = section(parseAsteriskConf(read('test/pbx/extensions_test.conf')), 'cc-test-carrier-docs');
    expect(tested.options).toEqual(documented.options);
  });
});

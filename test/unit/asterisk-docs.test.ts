/**
 * What the docs tell a site engineer about the PBX, checked against config/asterisk/: every module a
 * documented option or CLI command needs is loaded, no doc calls a loaded module missing, and every
 * site-file hook (`#tryinclude`) is documented where a site without Docker looks for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const configFiles = readdirSync(join(root, 'config/asterisk')).filter((f) => f.endsWith('.conf'));
const docs = Object.fromEntries(
  ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)]
    .filter((f) => f.endsWith('.md'))
    .map((f) => [f, read(f)]),
);

/** The modules config/asterisk/modules.conf loads (autoload is off: nothing else is). */
const loaded = new Set(
  [...read('config/asterisk/modules.conf').matchAll(/^load\s*=\s*(\S+)/gm)].map((m) => m[1]),
);

/** PJSIP options that res_pjsip accepts but only res_pjsip_nat acts on. */
const NAT_OPTIONS = ['force_rport', 'rewrite_contact', 'external_signaling_address'];

/** CLI commands and the module each comes from (without it: "No such command"). */
const COMMAND_MODULES: Record<string, string> = {
  'channel originate': 'res_clioriginate.so',
  'pjsip set logger': 'res_pjsip_logger.so',
};

/** The text of a level-2 section of a Markdown page, up to the next one. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

describe('the PBX modules the docs rely on', () => {
  it('loads res_pjsip_nat, as the NAT options of the documented PJSIP templates do nothing without it', () => {
    const used = NAT_OPTIONS.filter((option) =>
      new RegExp(`^;?\\s*${option}\\s*=`, 'm').test(docs['docs/operations.md']!),
    );
    expect(used.length).toBeGreaterThan(0);
    expect(loaded.has('res_pjsip_nat.so')).toBe(true);
  });

  it('offers the SIP logger: res_pjsip_logger loaded, and operations.md says how to use it', () => {
    expect(loaded.has('res_pjsip_logger.so')).toBe(true);
    expect(docs['docs/operations.md']).toContain('pjsip set logger on');
  });

  it('has the module of every CLI command a doc runs', () => {
    const missing: string[] = [];
    for (const [file, text] of Object.entries(docs)) {
      for (const [command, module] of Object.entries(COMMAND_MODULES)) {
        if (new RegExp(`(-rx|rx) ["']${command}`).test(text) && !loaded.has(module))
          missing.push(`${file}: ${command} needs ${module}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('never calls a loaded module missing', () => {
    const wrong = Object.entries(docs).flatMap(([file, text]) =>
      [...text.matchAll(/`(\w+\.so)` is not loaded/g)]
        .map((m) => m[1]!)
        .filter((module) => loaded.has(module))
        .map((module) => `${file}: ${module}`),
    );
    expect(wrong).toEqual([]);
  });
});

describe('site files without Docker', () => {
  const allHooks = configFiles.flatMap((file) =>
    [...read(`config/asterisk/${file}`).matchAll(/^#tryinclude\s+(\S+)/gm)].map((m) => m[1]!),
  );
  // *_test.conf: the SIP tests' parties (test/pbx/, added by PBX_TEST_SIP=1), never a site's.
  const testHooks = allHooks.filter((hook) => hook.endsWith('_test.conf'));
  const hooks = allHooks.filter((hook) => !testHooks.includes(hook));

  it('has every test-only hook in test/pbx/, and says so where a site looks', () => {
    const testFiles = readdirSync(join(root, 'test/pbx'));
    for (const hook of testHooks) expect(testFiles, hook).toContain(hook);
    expect(section(docs['docs/operations.md']!, 'A site without Docker')).toContain('_test.conf');
  });

  it('documents every #tryinclude hook in operations.md, for a site without Docker', () => {
    expect(hooks.sort()).toEqual(
      ['ari_users.conf', 'extensions_local.conf', 'modules_local.conf', 'pjsip_local.conf'].sort(),
    );
    const noDocker = section(docs['docs/operations.md']!, 'A site without Docker');
    expect(noDocker).toContain('PBX_LOCAL_CONFIG_DIR');
    for (const hook of hooks) expect(noDocker, hook).toContain(`\`${hook}\``);
  });

  it("lists every hook in README's PBX_LOCAL_CONFIG_DIR row", () => {
    const row = docs['README.md']!.split('\n').find((line) => line.startsWith('| `PBX_LOCAL_CONFIG_DIR`'));
    for (const hook of hooks) expect(row, hook).toContain(`\`${hook}\``);
  });
});

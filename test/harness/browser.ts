import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium package: playwright-core brings no browser, and none can be downloaded here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots of the browser tests (git-ignored; CI keeps them as artifacts). */
export const SCREENSHOT_DIR = 'test-artifacts/screenshots';

const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** A camera and microphone that need no one to allow them and play a test pattern and tone (WebRTC tests). */
const FAKE_MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

export interface BrowserOptions {
  /** Fake camera and microphone, granted without a prompt. */
  fakeMedia?: boolean;
  /**
   * With fakeMedia: a WAV file the fake microphone plays (e.g. a tone made with sox), instead of its beeps;
   * the browser also gives its real host address as ICE candidate (no mDNS name), so it reaches Asterisk
   * on this machine, and plays audio without a user's gesture.
   */
  fakeAudioFile?: string;
}

/** Headless Chromium; the caller closes it. */
export async function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: apt-get install chromium (.ci/run installs it)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      ...ARGS,
      ...(options.fakeMedia ? FAKE_MEDIA_ARGS : []),
      ...(options.fakeMedia && options.fakeAudioFile
        ? [
            `--use-file-for-fake-audio-capture=${options.fakeAudioFile}`,
            '--disable-features=WebRtcHideLocalIpsWithMdns',
            '--autoplay-policy=no-user-gesture-required',
          ]
        : []),
    ],
  });
}

/**
 * Writes the browser's "voice" for its fake microphone (a WAV made with sox): a `hz` tone whose loudness
 * rises and falls three times a second, like syllables. A steady tone will not do: after some 20-30 s
 * Chromium's noise suppression takes it for background noise and sends near-silence (seen: a call's
 * recording at 0.004 RMS once the same page had played the steady tone for a minute).
 */
export function fakeVoiceFile(path: string, hz: number, seconds = 900): string {
  execFileSync(
    'sox',
    ['-n', '-r', '48000', '-c', '1', '-b', '16', path, 'synth', String(seconds), 'sine', String(hz)].concat([
      'tremolo',
      '3',
      '90',
      'vol',
      '0.5',
    ]),
  );
  return path;
}

/** Saves the whole page as test-artifacts/screenshots/<name>.png and returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // Transitions finished: a switch just clicked shows its new state, not a blend of both.
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/**
 * Collects what went wrong inside the page: uncaught exceptions and console errors, except the ones a
 * test expects (e.g. the 401 of a wrong password, which Chromium logs as a failed resource).
 */
export function pageProblems(page: Page, expected: RegExp[] = []): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (isSessionCheck(text, message.location().url)) return;
    if (!expected.some((pattern) => pattern.test(text))) problems.push(`console error: ${text}`);
  });
  return problems;
}

/**
 * The page asks who is signed in (GET /v1/auth/session) at load: when nobody is, the service answers 401,
 * which Chromium logs like any failed resource.
 */
function isSessionCheck(text: string, url: string): boolean {
  return /status of 401/.test(text) && URL.canParse(url) && new URL(url).pathname === '/v1/auth/session';
}

/**
 * Counts the requests the page sends whose method and path match (e.g. POST /v1/agents/a1/preview/accept):
 * a test reads `count()` after clicking to see how many went out.
 */
export function countRequests(page: Page, method: string, path: RegExp): { count(): number } {
  let seen = 0;
  page.on('request', (request) => {
    if (request.method() === method && path.test(new URL(request.url()).pathname)) seen += 1;
  });
  return { count: () => seen };
}

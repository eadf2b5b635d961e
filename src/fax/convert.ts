import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A document the service cannot fax, with the API's error code and a sentence saying why. */
export class FaxInputError extends Error {
  override readonly name = 'FaxInputError';
  constructor(
    readonly code:
      | 'FAX_NOT_A_DOCUMENT'
      | 'FAX_ENCRYPTED'
      | 'FAX_TOO_MANY_PAGES'
      | 'FAX_UNREADABLE'
      | 'FAX_BAD_NUMBER',
    message: string,
  ) {
    super(message);
  }
}

export type DocumentKind = 'pdf' | 'tiff';

/** What the first bytes say the upload is: only PDF and TIFF are taken (a fax is pages, not a photo). */
export function sniffDocument(head: Buffer): DocumentKind | undefined {
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  const magic = head.subarray(0, 4).toString('hex');
  if (magic === '49492a00' || magic === '4d4d002a') return 'tiff';
  return undefined;
}

/** The commands below never run long on a sane file; a stuck one is stopped (a failed conversion). */
const TOOL_TIMEOUT_MS = 120_000;

async function tool(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await run(cmd, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 });
  return stdout;
}

/** The PDF's pages; refuses an encrypted or unreadable one, and one over `maxPages`. */
export async function inspectPdf(path: string, maxPages: number): Promise<number> {
  let info: string;
  try {
    info = await tool('pdfinfo', [path]);
  } catch (err) {
    const text = String((err as { stderr?: string }).stderr ?? (err as Error).message);
    if (/password|encrypt/i.test(text))
      throw new FaxInputError(
        'FAX_ENCRYPTED',
        'The PDF is encrypted (password-protected): send it unprotected',
      );
    throw new FaxInputError('FAX_UNREADABLE', 'The PDF cannot be read (damaged or not a PDF)');
  }
  if (/^Encrypted:\s+yes/m.test(info))
    throw new FaxInputError('FAX_ENCRYPTED', 'The PDF is encrypted: send it without protection');
  const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? 0);
  if (pages < 1) throw new FaxInputError('FAX_UNREADABLE', 'The PDF has no pages');
  if (pages > maxPages)
    throw new FaxInputError(
      'FAX_TOO_MANY_PAGES',
      `The PDF has ${pages} pages; at most ${maxPages} may be faxed`,
    );
  return pages;
}

/** A TIFF (scanned pages, or a received fax) as a PDF, one page per image. */
export async function tiffToPdf(tiff: string, pdf: string): Promise<void> {
  await tool('tiff2pdf', ['-o', pdf, tiff]);
}

/** A PDF as a TIFF G4 at fax resolution (204×196 dpi), A4, each page fitted. */
export async function pdfToFaxTiff(pdf: string, tiff: string): Promise<void> {
  await tool('gs', [
    '-q',
    '-dSAFER',
    '-dBATCH',
    '-dNOPAUSE',
    '-sDEVICE=tiffg4',
    '-r204x196',
    '-sPAPERSIZE=a4',
    '-dFIXEDMEDIA',
    '-dPDFFitPage',
    `-sOutputFile=${tiff}`,
    pdf,
  ]);
}

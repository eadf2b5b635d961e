/* The fax routes (issue 16), typed from the service's OpenAPI document. */
import { type ApiData, api } from './client.js';
import { type Outcome, outcome } from './outcome.js';

export type Fax = ApiData<'/v1/faxes/{id}', 'get'>;

const byId = (id: string) => ({ params: { path: { id } } });

/** The newest faxes, sent and received. */
export const listFaxes = (): Promise<Outcome<{ items: Fax[]; total: number }>> =>
  outcome(api.GET('/v1/faxes', { params: { query: { limit: 100, offset: 0 } } }));

export const retryFax = (id: string) => outcome(api.POST('/v1/faxes/{id}/retry', byId(id)));

/** Where the browser downloads a fax's PDF (same origin: the session cookie goes with it). */
export const faxPdfUrl = (id: string) => `/v1/faxes/${encodeURIComponent(id)}/pdf`;

/**
 * The document itself is the body (no form encoding); the service tells a PDF from a TIFF by its first
 * bytes, so anything else goes as application/octet-stream and is refused with FAX_NOT_A_DOCUMENT.
 */
export const sendFax = (number: string, file: File) =>
  outcome(
    api.POST('/v1/faxes', {
      params: { query: { number, fileName: file.name.slice(0, 200) || undefined } },
      // openapi-fetch sends the File as it is (a Blob body), not as JSON.
      body: file as unknown as string,
      bodySerializer: (body: unknown) => body as Blob,
      headers: { 'content-type': documentType(file) },
    }),
  );

const documentType = (file: File): string =>
  file.type === 'application/pdf' || file.type === 'image/tiff' ? file.type : 'application/octet-stream';

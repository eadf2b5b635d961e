import { describe, expect, it } from 'vitest';
import { faxErrorWords, refusalWords, stateTagType } from '../../../web/src/fax/describe.js';

/** The fax page's words for the service's texts: its stored errors and its refusals of a document. */
describe('a fax error in words', () => {
  it('translates the fixed outcomes and keeps the attempts made', () => {
    expect(faxErrorWords('busy')).toEqual([{ key: 'fax.errors.busy' }]);
    expect(faxErrorWords('no answer (after 3 of 3 attempts)')).toEqual([
      { key: 'fax.errors.noAnswer' },
      { key: 'fax.errors.attempts', values: { made: '3', of: '3' } },
    ]);
    expect(faxErrorWords('conversion to fax format failed')).toEqual([{ key: 'fax.errors.conversion' }]);
  });

  it("keeps the fax stack's own reason after the pages that went through", () => {
    expect(
      faxErrorWords('failed after 2 pages: Disconnected after permitted retries (after 1 of 1 attempts)'),
    ).toEqual([
      {
        key: 'fax.errors.failedAfter',
        values: { pages: '2', reason: 'Disconnected after permitted retries' },
      },
      { key: 'fax.errors.attempts', values: { made: '1', of: '1' } },
    ]);
    expect(faxErrorWords('call not answered (cause 34)')).toEqual([
      { key: 'fax.errors.other', values: { reason: 'call not answered (cause 34)' } },
    ]);
  });
});

describe("the service's refusal of a document in words", () => {
  it('explains each refusal code, a body too large by its status, anything else by its message', () => {
    expect(refusalWords(400, 'FAX_NOT_A_DOCUMENT', 'x')).toEqual({ key: 'fax.refusals.notADocument' });
    expect(refusalWords(400, 'FAX_ENCRYPTED', 'x')).toEqual({ key: 'fax.refusals.encrypted' });
    expect(refusalWords(400, 'FAX_TOO_MANY_PAGES', 'x')).toEqual({ key: 'fax.refusals.tooManyPages' });
    expect(refusalWords(400, 'FAX_UNREADABLE', 'x')).toEqual({ key: 'fax.refusals.unreadable' });
    expect(refusalWords(400, 'FAX_BAD_NUMBER', 'x')).toEqual({ key: 'fax.refusals.badNumber' });
    expect(refusalWords(413, 'PAYLOAD_TOO_LARGE', 'x')).toEqual({ key: 'fax.refusals.tooLarge' });
    expect(refusalWords(409, 'FAX_STATE', 'not failed')).toEqual({
      key: 'fax.refusals.other',
      values: { message: 'not failed' },
    });
  });

  it('colors settled states: sent and received green, failed red', () => {
    expect(stateTagType('sent')).toBe('success');
    expect(stateTagType('stored')).toBe('success');
    expect(stateTagType('failed')).toBe('danger');
    expect(stateTagType('queued')).toBe('info');
  });
});

import { describe, expect, it } from 'vitest';
import { percentEncode, rpcSignature, stringToSign } from '../../src/sms/aliyun-sign.js';

/**
 * The documented example of Alibaba Cloud's RPC signature (HMAC-SHA1, version 1.0), "Signature
 * mechanism": https://help.aliyun.com/en/document_detail/130769.html (and its Chinese original, the
 * DescribeRegions example with AccessKeyId testid, AccessKeySecret testsecret).
 */
const EXAMPLE = {
  TimeStamp: '2016-02-23T12:46:24Z',
  Format: 'XML',
  AccessKeyId: 'testid',
  Action: 'DescribeRegions',
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
  Version: '2014-05-26',
  SignatureVersion: '1.0',
};

describe('Alibaba Cloud RPC signature', () => {
  it('gives the documented string to sign', () => {
    expect(stringToSign('GET', EXAMPLE)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1' +
        '%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0' +
        '%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
  });

  it('gives the documented signature', () => {
    expect(rpcSignature('GET', EXAMPLE, 'testsecret')).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
  });

  it('encodes as RFC 3986 asks: space %20, * %2A, ~ kept, UTF-8 bytes', () => {
    expect(percentEncode("a b*~!'()")).toBe('a%20b%2A~%21%27%28%29');
    expect(percentEncode('退订')).toBe('%E9%80%80%E8%AE%A2');
  });

  it('leaves an existing Signature parameter out of the string to sign', () => {
    expect(stringToSign('GET', { ...EXAMPLE, Signature: 'x' })).toBe(stringToSign('GET', EXAMPLE));
  });
});

import { createHmac } from 'node:crypto';

/**
 * Alibaba Cloud's RPC request signature, version 1.0 with HMAC-SHA1 (the one its SMS API, dysmsapi
 * `SendSms` / `SendBatchSms`, documents): "Signature mechanism",
 * https://help.aliyun.com/en/document_detail/130769.html (also alibabacloud.com/help/doc-detail/25488.htm).
 * - every parameter but Signature, names sorted by code unit, each name and value percent-encoded per
 *   RFC 3986 (`percentEncode`), joined `k=v&k=v` → the canonicalized query;
 * - StringToSign = METHOD & percentEncode('/') & percentEncode(canonicalized query);
 * - Signature = Base64(HMAC-SHA1(AccessKeySecret + '&', StringToSign)).
 * Pure: the nonce and the time are the caller's. test/unit/sms-aliyun-sign.test.ts checks the documented
 * example (testid / testsecret, DescribeRegions → CT9X0VtwR86fNWSnsc6v8YGOjuE=).
 */

/** RFC 3986 encoding as the doc asks: encodeURIComponent plus ! ' ( ) * encoded; space is %20, ~ kept. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key] ?? '')}`)
    .join('&');
}

export function stringToSign(method: 'GET' | 'POST', params: Readonly<Record<string, string>>): string {
  return `${method}&${percentEncode('/')}&${percentEncode(canonicalQuery(params))}`;
}

export function rpcSignature(
  method: 'GET' | 'POST',
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): string {
  return createHmac('sha1', `${accessKeySecret}&`)
    .update(stringToSign(method, params), 'utf8')
    .digest('base64');
}

/** The signed query string of a request (the parameters plus Signature), ready for a URL or a form body. */
export function signedQuery(
  method: 'GET' | 'POST',
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): string {
  const signature = rpcSignature(method, params, accessKeySecret);
  return `Signature=${percentEncode(signature)}&${canonicalQuery(params)}`;
}

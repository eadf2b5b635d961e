import { randomUUID } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import { signedQuery } from './aliyun-sign.js';
import type { OutboundSms, ProviderSink, SmsProvider, SubmitResult } from './provider.js';

export interface AliyunSmsOptions {
  name: string;
  /** https://dysmsapi.aliyuncs.com (the API's endpoint; a test points it at a local server). */
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** The approved signature name (签名) and template code (模板) every message of this provider uses. */
  signName: string;
  templateCode: string;
  timeoutMs: number;
}

/** Alibaba's answer codes that mean "not now": retried. Any other non-OK code is permanent. */
const TEMPORARY_CODES = new Set([
  'isv.BUSINESS_LIMIT_CONTROL',
  'Throttling.User',
  'Throttling.Api',
  'isp.SYSTEM_ERROR',
  'isp.RAM_PERMISSION_DENY',
  'isv.OUT_OF_SERVICE',
  'isv.AMOUNT_NOT_ENOUGH',
]);

/**
 * Alibaba Cloud SMS (dysmsapi, version 2017-05-25) over its RPC HTTP API, signed by aliyun-sign.ts; no
 * SDK. Chinese carriers only take approved templates: each message is sent with the provider's template
 * code and the rendered text as its `content` parameter (the template being `${content}` or wrapping it).
 * Receipts and replies come through Alibaba's message queue or HTTP push, which this adapter does not
 * read yet: messages it sends stay `submitted` until such a receiver is added.
 */
export class AliyunSmsProvider implements SmsProvider {
  readonly name: string;

  constructor(
    private readonly options: AliyunSmsOptions,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.name = options.name;
  }

  async start(_sink: ProviderSink): Promise<void> {}

  async stop(): Promise<void> {}

  sendBatch(messages: readonly OutboundSms[]): Promise<SubmitResult[]> {
    return Promise.all(messages.map((message) => this.send(message)));
  }

  /** The signed form body of one SendSms request (exported for the tests through the class). */
  requestBody(message: OutboundSms, nonce: string): string {
    const params: Record<string, string> = {
      AccessKeyId: this.options.accessKeyId,
      Action: 'SendSms',
      Format: 'JSON',
      PhoneNumbers: message.to.replace(/^\+86/, '').replace(/^\+/, '00'),
      SignName: this.options.signName,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: nonce,
      SignatureVersion: '1.0',
      TemplateCode: this.options.templateCode,
      TemplateParam: JSON.stringify({ content: message.text }),
      Timestamp: this.now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      Version: '2017-05-25',
      // Echoed back in receipts: the service's id.
      OutId: message.id,
    };
    return signedQuery('POST', params, this.options.accessKeySecret);
  }

  private async send(message: OutboundSms): Promise<SubmitResult> {
    let response: Response;
    try {
      response = await fetch(this.options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: this.requestBody(message, randomUUID()),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      // Refused before anything was sent: safe to retry. Anything else may have reached the API.
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND')
        return { outcome: 'temporary', code: code.toLowerCase() };
      this.log.warn(
        { provider: this.name, err: (err as Error).message },
        'Alibaba SMS request without answer',
      );
      return { outcome: 'unknown', code: 'no-response' };
    }
    const body = (await response.json().catch(() => ({}))) as { Code?: string; BizId?: string };
    if (body.Code === 'OK' && body.BizId) return { outcome: 'accepted', providerId: body.BizId };
    const code = body.Code ?? `http-${response.status}`;
    const temporary = TEMPORARY_CODES.has(code) || response.status >= 500 || response.status === 429;
    return { outcome: temporary ? 'temporary' : 'permanent', code };
  }
}

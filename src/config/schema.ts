import { z } from 'zod';
import { SERVICE_NOT_READY_REASONS } from '../agents/state.js';
import { trimEnd } from '../lib/text.js';

const reasonLabel = z.string().trim().min(1).max(40);

/** Today's reasons a person may give for not being ready, named in both of the center's languages. */
const DEFAULT_NOT_READY_REASONS = [
  { code: 'break', label: { 'zh-CN': '休息', en: 'Break' } },
  { code: 'lunch', label: { 'zh-CN': '午餐', en: 'Lunch' } },
  { code: 'meeting', label: { 'zh-CN': '会议', en: 'Meeting' } },
  { code: 'training', label: { 'zh-CN': '培训', en: 'Training' } },
  { code: 'busy', label: { 'zh-CN': '忙碌', en: 'Busy' } },
  { code: 'other', label: { 'zh-CN': '其他', en: 'Other' } },
];

/** The center's not-ready reasons: unique codes, none of the service's own (those it sets itself). */
const notReadyReasonsSchema = z
  .array(
    z.object({
      code: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected lower-case letters, digits and dashes (max 40)'),
      label: z.object({ 'zh-CN': reasonLabel, en: reasonLabel }),
    }),
  )
  .min(1)
  .max(50)
  .superRefine((reasons, ctx) => {
    const seen = new Set<string>();
    reasons.forEach(({ code }, i) => {
      if (seen.has(code))
        ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `duplicate code ${code}` });
      if ((SERVICE_NOT_READY_REASONS as readonly string[]).includes(code))
        ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `${code} is the service's own reason` });
      seen.add(code);
    });
  })
  .default(DEFAULT_NOT_READY_REASONS);

/**
 * Who reaches an operator's endpoint (/metrics, /docs): 'loopback' (the default) only clients on this
 * machine, 404 to others; 'key' loopback freely, others with an API key or a session; 'public' everyone;
 * 'off' no one. The client is the socket's peer unless api.trustProxy names it a proxy.
 */
export const exposureModeSchema = z.enum(['off', 'loopback', 'key', 'public']);
export type ExposureMode = z.infer<typeof exposureModeSchema>;

/** The name of an environment variable holding a secret: the secret itself is never in a config file. */
const envName = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'expected an environment variable name');
const smsRate = z.number().int().min(1).max(10_000);

/** One SMS provider: an SMSC over SMPP, or Alibaba Cloud SMS over its HTTP API. */
/**
 * A dial string for a number (a customer, a fax): {digits} is the E.164 number without '+', {e164} with
 * it. The default goes through the dialplan's to-customers context (which picks the trunk).
 */
const numberDialString = z
  .string()
  .regex(/\{(digits|e164)\}/, 'expected a dial string containing {digits} or {e164}')
  .default('Local/{digits}@to-customers');
/** The country assumed for numbers written without a country code (ISO 3166 alpha-2). */
const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'expected a two-letter country code such as DE')
  .default('DE');

const smsProviderSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('smpp'),
    url: z.string().regex(/^s?smpp:\/\/[^/\s]+$/, 'expected smpp://host:port or ssmpp://host:port'),
    systemId: z.string().min(1).max(15),
    /** The environment variable holding the bind password. */
    passwordEnv: envName,
    /** The sender: a number or an alphanumeric id. */
    sourceAddr: z.string().min(1).max(20),
    /** Messages per second this provider takes (the queue's limiter). */
    ratePerSecond: smsRate.default(50),
    enquireLinkMs: z.number().int().min(1_000).max(300_000).default(30_000),
    reconnectMs: z.number().int().min(100).max(300_000).default(5_000),
    submitTimeoutMs: z.number().int().min(500).max(120_000).default(10_000),
  }),
  z.object({
    kind: z.literal('aliyun'),
    endpoint: z.string().url().default('https://dysmsapi.aliyuncs.com'),
    accessKeyId: z.string().min(1),
    /** The environment variable holding the AccessKey secret. */
    accessKeySecretEnv: envName,
    signName: z.string().min(1).max(50),
    templateCode: z.string().min(1).max(50),
    ratePerSecond: smsRate.default(20),
    timeoutMs: z.number().int().min(500).max(120_000).default(10_000),
  }),
]);
export type SmsProviderConfig = z.infer<typeof smsProviderSchema>;

/**
 * The one configuration schema. A file under config/ gives the values, the environment overrides them
 * (see ENV_OVERRIDES), and a missing or invalid value stops start-up naming the field.
 */
export const configSchema = z.object({
  ari: z.object({
    /** Base URL of Asterisk's HTTP server, without /ari (e.g. http://127.0.0.1:8088). */
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:8088' }),
    username: z.string().min(1, 'expected the ARI user name from ari.conf'),
    password: z.string().min(1, 'expected the ARI password from ari.conf'),
    /** Stasis application name the dialplan sends calls to. */
    app: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, - or _')
      .default('callcenter'),
    /** Every ARI REST command is abandoned after this long (ari-client itself sets no timeout). */
    commandTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
    reconnect: z
      .object({
        initialDelayMs: z.number().int().min(10).default(250),
        maxDelayMs: z.number().int().min(100).default(10_000),
      })
      .prefault({}),
    /**
     * How often the socket is pinged and the application's registration on Asterisk checked; a socket
     * silent for three of these is dropped and reconnected.
     */
    heartbeatMs: z.number().int().min(200).max(60_000).default(5_000),
    /**
     * What resync does with a channel that is still up in Stasis but has no live session after a
     * restart: 'hangup' ends it (the caller hears the call drop rather than silence forever);
     * 'reattach' adopts it into a new session that the owning module may resume.
     */
    orphanPolicy: z.enum(['hangup', 'reattach']).default('hangup'),
  }),
  redis: z.object({
    url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL'),
    keyPrefix: z.string().default('cc:'),
  }),
  store: z.object({
    /** SQLite file; ':memory:' for throw-away runs. */
    path: z.string().min(1),
  }),
  api: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(3000),
      /**
       * Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or CIDRs, e.g.
       * 127.0.0.1 or 10.0.0.0/8). Empty (the default): the client is the socket's peer. The client address
       * decides what is loopback (metrics, docs) and whose failures are counted (lock-out).
       */
      trustProxy: z.array(z.string().min(1)).default([]),
      /** Browser origins besides the service's own allowed to call the API (CORS), e.g. https://wall.example. */
      corsOrigins: z
        .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'expected an origin such as https://host:8443'))
        .default([]),
      /** Who reaches /metrics and /docs: see exposureModeSchema. */
      metrics: exposureModeSchema.default('loopback'),
      docs: exposureModeSchema.default('loopback'),
      timeouts: z
        .object({
          /** A request whose headers are not all in after this long is cut (408). */
          headersSec: z.number().int().min(1).max(300).default(15),
          /**
           * A request (headers and body) not all in after this long is cut (408): a slow upload included.
           * The largest lead import (200 MB) must arrive within it; answers (the event stream) are not
           * limited by it.
           */
          requestSec: z.number().int().min(1).max(3600).default(300),
          /** A connection silent (nothing read or written) for this long is closed; the event stream beats every 15 s. */
          idleSec: z.number().int().min(20).max(3600).default(60),
          /**
           * A body still arriving must bring at least minBytesPerSec over each window of windowSec, else it
           * is cut (408 UPLOAD_TOO_SLOW): a trickling upload does not hold a connection for requestSec.
           */
          minUpload: z
            .object({
              minBytesPerSec: z.number().int().min(1).max(1_000_000).default(1024),
              windowSec: z.number().int().min(1).max(300).default(10),
            })
            .prefault({}),
        })
        .prefault({}),
      /** The largest JSON (or other buffered) body; imports and uploads have their own limits. */
      bodyLimitKb: z.number().int().min(16).max(102_400).default(512),
      /** The largest buffered import (agents as CSV or JSON). Lead and do-not-call lists stream (200 MB). */
      importBodyLimitMb: z.number().int().min(1).max(200).default(10),
      /**
       * Requests per key (or signed-in person) per window on the expensive routes: recording and audit
       * search, imports, exports. Refused with 429 RATE_LIMITED and Retry-After; counted in Redis.
       */
      rateLimit: z
        .object({
          windowSec: z.number().int().min(1).max(3600).default(60),
          search: z.number().int().min(1).max(100_000).default(600),
          import: z.number().int().min(1).max(10_000).default(30),
          export: z.number().int().min(1).max(10_000).default(120),
        })
        .prefault({}),
    })
    .prefault({})
    .refine((a) => a.timeouts.headersSec <= a.timeouts.requestSec, {
      message: 'expected headersSec to be at most requestSec',
      path: ['timeouts', 'headersSec'],
    }),
  web: z
    .object({
      /** The built web application (npm run build:web), served at /; relative to the working directory. */
      dir: z.string().min(1).default('web/dist'),
    })
    .prefault({}),
  /** People's sign-in (docs/accounts.md): sessions, passwords and the lock-out after failed attempts. */
  auth: z
    .object({
      /** A session not used for this long ends. */
      idleTimeoutMin: z.number().int().min(1).max(1440).default(30),
      /** A session ends this long after sign-in, however busy. */
      sessionLifetimeMin: z.number().int().min(5).max(43_200).default(720),
      /**
       * Mark the session cookie Secure on every answer (behind a proxy that ends https); otherwise only
       * answers to requests that came over https carry it.
       */
      secureCookie: z.boolean().default(false),
      minPasswordLength: z.number().int().min(8).max(128).default(10),
      lockout: z
        .object({
          /** Failures counted together: a quiet window of this length starts the count afresh. */
          windowMin: z.number().int().min(1).max(1440).default(15),
          /** Failures for one username within the window before sign-in is refused for a while. */
          accountFailures: z.number().int().min(2).max(100).default(5),
          /**
           * Failures from one client address within the window (several people may share one): wrong
           * passwords, and apart from them invalid API keys.
           */
          addressFailures: z.number().int().min(2).max(1000).default(20),
          /** Invalid API keys with one key prefix (the key's first 12 characters) within the window. */
          keyPrefixFailures: z.number().int().min(2).max(1000).default(10),
          /** The first refusal's length; each further one doubles it, up to maxLockMin. */
          lockSec: z.number().int().min(1).max(3600).default(60),
          maxLockMin: z.number().int().min(1).max(1440).default(60),
        })
        .prefault({}),
    })
    .prefault({})
    .refine((a) => a.idleTimeoutMin <= a.sessionLifetimeMin, {
      message: 'expected idleTimeoutMin to be at most sessionLifetimeMin',
      path: ['idleTimeoutMin'],
    }),
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  inbound: z
    .object({
      /** Prompts played to an inbound caller until the IVR (issue 3) routes calls. */
      greeting: z
        .array(
          z
            .string()
            .regex(/^(sound|recording|tone|digits|number):/, 'expected media such as sound:hello-world'),
        )
        .min(1)
        .default(['sound:hello-world']),
    })
    .prefault({}),
  ivr: z
    .object({
      /** Concurrent callers in the IVR (the center has 8 IVR lines). */
      lines: z.number().int().min(1).max(1000).default(8),
      /** Flow documents loaded at start when the store has no version of them yet. '' loads none. */
      flowsDir: z.string().default('config/ivr'),
      /** Flow for numbers no flow claims; unset: such calls get the plain greeting. */
      defaultFlow: z.string().optional(),
      /** Time zone of the center's calendar day (daily statistics). */
      timezone: z
        .string()
        .refine((tz) => {
          try {
            new Intl.DateTimeFormat('en-US', { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        }, 'expected an IANA time zone such as Asia/Shanghai')
        .default('UTC'),
      overflow: z
        .object({
          /** 'busy': announcement, then hang up. 'wait': music on hold until a line frees (in order). */
          mode: z.enum(['busy', 'wait']).default('busy'),
          prompts: z
            .array(
              z
                .string()
                .regex(/^(sound|recording|tone|digits|number):/, 'expected media such as sound:hello-world'),
            )
            .default(['sound:all-circuits-busy-now', 'sound:please-try-call-later']),
          maxWaitSec: z.number().int().min(1).max(3600).default(120),
          mohClass: z.string().default('default'),
        })
        .prefault({}),
      /** The center's own recorded prompts (see docs/prompts.md). */
      prompts: z
        .object({
          /** Where the service writes prompt files: a folder it shares with Asterisk. */
          dir: z.string().min(1).default('.data/prompts'),
          /**
           * The same folder as Asterisk sees it (absolute). Flows play a prompt as sound:<pbxDir>/<name>,
           * so it may hold no spaces or commas.
           */
          pbxDir: z
            .string()
            .regex(/^\/[^\s,]*$/, 'expected an absolute path without spaces or commas')
            .transform((p) => trimEnd(p, '/') || '/')
            .default('/var/lib/asterisk/sounds/custom'),
        })
        .prefault({}),
    })
    .prefault({}),
  agents: z
    .object({
      wrapUpSec: z.number().int().min(0).max(3600).default(30),
      /** The plan's rule: not ready this long means logged out (15 minutes). */
      autoLogoutNotReadySec: z.number().int().min(10).default(900),
      lineDroppedLogoutSec: z.number().int().min(5).default(120),
      lineAnswerTimeoutSec: z.number().int().min(5).max(120).default(30),
      maxMissedOffers: z.number().int().min(1).max(20).default(2),
      /**
       * A remote seat (lineKind remote): the key the person presses on the phone to take the line, so a
       * voicemail that answers never becomes an agent, and how long the service waits for it.
       */
      remoteAcceptKey: z
        .string()
        .regex(/^[0-9*#]$/, 'expected one key: 0-9, * or #')
        .default('1'),
      remoteAcceptTimeoutSec: z.number().int().min(3).max(120).default(15),
      /** Played (again and again) until the key comes; default "press <key>" from Asterisk's sounds. */
      remoteAcceptPrompt: z
        .array(
          z
            .string()
            .regex(/^(sound|recording|tone|digits|number):/, 'expected media such as sound:hello-world'),
        )
        .min(1)
        .optional(),
      /** The caller ID a remote seat's phone sees (E.164); unset: the trunk's default. */
      remoteCallerId: z
        .string()
        .regex(/^\+[1-9]\d{5,14}$/, 'expected an E.164 number such as +493012345678')
        .optional(),
      /** On shutdown leave agent lines up for the restarted (or standby) instance to re-attach. */
      keepLinesOnStop: z.boolean().default(true),
      /**
       * The reasons a person may give for not being ready, with their zh-CN and English labels; the
       * service's own (login, after-call, line-dropped, missed-calls) come on top and are not selectable.
       */
      notReadyReasons: notReadyReasonsSchema,
    })
    .prefault({}),
  dialer: z
    .object({
      enabled: z.boolean().default(true),
      /** Customer calls (all campaigns) at once: the trunk's channels for outbound use. */
      trunkChannels: z.number().int().min(1).max(2000).default(60),
      /**
       * Dial string for a customer; {digits} is the E.164 number without '+', {e164} with it. The
       * default goes through the dialplan's to-customers context (which picks the trunk).
       */
      dialString: numberDialString,
      /** Country assumed for lead numbers written without a country code (ISO 3166 alpha-2). */
      defaultCountry: countryCode,
      /** Leads purge job interval. */
      purgeEveryMin: z.number().int().min(1).max(10080).default(60),
    })
    .prefault({}),
  hotline: z
    .object({
      overflowAfterSec: z.number().int().min(0).max(3600).default(0),
      maxWaitSec: z.number().int().min(10).max(7200).default(180),
      announceEverySec: z.number().int().min(5).max(600).default(30),
      maxWaiting: z.number().int().min(1).max(1000).default(50),
      mohClass: z.string().default('default'),
      ringTimeoutSec: z.number().int().min(5).max(120).default(20),
      ahtSec: z.number().int().min(10).default(240),
      serviceLevelSec: z.number().int().min(1).default(20),
      maxWait: z
        .object({
          /** IVR flow and node a caller who waited too long is sent to (a voice message or callback node). */
          flow: z.string().optional(),
          node: z.string().optional(),
          /** Played before hanging up when no node is set. */
          prompts: z
            .array(z.string().regex(/^(sound|recording|tone|digits|number):/))
            .default(['sound:please-try-call-later', 'sound:goodbye']),
        })
        .prefault({}),
    })
    .prefault({}),
  /** The agents' browser softphones (docs/operations.md, "The browser softphone"). */
  softphone: z
    .object({
      /**
       * Where browsers reach Asterisk's SIP-over-WebSocket transport: ws:// on the machine itself, wss://
       * through a TLS proxy for every other browser (they refuse microphones and plain ws on other pages).
       */
      wsUrl: z
        .string()
        .url()
        .regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL')
        .default('ws://127.0.0.1:8088/ws'),
      /** STUN/TURN servers given to the browsers (RTCIceServer), for browsers behind NAT. */
      iceServers: z
        .array(
          z.strictObject({
            urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
            username: z.string().optional(),
            credential: z.string().optional(),
          }),
        )
        .default([]),
    })
    .prefault({}),
  storage: z
    .object({
      /** Root folder for files the service keeps (voice messages, recordings), by date below it. */
      dir: z.string().min(1).default('.data/storage'),
    })
    .prefault({}),
  recording: z
    .object({
      /** Record every connected call. */
      enabled: z.boolean().default(true),
      /**
       * 'connect': from the moment customer and agent are joined until hang-up. 'answer': from answer,
       * IVR and queue included.
       */
      from: z.enum(['answer', 'connect']).default('connect'),
      /** 'mixed': one file per call. 'split': besides it, agent and customer each in a file of their own. */
      layout: z.enum(['mixed', 'split']).default('mixed'),
      /** Where finished recordings are kept, in folders by date. */
      dir: z.string().min(1).default('.data/recordings'),
      retention: z
        .object({
          /** Days a recording is kept from the call's start, unless its campaign says otherwise. */
          defaultDays: z.number().int().min(1).max(36_500).default(90),
          /** Days by campaign id. */
          campaignDays: z.record(z.string().min(1), z.number().int().min(1).max(36_500)).default({}),
        })
        .prefault({}),
      /** How often the purge job runs. */
      purgeEveryMin: z.number().int().min(1).max(10_080).default(60),
      finalize: z
        .object({
          /** Tries of the finalize job before the recording is marked failed and alerted. */
          attempts: z.number().int().min(1).max(100).default(10),
          /** Delay before the first retry; later ones back off exponentially. */
          backoffMs: z.number().int().min(100).max(600_000).default(2_000),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Fax over the PBX (docs/fax.md). */
  fax: z
    .object({
      enabled: z.boolean().default(true),
      /** Fax calls sent at once (the fax lines); more wait for a free line. */
      lines: z.number().int().min(1).max(100).default(4),
      /** The numbers (as the dialplan's from-callers sees them, EXTEN) whose calls are faxes to receive. */
      numbers: z.array(z.string().regex(/^[0-9+*#]{1,40}$/, 'expected a dialed number')).default([]),
      /** Dial string for a fax to send; {digits} is the E.164 number without '+', {e164} with it. */
      dialString: numberDialString,
      /** Country assumed for numbers written without a country code (ISO 3166 alpha-2). */
      defaultCountry: countryCode,
      /** Seconds a fax call may ring before it counts as not answered. */
      ringTimeoutSec: z.number().int().min(5).max(300).default(60),
      /** Pages a document to send may have; a longer one is refused. */
      maxPages: z.number().int().min(1).max(10_000).default(500),
      /** Bytes an upload may have. */
      maxUploadMb: z.number().int().min(1).max(500).default(50),
      /** The TIFF spool shared with Asterisk: `dir` as the service sees it, `pbxDir` as Asterisk does. */
      spool: z
        .object({
          dir: z.string().min(1).default('.data/fax-spool'),
          pbxDir: z
            .string()
            .regex(/^\/[^\s,]*$/, 'expected an absolute path without spaces or commas')
            .transform((p) => trimEnd(p, '/') || '/')
            .default('/var/spool/asterisk/fax'),
        })
        .prefault({}),
      /** Where the PDFs (sent and received) are kept, in folders by date. */
      dir: z.string().min(1).default('.data/faxes'),
      /** Retries of a fax to send, by outcome: busy, no answer, failed (dropped, negotiation). */
      retry: z
        .object({
          attempts: z.number().int().min(1).max(20).default(3),
          busyDelaySec: z.number().int().min(0).max(86_400).default(120),
          noAnswerDelaySec: z.number().int().min(0).max(86_400).default(300),
          failedDelaySec: z.number().int().min(0).max(86_400).default(300),
        })
        .prefault({}),
    })
    .prefault({}),
  service: z
    .object({
      /** Identifies this instance in Redis and in logs. */
      instanceId: z.string().min(1).default('cc-1'),
      /** On SIGTERM, how long live calls may run on before they are hung up. */
      drainTimeoutMs: z.number().int().min(0).default(30_000),
    })
    .prefault({}),
  /**
   * Active/standby: instances sharing one Asterisk, Redis and store; the one holding the Redis lease
   * drives ARI, the others wait and take over when it lapses.
   */
  /** Bulk and single SMS (docs/sms.md). */
  sms: z
    .object({
      enabled: z.boolean().default(false),
      /** Providers by name (letters, digits, dashes): each has its own queue and rate. */
      providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/), smsProviderSchema).default({}),
      /** The provider of campaigns and messages that name none. */
      defaultProvider: z.string().default('smsc'),
      /** Messages to one number per local day (campaigns and single messages together). */
      dailyCapPerNumber: z.number().int().min(1).max(100).default(3),
      /** Submits per message before temporary errors make it failed. */
      maxAttempts: z.number().int().min(1).max(20).default(5),
      /** The first retry's delay; each next one doubles. */
      retryDelayMs: z.number().int().min(100).max(3_600_000).default(30_000),
      /** Submits awaiting their answer at once, per provider. */
      concurrency: z.number().int().min(1).max(500).default(32),
      /** The local day of the daily cap. */
      timezone: z.string().default('Asia/Shanghai'),
      /**
       * What an agent may send from the screen to the lead of their call (docs/sms.md): set templates
       * only, filled by the service with the lead's name and fields and the call's sale, never free text.
       */
      agentTemplates: z
        .array(
          z.object({
            id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/),
            /** The button's label on the agent's screen. */
            label: z.string().min(1).max(40),
            text: z.string().min(1).max(1_000),
          }),
        )
        .max(20)
        .default([])
        .refine((list) => new Set(list.map((t) => t.id)).size === list.length, {
          message: 'expected unique template ids',
        }),
    })
    .prefault({})
    .refine((s) => !s.enabled || Object.hasOwn(s.providers, s.defaultProvider), {
      message: 'expected defaultProvider to name one of the providers',
      path: ['defaultProvider'],
    }),
  ha: z
    .object({
      enabled: z.boolean().default(false),
      /** A lease not renewed for this long is free for a standby to take. */
      leaseTtlMs: z.number().int().min(1000).max(60_000).default(5_000),
      /** The holder renews this often; a standby checks as often. */
      renewEveryMs: z.number().int().min(100).max(30_000).default(1_000),
      /** This instance's name in the lease (defaults to the host name and process id). */
      nodeId: z.string().min(1).optional(),
    })
    .prefault({})
    .refine((h) => h.renewEveryMs * 2 < h.leaseTtlMs, {
      message: 'expected renewEveryMs to be less than half of leaseTtlMs',
      path: ['renewEveryMs'],
    }),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variables that override config file values; the path is the field they set. */
export const ENV_OVERRIDES: Record<string, { path: string; type: 'string' | 'number' | 'boolean' }> = {
  ARI_URL: { path: 'ari.url', type: 'string' },
  ARI_USERNAME: { path: 'ari.username', type: 'string' },
  ARI_PASSWORD: { path: 'ari.password', type: 'string' },
  ARI_APP: { path: 'ari.app', type: 'string' },
  ARI_COMMAND_TIMEOUT_MS: { path: 'ari.commandTimeoutMs', type: 'number' },
  ARI_HEARTBEAT_MS: { path: 'ari.heartbeatMs', type: 'number' },
  ARI_ORPHAN_POLICY: { path: 'ari.orphanPolicy', type: 'string' },
  REDIS_URL: { path: 'redis.url', type: 'string' },
  REDIS_KEY_PREFIX: { path: 'redis.keyPrefix', type: 'string' },
  STORE_PATH: { path: 'store.path', type: 'string' },
  API_HOST: { path: 'api.host', type: 'string' },
  API_PORT: { path: 'api.port', type: 'number' },
  API_METRICS: { path: 'api.metrics', type: 'string' },
  API_DOCS: { path: 'api.docs', type: 'string' },
  LOG_LEVEL: { path: 'log.level', type: 'string' },
  AUTH_SECURE_COOKIE: { path: 'auth.secureCookie', type: 'boolean' },
  AUTH_IDLE_TIMEOUT_MIN: { path: 'auth.idleTimeoutMin', type: 'number' },
  AUTH_SESSION_LIFETIME_MIN: { path: 'auth.sessionLifetimeMin', type: 'number' },
  INSTANCE_ID: { path: 'service.instanceId', type: 'string' },
  DRAIN_TIMEOUT_MS: { path: 'service.drainTimeoutMs', type: 'number' },
  IVR_LINES: { path: 'ivr.lines', type: 'number' },
  IVR_FLOWS_DIR: { path: 'ivr.flowsDir', type: 'string' },
  IVR_TIMEZONE: { path: 'ivr.timezone', type: 'string' },
  IVR_PROMPTS_DIR: { path: 'ivr.prompts.dir', type: 'string' },
  IVR_PROMPTS_PBX_DIR: { path: 'ivr.prompts.pbxDir', type: 'string' },
  STORAGE_DIR: { path: 'storage.dir', type: 'string' },
  SOFTPHONE_WS_URL: { path: 'softphone.wsUrl', type: 'string' },
  FAX_LINES: { path: 'fax.lines', type: 'number' },
  FAX_DIR: { path: 'fax.dir', type: 'string' },
  FAX_SPOOL_DIR: { path: 'fax.spool.dir', type: 'string' },
  FAX_SPOOL_PBX_DIR: { path: 'fax.spool.pbxDir', type: 'string' },
  RECORDING_FROM: { path: 'recording.from', type: 'string' },
  RECORDING_LAYOUT: { path: 'recording.layout', type: 'string' },
  RECORDING_DIR: { path: 'recording.dir', type: 'string' },
  RECORDING_RETENTION_DAYS: { path: 'recording.retention.defaultDays', type: 'number' },
  AGENT_WRAP_UP_SEC: { path: 'agents.wrapUpSec', type: 'number' },
  AGENT_AUTO_LOGOUT_SEC: { path: 'agents.autoLogoutNotReadySec', type: 'number' },
  HOTLINE_OVERFLOW_AFTER_SEC: { path: 'hotline.overflowAfterSec', type: 'number' },
  HOTLINE_MAX_WAIT_SEC: { path: 'hotline.maxWaitSec', type: 'number' },
  HA_ENABLED: { path: 'ha.enabled', type: 'boolean' },
  HA_NODE_ID: { path: 'ha.nodeId', type: 'string' },
  HA_LEASE_TTL_MS: { path: 'ha.leaseTtlMs', type: 'number' },
  DIALER_TRUNK_CHANNELS: { path: 'dialer.trunkChannels', type: 'number' },
  DIALER_DIAL_STRING: { path: 'dialer.dialString', type: 'string' },
  DIALER_DEFAULT_COUNTRY: { path: 'dialer.defaultCountry', type: 'string' },
  SMS_ENABLED: { path: 'sms.enabled', type: 'boolean' },
};

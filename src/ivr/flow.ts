import { z } from 'zod';
import { hoursSchema } from '../lib/calendar.js';
import { keyPatternProblem, MAX_KEY_PATTERN_CHARS } from './key-pattern.js';

/**
 * An IVR flow is a document: named nodes, each of a kind, wired by node ids. This schema is the one
 * source of truth for what a flow may say; validateFlow adds the checks that span nodes (every reference
 * names a node that exists) and reports every problem with the path of the node that has it.
 */

/** Media Asterisk can play: sound:NAME (a prompt on the PBX), recording:NAME, tone:NAME, digits:123, number:42. */
export const mediaSchema = z
  .string()
  .regex(/^(sound|recording|tone|digits|number):[^\s,]+$/, 'expected media such as sound:hello-world');

/** One or more prompts, played in order. A single string is accepted and made a list. */
const promptsSchema = z
  .union([mediaSchema, z.array(mediaSchema).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

export const nodeIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a node id of letters, digits, _ or - (at most 64)');

const digitSchema = z.string().regex(/^[0-9*#]$/, 'expected one key: 0-9, * or #');
const ms = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

const playNode = z.object({
  type: z.literal('play'),
  prompts: promptsSchema,
  /** Let a key press skip the rest of the prompts (the key is kept for the next node). */
  bargeIn: z.boolean().default(true),
  next: nodeIdSchema,
});

const menuNode = z.object({
  type: z.literal('menu'),
  prompts: promptsSchema,
  /** Key -> node. */
  options: z
    .record(digitSchema, nodeIdSchema)
    .refine((o) => Object.keys(o).length > 0, 'a menu needs at least one option'),
  /** Wait for a key after the prompt ends. */
  timeoutMs: ms(500, 60_000, 5_000),
  /** Further tries after a timeout or an invalid key; then `fallback`. */
  retries: z.number().int().min(0).max(9).default(2),
  invalidPrompts: promptsSchema.optional(),
  timeoutPrompts: promptsSchema.optional(),
  fallback: nodeIdSchema,
});

const collectNode = z.object({
  type: z.literal('collect'),
  prompts: promptsSchema,
  /** Where the digits are kept (session variable name). */
  variable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'expected a variable name'),
  minLength: z.number().int().min(1).max(64).default(1),
  maxLength: z.number().int().min(1).max(64).default(20),
  /** Key that ends input early ('none': only maxLength or the inter-digit timeout end it). */
  terminator: z.enum(['#', '*', 'none']).default('#'),
  firstDigitTimeoutMs: ms(500, 60_000, 5_000),
  interDigitTimeoutMs: ms(500, 30_000, 3_000),
  /** The whole input must match it: the subset of regular expressions of key-pattern.ts (docs/ivr.md). */
  pattern: z
    .string()
    .max(MAX_KEY_PATTERN_CHARS, { abort: true })
    .superRefine((p, ctx) => {
      const problem = keyPatternProblem(p);
      if (problem) ctx.addIssue({ code: 'custom', message: `not a supported key pattern: ${problem}` });
    })
    .optional(),
  retries: z.number().int().min(0).max(9).default(2),
  invalidPrompts: promptsSchema.optional(),
  next: nodeIdSchema,
  fallback: nodeIdSchema,
});

/** The business hours themselves are the shared calendar's (the dialer's calling window reads them too). */
const scheduleNode = hoursSchema.extend({
  type: z.literal('schedule'),
  open: nodeIdSchema,
  closed: nodeIdSchema,
  /** Where holidays go; `closed` when absent. */
  holiday: nodeIdSchema.optional(),
});

const setNode = z.object({
  type: z.literal('set'),
  /** Values kept with the call (and its IVR record). */
  variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), z.string().max(256)).default({}),
  tags: z.array(z.string().min(1).max(64)).default([]),
  next: nodeIdSchema,
});

const queueNode = z.object({
  type: z.literal('queue'),
  queue: z.string().min(1).default('hotline'),
  /** Where the caller goes when the queue cannot take the call. */
  fallback: nodeIdSchema,
});

const transferNode = z.object({
  type: z.literal('transfer'),
  /** A dial string Asterisk understands: PJSIP/1001, Local/100@agents, PJSIP/trunk/+4930... */
  endpoint: z.string().regex(/^[A-Za-z]+\/\S+$/, 'expected a dial string such as PJSIP/1001'),
  timeoutSec: z.number().int().min(5).max(120).default(30),
  /** Played to the caller while the endpoint rings (music on hold when absent). */
  ringbackPrompts: promptsSchema.optional(),
  /** Where the caller goes if the endpoint does not answer, is busy or fails. */
  failed: nodeIdSchema,
});

const voicemailNode = z.object({
  type: z.literal('voicemail'),
  prompts: promptsSchema.optional(),
  beep: z.boolean().default(true),
  maxDurationSec: z.number().int().min(5).max(600).default(120),
  /** Stop after this much silence (0: never). */
  maxSilenceSec: z.number().int().min(0).max(60).default(5),
  /** Key that ends the message. */
  terminateOn: z.enum(['#', '*', 'any', 'none']).default('#'),
  /** Played after the message; then `next`, or hang up when absent. */
  thanksPrompts: promptsSchema.optional(),
  next: nodeIdSchema.optional(),
});

const callbackNode = z.object({
  type: z.literal('callback'),
  /** E.g. "to be called back on this number press 1, to enter another number press 2". */
  prompts: promptsSchema,
  confirmKey: digitSchema.default('1'),
  otherNumberKey: digitSchema.default('2'),
  /** Asked before collecting another number. */
  enterNumberPrompts: promptsSchema.optional(),
  minLength: z.number().int().min(3).max(20).default(6),
  maxLength: z.number().int().min(3).max(20).default(15),
  timeoutMs: ms(1_000, 60_000, 6_000),
  /** Played once the callback is registered. */
  confirmedPrompts: promptsSchema.optional(),
  /** Where the caller goes if no callback was registered (timeout, bad input). */
  failed: nodeIdSchema,
  next: nodeIdSchema.optional(),
});

const hangupNode = z.object({
  type: z.literal('hangup'),
  prompts: promptsSchema.optional(),
});

export const nodeSchema = z.discriminatedUnion('type', [
  playNode,
  menuNode,
  collectNode,
  scheduleNode,
  setNode,
  queueNode,
  transferNode,
  voicemailNode,
  callbackNode,
  hangupNode,
]);

export const flowNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected a lower-case name of letters, digits, _ or -');

export const flowSchema = z
  .object({
    name: flowNameSchema,
    description: z.string().max(500).optional(),
    /** Dialed numbers (DNIS) this flow answers. */
    numbers: z.array(z.string().regex(/^\+?[0-9*#]{1,32}$/, 'expected a dialed number')).default([]),
    /** Prompt language passed to Asterisk (en, zh, ...). */
    language: z
      .string()
      .regex(/^[a-z]{2}([_-][A-Za-z]{2,})?$/)
      .optional(),
    start: nodeIdSchema,
    nodes: z.record(nodeIdSchema, nodeSchema).refine((n) => Object.keys(n).length > 0, 'a flow needs nodes'),
  })
  .superRefine((flow, ctx) => {
    const exists = (id: string) => Object.hasOwn(flow.nodes, id);
    if (!exists(flow.start)) {
      ctx.addIssue({ code: 'custom', path: ['start'], message: `unknown node '${flow.start}'` });
    }
    for (const [id, node] of Object.entries(flow.nodes)) {
      for (const [field, target] of nodeReferences(node)) {
        if (!exists(target)) {
          ctx.addIssue({
            code: 'custom',
            path: ['nodes', id, ...field],
            message: `unknown node '${target}'`,
          });
        }
      }
      if (node.type === 'collect' && node.minLength > node.maxLength) {
        ctx.addIssue({
          code: 'custom',
          path: ['nodes', id, 'minLength'],
          message: 'minLength is above maxLength',
        });
      }
      if (node.type === 'callback' && node.minLength > node.maxLength) {
        ctx.addIssue({
          code: 'custom',
          path: ['nodes', id, 'minLength'],
          message: 'minLength is above maxLength',
        });
      }
    }
  });

export type FlowInput = z.input<typeof flowSchema>;
export type Flow = z.output<typeof flowSchema>;
export type FlowNode = Flow['nodes'][string];
export type NodeOf<T extends FlowNode['type']> = Extract<FlowNode, { type: T }>;

/** Every node id a node points at, with the field path that holds it. */
export function nodeReferences(node: FlowNode): [string[], string][] {
  switch (node.type) {
    case 'play':
    case 'set':
      return [[['next'], node.next]];
    case 'menu':
      return [
        ...Object.entries(node.options).map(([key, target]): [string[], string] => [
          ['options', key],
          target,
        ]),
        [['fallback'], node.fallback],
      ];
    case 'collect':
      return [
        [['next'], node.next],
        [['fallback'], node.fallback],
      ];
    case 'schedule':
      return [
        [['open'], node.open],
        [['closed'], node.closed],
        ...(node.holiday ? [[['holiday'], node.holiday] as [string[], string]] : []),
      ];
    case 'queue':
      return [[['fallback'], node.fallback]];
    case 'transfer':
      return [[['failed'], node.failed]];
    case 'voicemail':
      return node.next ? [[['next'], node.next]] : [];
    case 'callback':
      return [[['failed'], node.failed], ...(node.next ? [[['next'], node.next] as [string[], string]] : [])];
    case 'hangup':
      return [];
  }
}

export interface FlowProblem {
  /** Dotted path, e.g. nodes.main.options.1 */
  path: string;
  message: string;
}

/** Validates a flow document; problems name the node and field that has them. */
export function validateFlow(
  input: unknown,
): { ok: true; flow: Flow } | { ok: false; problems: FlowProblem[] } {
  const result = flowSchema.safeParse(input);
  if (result.success) return { ok: true, flow: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(root)',
      message: issue.message,
    })),
  };
}

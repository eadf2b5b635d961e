import { SERVICE_NOT_READY_REASONS, type ServiceNotReadyReason } from './state.js';

/** A reason's name on the agent's screen, in each language the center works in. */
export interface ReasonLabel {
  'zh-CN': string;
  en: string;
}

/** A not-ready reason the center defines (config `agents.notReadyReasons`). */
export interface CenterNotReadyReason {
  code: string;
  label: ReasonLabel;
}

/** A reason as the agent's screen lists it: the service's own are shown, never offered to choose. */
export interface NotReadyReasonOption extends CenterNotReadyReason {
  selectable: boolean;
}

/** What the service's own reasons are called where they show (the agent's state bar, reports). */
const SERVICE_REASON_LABELS: Record<ServiceNotReadyReason, ReasonLabel> = {
  login: { 'zh-CN': '刚登录', en: 'Just logged in' },
  'after-call': { 'zh-CN': '话后处理', en: 'After-call work' },
  'line-dropped': { 'zh-CN': '线路断开', en: 'Line dropped' },
  'missed-calls': { 'zh-CN': '未接来电', en: 'Missed calls' },
};

/**
 * The not-ready reasons of the center: the ones a person may give (the center's, in its order), then the
 * service's own, labelled but not selectable. Built once from the configuration.
 */
export class NotReadyReasons {
  readonly options: readonly NotReadyReasonOption[];
  private readonly selectableCodes: ReadonlySet<string>;

  constructor(center: readonly CenterNotReadyReason[]) {
    this.options = [
      ...center.map(({ code, label }) => ({ code, label, selectable: true })),
      ...SERVICE_NOT_READY_REASONS.map((code) => ({
        code,
        label: SERVICE_REASON_LABELS[code],
        selectable: false,
      })),
    ];
    this.selectableCodes = new Set(center.map((r) => r.code));
  }

  /** True when a person may set an agent not ready for this reason. */
  selectable(code: string): boolean {
    return this.selectableCodes.has(code);
  }

  /** The codes a person may give, for error messages. */
  selectableList(): string {
    return [...this.selectableCodes].join(', ');
  }
}

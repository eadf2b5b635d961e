import type { NotReadyReasonOption } from '../api/workspace.js';
import { currentLocale, useT } from '../i18n/index.js';
import zhCN from '../i18n/zh-CN.js';

const known =
  <T extends string>(table: Record<T, string>) =>
  (code: string): code is T =>
    Object.hasOwn(table, code);

const isReason = known(zhCN.agent.reasons);
const isOutcome = known(zhCN.agent.outcomes);
const isPhase = known(zhCN.agent.preview.phases);
const isDefaultDisposition = known(zhCN.agent.dispositions);

/**
 * A disposition's label from the campaign's list (the preview has the current campaign's), else its
 * code: earlier attempts and recent calls name only the code.
 */
export function dispositionLabel(
  code: string | null,
  dispositions: { code: string; label: string }[] = [],
): string {
  if (!code) return '—';
  return dispositions.find((d) => d.code === code)?.label ?? code;
}

/** The not-ready reasons an agent picks from when the center has not defined its own (workspace route). */
export const DEFAULT_SELECTABLE_REASONS = ['break', 'lunch', 'meeting', 'training', 'busy', 'other'] as const;

/**
 * Labels of codes the service sends: translated when the screen knows the code, the center's own label
 * (reasons from the workspace route) or the code itself otherwise.
 */
export function useLabels(reasons: () => NotReadyReasonOption[] | null) {
  const t = useT();
  return {
    reason(code: string): string {
      const defined = reasons()?.find((r) => r.code === code);
      if (defined) return defined.label[currentLocale.value] || code;
      return isReason(code) ? t(`agent.reasons.${code}`) : code;
    },
    /** A dial outcome, or the free text an attempt kept (a skip's reason). */
    outcome(code: string | null): string {
      if (!code) return '—';
      return isOutcome(code) ? t(`agent.outcomes.${code}`) : code;
    },
    /**
     * A disposition code (earlier attempts and recent calls name only the code): the campaign's label
     * when its list is at hand (the preview has the current campaign's), the service's default
     * dispositions translated, else the code.
     */
    disposition(code: string | null, campaignList: { code: string; label: string }[] = []): string {
      if (!code) return '—';
      const label = campaignList.find((d) => d.code === code)?.label;
      if (label) return label;
      return isDefaultDisposition(code) ? t(`agent.dispositions.${code}`) : code;
    },
    phase(code: string): string {
      return isPhase(code) ? t(`agent.preview.phases.${code}`) : code;
    },
    /** The reasons to choose from now, as [code, label]. */
    selectableReasons(): { code: string; label: string }[] {
      const defined = reasons();
      const codes = defined
        ? defined.filter((r) => r.selectable).map((r) => r.code)
        : DEFAULT_SELECTABLE_REASONS;
      return codes.map((code) => ({ code, label: this.reason(code) }));
    },
  };
}

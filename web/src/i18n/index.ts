import elementEn from 'element-plus/es/locale/lang/en';
import elementZhCn from 'element-plus/es/locale/lang/zh-cn';
import { computed } from 'vue';
import { createI18n, useI18n } from 'vue-i18n';
import type { Catalog, MessageKey } from './catalog.js';
import en from './en.js';
import zhCN from './zh-CN.js';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

/** Each language named in itself, so that someone who cannot read the current one still finds theirs. */
export const LOCALE_NAMES: Record<Locale, string> = { 'zh-CN': '中文', en: 'English' };

const STORAGE_KEY = 'cc.locale';

const isLocale = (value: unknown): value is Locale => LOCALES.includes(value as Locale);

function savedLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY);
  return isLocale(saved) ? saved : DEFAULT_LOCALE;
}

export const i18n = createI18n({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  messages: { 'zh-CN': zhCN as Catalog, en },
});

/**
 * t() for components, taking only keys the catalogs have (vue-i18n's own t accepts any string), so a
 * typo or a missing message fails the typecheck instead of showing a key on the screen.
 */
export function useT(): (key: MessageKey, values?: Record<string, unknown>) => string {
  const { t } = useI18n();
  return (key, values) => t(key, values ?? {});
}

/** Switches the language of every screen and remembers it in this browser. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
}

export const currentLocale = computed<Locale>(() => i18n.global.locale.value as Locale);

/** Element Plus's own strings (date pickers, pagination, empty tables) in the same language. */
export const elementLocale = computed(() => (currentLocale.value === 'en' ? elementEn : elementZhCn));

document.documentElement.lang = currentLocale.value;

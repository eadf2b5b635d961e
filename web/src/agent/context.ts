import { type InjectionKey, inject, onMounted, onUnmounted, type Ref, watch } from 'vue';
import type { AgentActions } from './actions.js';
import type { Refusal } from './refusals.js';
import type { KeyMap, ShortcutRegistry } from './shortcuts.js';
import type { AgentWorkspace } from './workspace.js';

/** What the agent page gives its parts. */
export interface AgentContext {
  ws: AgentWorkspace;
  actions: AgentActions;
  /** The server's clock, ticking (ms): timers and countdowns count against it. */
  serverNow: Readonly<Ref<number>>;
  shortcuts: ShortcutRegistry;
  notify(refusal: Refusal): void;
}

export const AGENT_CONTEXT: InjectionKey<AgentContext> = Symbol('agent-context');

export function useAgent(): AgentContext {
  const context = inject(AGENT_CONTEXT);
  if (!context) throw new Error('useAgent() outside the agent page');
  return context;
}

/**
 * The keys a part offers while it is shown; with `modal`, only while that is true, and then no other
 * part's keys work (a dialog).
 */
export function useShortcuts(keys: () => KeyMap, modal?: Readonly<Ref<boolean>>): void {
  const { shortcuts } = useAgent();
  let remove: (() => void) | undefined;
  const stop = () => {
    remove?.();
    remove = undefined;
  };
  if (!modal) {
    onMounted(() => {
      remove = shortcuts.add(keys);
    });
  } else {
    watch(
      modal,
      (open) => {
        stop();
        if (open) remove = shortcuts.push(keys);
      },
      { immediate: true },
    );
  }
  onUnmounted(stop);
}

import { watch } from 'vue';
import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router';
import ShellLayout from './layouts/ShellLayout.vue';
import AgentPage from './pages/AgentPage.vue';
import HomePage from './pages/HomePage.vue';
import NotFoundPage from './pages/NotFoundPage.vue';
import SignInPage from './pages/SignInPage.vue';
import { restoreSession, session } from './session/session.js';

declare module 'vue-router' {
  interface RouteMeta {
    /** Shown without signing in. */
    public?: boolean;
  }
}

/**
 * Every screen is a child of the shell (header with user, language, live state); the agent's screen and
 * the team-leader, supervisor, QA and admin pages come here as further children.
 */
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/sign-in', name: 'sign-in', component: SignInPage, meta: { public: true } },
    {
      path: '/',
      component: ShellLayout,
      children: [
        {
          path: '',
          name: 'home',
          component: HomePage,
          // An agent's home is their workspace.
          beforeEnter: () => (isAgent() ? { name: 'agent' } : true),
        },
        { path: 'agent', name: 'agent', component: AgentPage },
        { path: ':unknown(.*)*', name: 'not-found', component: NotFoundPage },
      ],
    },
  ],
});

const isAgent = () => session.identity?.role === 'agent' && session.identity.agentId !== null;

const signInFor = (to: RouteLocationNormalized) => ({
  name: 'sign-in',
  query: to.fullPath === '/' ? {} : { next: to.fullPath },
});

router.beforeEach(async (to) => {
  const identity = await restoreSession();
  if (to.meta.public) return identity && to.name === 'sign-in' ? { name: 'home' } : true;
  return identity ? true : signInFor(to);
});

// A session that ends on any page (sign-out, a revoked key) leads to the sign-in page.
watch(
  () => session.identity,
  (identity) => {
    const current = router.currentRoute.value;
    if (!identity && !current.meta.public) void router.replace(signInFor(current));
  },
);

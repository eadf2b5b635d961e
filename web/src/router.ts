import { watch } from 'vue';
import { createRouter, createWebHistory, type RouteLocationNormalizedLoaded } from 'vue-router';
import { readsFaxes } from './fax/access.js';
import ShellLayout from './layouts/ShellLayout.vue';
import AdminSeatsPage from './pages/AdminSeatsPage.vue';
import AgentPage from './pages/AgentPage.vue';
import ChangePasswordPage from './pages/ChangePasswordPage.vue';
import FaxPage from './pages/FaxPage.vue';
import HomePage from './pages/HomePage.vue';
import NotFoundPage from './pages/NotFoundPage.vue';
import SignInPage from './pages/SignInPage.vue';
import SmsPage from './pages/SmsPage.vue';
import { returnPath } from './session/return-path.js';
import { restoreSession, session } from './session/session.js';

declare module 'vue-router' {
  interface RouteMeta {
    /** Shown without signing in. */
    public?: boolean;
  }
}

/**
 * Every screen is a child of the shell (header with user, language, live state); the agent's screen and
 * the team-leader, supervisor, QA and admin pages come here as further children. A person who must change
 * their password sees only the standalone password page (outside the shell: the service refuses every
 * other route, the live stream included, until then).
 */
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/sign-in', name: 'sign-in', component: SignInPage, meta: { public: true } },
    {
      path: '/change-password',
      name: 'change-password',
      component: ChangePasswordPage,
      props: { required: true },
    },
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
        { path: 'sms', name: 'sms', component: SmsPage },
        // The roles that may read the faxes (GET /v1/faxes): others go home.
        {
          path: 'fax',
          name: 'fax',
          component: FaxPage,
          beforeEnter: () => (readsFaxes() ? true : { name: 'home' }),
        },
        // Admins only (the service refuses the edits to anyone else): others go home.
        {
          path: 'admin/seats',
          name: 'admin-seats',
          component: AdminSeatsPage,
          beforeEnter: () => (isAdmin() ? true : { name: 'home' }),
        },
        { path: 'account/password', name: 'password', component: ChangePasswordPage },
        { path: ':unknown(.*)*', name: 'not-found', component: NotFoundPage },
      ],
    },
  ],
});

export const isAdmin = () => session.identity?.role === 'admin';

const isAgent = () => session.identity?.role === 'agent' && session.identity.agentId !== null;

/** The page a person was on (or on the way to, from the forced password change), to return to. */
const placeOf = (route: RouteLocationNormalizedLoaded): string =>
  route.name === 'change-password' ? returnPath(route.query.next) : route.fullPath;

const nextQuery = (place: string) => (place === '/' ? {} : { next: place });

router.beforeEach(async (to) => {
  const identity = await restoreSession();
  if (to.meta.public) return identity && to.name === 'sign-in' ? { name: 'home' } : true;
  if (!identity) return { name: 'sign-in', query: nextQuery(placeOf(to)) };
  const required = to.name === 'change-password';
  if (identity.mustChangePassword) {
    return required ? true : { name: 'change-password', query: nextQuery(placeOf(to)) };
  }
  // The forced page, once the password is changed, is the shell's own.
  return required ? { name: 'password' } : true;
});

// A session that ends on any page leads to the sign-in page: after a deliberate sign-out a fresh start, after
// an expiry (or an end elsewhere) the way back kept. A password change the service asks for comes first
// (but on the sign-in page, which goes on by itself, through the guard).
watch(
  () => [session.identity !== null, session.identity?.mustChangePassword === true] as const,
  ([signedIn, mustChange]) => {
    const current = router.currentRoute.value;
    if (!signedIn) {
      if (current.meta.public) return;
      const deliberate = session.ended === 'signed-out' || session.ended === 'signed-out-everywhere';
      void router.replace({ name: 'sign-in', query: deliberate ? {} : nextQuery(placeOf(current)) });
    } else if (mustChange && !current.meta.public && current.name !== 'change-password') {
      void router.replace({ name: 'change-password', query: nextQuery(placeOf(current)) });
    }
  },
);

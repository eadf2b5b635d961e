import type { Catalog } from './catalog.js';

/** English. `satisfies Catalog`: a key missing here or not in zh-CN fails the typecheck. */
export default {
  app: {
    name: 'Call Center',
    loading: 'Loading…',
  },
  header: {
    language: 'Language',
    signOut: 'Sign out',
    user: '{name} ({role})',
  },
  roles: {
    admin: 'Administrator',
    supervisor: 'Supervisor',
    'team-leader': 'Team leader',
    agent: 'Agent',
    qa: 'QA reviewer',
  },
  live: {
    label: 'Live updates',
    connecting: 'Connecting…',
    connected: 'Connected',
    reconnecting: 'Connection lost, reconnecting…',
    offline: 'Not connected',
  },
  signIn: {
    title: 'Sign in',
    subtitle: 'Call center workspace',
    apiKey: 'API key',
    apiKeyPlaceholder: 'Enter your API key',
    submit: 'Sign in',
    placeholderNote:
      'Temporary sign-in: use the API key your administrator gave you. Sign-in with a user name and password is coming.',
    expired: 'Your session has ended. Please sign in again.',
    signedOut: 'You have signed out.',
    errors: {
      required: 'Please enter your API key.',
      invalid: 'This API key is invalid or has been revoked. Check it and try again.',
      network: 'The server cannot be reached. Check the network and try again.',
      server: 'The server had a problem ({status}). Please try again later.',
    },
  },
  home: {
    title: 'Home',
    welcome: 'Welcome, {name}',
    identity: 'Signed in as',
    name: 'Name',
    role: 'Role',
    agent: 'Agent ID',
    keyId: 'Key ID',
    none: 'None',
    live: 'Live updates',
    liveState: 'Connection',
    connectedSince: 'Connected since',
    notConnected: '—',
    centerTime: 'Center time',
    timeZone: 'Time zone',
  },
  notFound: {
    title: 'Page not found',
    message: 'The page you asked for does not exist or has moved.',
    back: 'Back to home',
  },
} satisfies Catalog;

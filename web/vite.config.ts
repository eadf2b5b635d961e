import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/** The service in development (npm run dev, port 3000): the dev server sends it the API's paths. */
const service = process.env.CC_API_URL ?? 'http://127.0.0.1:3000';

// `npm run build:web` builds into web/dist (served by the service at /); `npm run dev:web` serves with reload.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [vue()],
  define: {
    // vue-i18n's build flags: the Composition API only, no devtools in production.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Element Plus is one chunk of its own: it changes less often than the app, so browsers keep it.
    // With the agent's screen (tables, date picker, dialogs) it is ~630 kB, ~210 kB gzipped: one
    // long-cached download, so the warning starts above it.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        codeSplitting: { groups: [{ name: 'vendor', test: /node_modules/ }] },
      },
    },
  },
  server: {
    proxy: Object.fromEntries(['/v1', '/docs', '/healthz', '/readyz', '/metrics'].map((p) => [p, service])),
  },
});

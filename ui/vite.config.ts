import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Two pages: the popover (index.html) and the Route Inspector
// (inspector.html). Relative asset paths, no inline scripts (the app's CSP
// is `script-src 'self'`), output in ui/dist for Tauri's frontendDist.
export default defineConfig({
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2021',
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        index: resolve(__dirname, 'index.html'),
        inspector: resolve(__dirname, 'inspector.html'),
      },
      output: {
        // Code both pages share, under names that say what it is.
        manualChunks: (id) => (id.includes('node_modules') ? 'vendor' : /\/src\/(api|lib|components)\//.test(id) ? 'common' : undefined),
      },
    },
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
});

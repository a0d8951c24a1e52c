// Browser tests: the built UI (ui/dist) in Debian's headless Chromium with
// the Tauri IPC mocked from fixtures recorded on the simulated Mac.
// Screenshots go to ui/test-artifacts/. Exits non-zero when a test fails.
//
//   npm run build && npm run test:browser        (CHROMIUM_PATH overrides /usr/bin/chromium)

import { launch, run, serveDist } from './harness.mjs';
import { inspectorTests } from './inspector.mjs';
import { popoverTests } from './popover.mjs';
import { setupTests } from './setup.mjs';

const server = await serveDist();
const browser = await launch();
const ctx = { browser, base: server.base };
const only = process.argv[2];
let failed = 1;
try {
  const tests = [...popoverTests(ctx), ...setupTests(ctx), ...inspectorTests(ctx)].filter(([name]) => !only || name.includes(only));
  failed = await run(tests);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);

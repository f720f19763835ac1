// Drives the server's GraphiQL page in headless Chromium, the way a person would.
//
// Usage: node graphiql_check.mjs CONFIG_FILE
//
// CONFIG_FILE is a JSON object with:
//   npmDir       folder whose node_modules holds playwright-core (.cache/npm-browser)
//   chromium     path of the Chromium executable (Debian's /usr/bin/chromium)
//   userDataDir  a fresh, empty profile folder
//   pageUrl      the GraphiQL page, with the query in Strawberry's `?q=` parameter
//   headers      the request headers to paste into GraphiQL's headers editor (an object)
//   expectText   text the result pane has to show once the query ran
//   screenshot   where to save a PNG of the page with its result
//   timeoutMs    budget for each wait on the page
//
// Prints one JSON line on stdout: every request and WebSocket the page opened, failed requests,
// response statuses, console errors, the editors' and result pane's text. Exits 0 when the
// result pane showed expectText, 1 when a step failed (the JSON then has `error`), 2 on a
// bad command line. The caller judges the recorded traffic.

import { CHROMIUM_ARGS, npmRequire, readConfig } from "./harness.mjs";

const config = readConfig("graphiql_check.mjs", [
  "npmDir",
  "chromium",
  "userDataDir",
  "pageUrl",
  "headers",
  "expectText",
  "screenshot",
  "timeoutMs",
]);
const require = npmRequire(config);
const { chromium } = require("playwright-core");

const report = {
  requests: [],
  websockets: [],
  responses: [],
  failed: [],
  consoleErrors: [],
  pageErrors: [],
  queryEditor: null,
  headersEditor: null,
  resultText: null,
  screenshot: null,
  error: null,
};

// A last guard: whatever hangs, the browser goes away and the process ends.
const watchdog = setTimeout(() => {
  report.error = "watchdog: the whole check took too long";
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(1);
}, config.timeoutMs * 4);

const origin = new URL(config.pageUrl).origin;
let context = null;
try {
  context = await chromium.launchPersistentContext(config.userDataDir, {
    executablePath: config.chromium,
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(config.timeoutMs);

  // Record every request the page makes; let only the server's own origin through, so a CDN
  // reference fails fast (and is reported) instead of waiting on a closed network.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || url.startsWith("blob:") || new URL(url).origin === origin) {
      return route.continue();
    }
    return route.abort("blockedbyclient");
  });
  context.on("request", (request) => {
    report.requests.push({
      url: request.url(),
      method: request.method(),
      resourceType: request.resourceType(),
    });
  });
  context.on("response", (response) => {
    report.responses.push({ url: response.url(), status: response.status() });
  });
  context.on("requestfailed", (request) => {
    report.failed.push({ url: request.url(), error: request.failure()?.errorText ?? "" });
  });

  const page = context.pages()[0] ?? (await context.newPage());
  page.on("websocket", (socket) => report.websockets.push(socket.url()));
  page.on("console", (message) => {
    if (message.type() === "error") report.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => report.pageErrors.push(String(error)));

  await page.goto(config.pageUrl, { waitUntil: "load" });
  const execute = page.locator(".graphiql-execute-button");
  await execute.waitFor({ state: "visible" });
  // GraphiQL fetches the schema (introspection) on start; let that settle before running.
  await page.waitForLoadState("networkidle");

  // The query came in through `?q=`; read it back from the query editor.
  report.queryEditor = await page
    .locator(".graphiql-query-editor .CodeMirror")
    .evaluate((element) => element.CodeMirror.getValue());

  // Open the headers tab and paste the token, as a person pastes it into the editor.
  await page.getByRole("button", { name: "Headers", exact: true }).click();
  const headersEditor = page.locator(
    'section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror',
  );
  await headersEditor.click();
  await page.keyboard.insertText(JSON.stringify(config.headers, null, 2));
  report.headersEditor = await headersEditor.evaluate((element) => element.CodeMirror.getValue());

  await execute.click();
  const result = page.locator(".graphiql-response .result-window");
  await result.getByText(config.expectText).first().waitFor({ state: "visible" });
  report.resultText = await result
    .locator(".CodeMirror")
    .evaluate((element) => element.CodeMirror.getValue());

  await page.screenshot({ path: config.screenshot });
  report.screenshot = config.screenshot;
} catch (error) {
  report.error = String(error?.stack ?? error);
} finally {
  if (context !== null) {
    await context.close().catch(() => {});
  }
  clearTimeout(watchdog);
}
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(report.error === null ? 0 : 1);

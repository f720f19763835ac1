// Walks through the account pages in headless Chromium, as a person would: opens a page,
// fills labelled fields, presses buttons and links, and reads what the page says.
//
// Usage: node account_pages_check.mjs CONFIG_FILE
//
// CONFIG_FILE is a JSON object with:
//   npmDir       folder whose node_modules holds playwright-core (.cache/npm-browser)
//   chromium     path of the Chromium executable (Debian's /usr/bin/chromium)
//   userDataDir  a fresh, empty profile folder
//   origin       the server's origin: requests anywhere else are blocked and reported
//   timeoutMs    budget for each wait on the page
//   steps        a list of steps, run in order in one browser profile:
//     {"goto": URL}                          open a URL (a mail's link)
//     {"fill": LABEL, "value": TEXT}         type into the field with that label
//     {"press": BUTTON}                      press the button with that name (submits)
//     {"follow": LINK}                       follow the link with that name
//     {"expect": TEXT}                       wait until the page shows TEXT
//     {"screenshot": PATH}                   save a PNG of the page
//     {"fetch": URL}                         GET URL with the browser's cookies; the JSON is
//                                            recorded in `fetched`
//
// Prints one JSON line: the URL after each step, every request, failed requests, response
// statuses, console errors (a CSP violation is one), `fetched`, and `error` when a step
// failed (exit 1). The caller judges it.

import { CHROMIUM_ARGS, npmRequire, readConfig } from "./harness.mjs";

const config = readConfig("account_pages_check.mjs", [
  "npmDir",
  "chromium",
  "userDataDir",
  "origin",
  "timeoutMs",
  "steps",
]);
const require = npmRequire(config);
const { chromium } = require("playwright-core");

const report = {
  urls: [],
  requests: [],
  responses: [],
  failed: [],
  consoleErrors: [],
  pageErrors: [],
  fetched: [],
  error: null,
};

const watchdog = setTimeout(() => {
  report.error = "watchdog: the whole walk took too long";
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(1);
}, config.timeoutMs * (config.steps.length + 4));

let context = null;
try {
  context = await chromium.launchPersistentContext(config.userDataDir, {
    executablePath: config.chromium,
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 760 },
    javaScriptEnabled: false,
  });
  context.setDefaultTimeout(config.timeoutMs);
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || new URL(url).origin === config.origin) {
      return route.continue();
    }
    return route.abort("blockedbyclient");
  });
  context.on("request", (request) => report.requests.push(request.url()));
  context.on("response", (response) =>
    report.responses.push({ url: response.url(), status: response.status() }),
  );
  context.on("requestfailed", (request) =>
    report.failed.push({ url: request.url(), error: request.failure()?.errorText ?? "" }),
  );
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") report.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => report.pageErrors.push(String(error)));

  for (const step of config.steps) {
    if (step.goto !== undefined) {
      await page.goto(step.goto, { waitUntil: "load" });
    } else if (step.fill !== undefined) {
      await page.getByLabel(step.fill, { exact: true }).fill(step.value);
    } else if (step.press !== undefined) {
      await Promise.all([
        page.waitForNavigation({ waitUntil: "load" }),
        page.getByRole("button", { name: step.press }).click(),
      ]);
    } else if (step.follow !== undefined) {
      await Promise.all([
        page.waitForNavigation({ waitUntil: "load" }),
        page.getByRole("link", { name: step.follow }).click(),
      ]);
    } else if (step.expect !== undefined) {
      await page.getByText(step.expect).first().waitFor({ state: "visible" });
    } else if (step.screenshot !== undefined) {
      await page.screenshot({ path: step.screenshot, fullPage: true });
    } else if (step.fetch !== undefined) {
      const answer = await context.request.get(step.fetch);
      report.fetched.push({ status: answer.status(), body: await answer.json() });
    } else {
      throw new Error(`unknown step ${JSON.stringify(step)}`);
    }
    report.urls.push(page.url());
  }
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

// Drives the account pages in headless Chromium, the way a person would, with none of the
// pages' own JavaScript in play (only passkeys need it; passkeys_check.mjs drives those): sign
// in, set up two-factor from the QR code, sign out, sign in
// with a one-time password; and, when the server lists sessions, two browsers of one user where
// one signs the other out.
//
// Usage: node account_check.mjs CONFIG_FILE
//
// CONFIG_FILE is a JSON object with:
//   npmDir      folder whose node_modules holds playwright-core and jsqr (.cache/npm-browser)
//   chromium    path of the Chromium executable (Debian's /usr/bin/chromium)
//   baseUrl     the server, e.g. http://127.0.0.1:8123
//   email       the user's email
//   password    the user's password
//   sessions    whether to run the two-browser sessions check
//   shotsDir    where to save a PNG of each page
//   timeoutMs   budget for each wait on the page
//
// Prints one JSON line on stdout: what each step saw (URLs, texts, the otpauth URL read back
// from the QR code and from the page's text), console errors (CSP refusals among them) and every
// answer of 400 or more. Exits 0 when
// every step ran, 1 when one failed (the JSON then has `error`), 2 on a bad command line.
// The caller judges the report.

import path from "node:path";

import { CHROMIUM_ARGS, npmRequire, readConfig } from "./harness.mjs";
import { currentStep, freshCode, totp } from "./totp.mjs";

const config = readConfig("account_check.mjs", [
  "npmDir",
  "chromium",
  "baseUrl",
  "email",
  "password",
  "sessions",
  "shotsDir",
  "timeoutMs",
]);
const require = npmRequire(config);
const { chromium } = require("playwright-core");
const jsQR = require("jsqr");

const report = {
  steps: {},
  shots: [],
  consoleErrors: [],
  pageErrors: [],
  refusals: [],
  error: null,
};

function watch(page, name) {
  page.on("console", (message) => {
    if (message.type() === "error") report.consoleErrors.push(`${name}: ${message.text()}`);
  });
  page.on("pageerror", (error) => report.pageErrors.push(`${name}: ${String(error)}`));
  page.on("response", (response) => {
    if (response.status() >= 400) {
      const url = new URL(response.url());
      report.refusals.push(`${name} ${response.request().method()} ${url.pathname} ${response.status()}`);
    }
  });
}

async function shot(page, name) {
  const file = path.join(config.shotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  report.shots.push(file);
}

async function signIn(page, otpFor) {
  await page.goto(`${config.baseUrl}/admin/login?redirect=/admin/account`);
  await page.getByLabel("Email").fill(config.email);
  await page.getByLabel("Password").fill(config.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForLoadState("load");
  if (otpFor) {
    await page.getByLabel("One-time password").waitFor();
    await shot(page, "login-otp-step");
    await page.getByLabel("One-time password").fill(await otpFor());
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForLoadState("load");
  }
}

// Reads the QR code the way a phone does: the rendered SVG drawn as an image, then decoded.
async function readQrCode(page) {
  const pixels = await page.locator("#tfa-qr svg").evaluate(async (svg) => {
    const size = 400;
    const copy = svg.cloneNode(true);
    copy.setAttribute("width", String(size));
    copy.setAttribute("height", String(size));
    const markup = new XMLSerializer().serializeToString(copy);
    const image = new Image();
    image.src = `data:image/svg+xml;base64,${btoa(markup)}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = size;
    canvas.height = size;
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, size, size);
    context.drawImage(image, 0, 0, size, size);
    return { size, data: Array.from(context.getImageData(0, 0, size, size).data) };
  });
  const decoded = jsQR(Uint8ClampedArray.from(pixels.data), pixels.size, pixels.size);
  return decoded === null ? null : decoded.data;
}

async function twoFactor(browser) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  context.setDefaultTimeout(config.timeoutMs);
  const page = await context.newPage();
  watch(page, "tfa");
  const steps = {};
  report.steps.tfa = steps;

  await page.goto(`${config.baseUrl}/admin/account`);
  steps.anonymousLandedOn = new URL(page.url()).pathname + new URL(page.url()).search;
  await shot(page, "login");
  await signIn(page, null);
  steps.afterLogin = new URL(page.url()).pathname;
  await shot(page, "account");

  await page.getByLabel("Your password", { exact: true }).fill(config.password);
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await page.locator("#tfa-qr svg").waitFor();
  await shot(page, "tfa-qr-code");
  steps.qrUrl = await readQrCode(page);
  steps.textUrl = await page.locator("#tfa-otpauth-url").textContent();
  steps.shownSecret = await page.locator("#tfa-secret").textContent();
  steps.focusedField = await page.evaluate(() => document.activeElement?.id ?? null);

  const secret = new URL(steps.qrUrl).searchParams.get("secret");
  steps.wrongCode = "000000";
  await page.getByLabel("Code from your authenticator app").fill(steps.wrongCode);
  await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  await page.waitForLoadState("load");
  steps.wrongCodeAlert = await page.locator("#tfa-error").textContent();
  await shot(page, "tfa-wrong-code");

  const enabling = { code: totp(secret, currentStep()), step: currentStep() };
  await page.getByLabel("Code from your authenticator app").fill(enabling.code);
  await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  await page.waitForLoadState("load");
  steps.afterEnable = new URL(page.url()).pathname + new URL(page.url()).search;
  steps.enabledNotice = await page.locator(".notice").textContent();
  steps.recoveryCodes = await page.locator("#tfa-recovery-codes li code").allTextContents();
  await shot(page, "tfa-on");

  await page.locator("header form.signout button").click();
  await page.waitForLoadState("load");
  steps.afterSignOut = new URL(page.url()).pathname;
  steps.cookiesAfterSignOut = (await context.cookies()).map((cookie) => cookie.name);

  let used = enabling.step;
  await signIn(page, async () => {
    const fresh = await freshCode(secret, used);
    used = fresh.step;
    return fresh.code;
  });
  steps.afterOtpLogin = new URL(page.url()).pathname;
  steps.accountEmail = await page.locator("#account-email").textContent();
  steps.tfaStatus = await page.locator("#tfa").textContent();
  await shot(page, "account-after-otp-login");
  await context.close();
  return { secret, used };
}

async function sessions(browser, tfa) {
  const steps = {};
  report.steps.sessions = steps;
  const contexts = [];
  const pages = [];
  let used = tfa.used;
  for (const name of ["first", "second"]) {
    const context = await browser.newContext({
      viewport: { width: 1000, height: 900 },
      userAgent: `AccountCheck/${name} (X11; Linux x86_64) Chrome/140.0.0.0 Safari/537.36`,
    });
    context.setDefaultTimeout(config.timeoutMs);
    const page = await context.newPage();
    watch(page, name);
    await signIn(page, async () => {
      const fresh = await freshCode(tfa.secret, used);
      used = fresh.step;
      return fresh.code;
    });
    contexts.push(context);
    pages.push(page);
  }
  const [first, second] = pages;
  await first.reload();
  const rows = first.locator("#sessions tbody tr");
  steps.rowsBefore = await rows.count();
  steps.currentRows = await first.locator("#sessions tbody tr.current").count();
  await shot(first, "sessions");
  // Sign out the other browser's session: the row that is not this one and names its agent.
  const other = first.locator("#sessions tbody tr:not(.current)", { hasText: "second" }).first();
  steps.otherRowText = await other.textContent();
  await other.getByRole("button", { name: /Sign out/ }).click();
  await first.waitForLoadState("load");
  steps.afterRevoke = new URL(first.url()).pathname + new URL(first.url()).search;
  steps.rowTextsAfter = await first.locator("#sessions tbody tr").allTextContents();
  await shot(first, "sessions-after-revoke");

  // The other browser's next request is refused: the page sends it to sign in again.
  await second.goto(`${config.baseUrl}/admin/account`);
  steps.secondLandedOn = new URL(second.url()).pathname;
  const api = await contexts[1].request.get(`${config.baseUrl}/users/me`);
  steps.secondApiStatus = api.status();
  await shot(second, "signed-out-elsewhere");
  // The first browser is still signed in.
  const mine = await contexts[0].request.get(`${config.baseUrl}/users/me`);
  steps.firstApiStatus = mine.status();
  for (const context of contexts) await context.close();
}

const watchdog = setTimeout(() => {
  report.error = "watchdog: the whole check took too long";
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(1);
}, config.timeoutMs * 8);

let browser = null;
try {
  browser = await chromium.launch({
    executablePath: config.chromium,
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
  });
  const tfa = await twoFactor(browser);
  if (config.sessions) await sessions(browser, tfa);
} catch (error) {
  report.error = String(error?.stack ?? error);
} finally {
  if (browser !== null) await browser.close().catch(() => {});
  clearTimeout(watchdog);
}
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(report.error === null ? 0 : 1);

// Passkeys on the account pages in headless Chromium, with the DevTools protocol's virtual
// authenticators (WebAuthn.addVirtualAuthenticator: CTAP2, internal, resident keys, user
// verification) standing in for a laptop's platform authenticator:
//   1. sign in with the password, add a passkey on the account page (the password asked for:
//      the server treats no login as fresh), sign out, sign in with the passkey without typing
//      an email, land on the account page; rename it;
//   2. a user with two-factor on: the password, then the passkey instead of the one-time
//      password; then delete that passkey (with the password when the server asks for it);
//   3. the first authenticator removed and one never registered added: the passkey sign-in is
//      refused, first with no credential at all (the browser refuses), then with a credential
//      the server does not know (the server refuses); no session cookie either time.
//
// Usage: node passkeys_check.mjs CONFIG_FILE
//
// CONFIG_FILE is a JSON object with:
//   npmDir         folder whose node_modules holds playwright-core (.cache/npm-browser)
//   chromium       path of the Chromium executable (Debian's /usr/bin/chromium)
//   baseUrl        the server as the browser reaches it, e.g. http://localhost:8123
//   rpId           the WebAuthn relying party id the server uses (localhost)
//   plain          {email, password} of a user without two-factor
//   tfa            {email, password} of a user who turns two-factor on here
//   sessionCookie  the session cookie's name
//   shotsDir       where to save a PNG of each page
//   timeoutMs      budget for each wait on the page
//
// Prints one JSON line on stdout: what each scenario saw (`steps`), console and page errors,
// every answer of 400 or more (`refusals`) and `error` when a step failed (exit 1). The caller
// judges the report.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import path from "node:path";

import { CHROMIUM_ARGS, npmRequire, readConfig } from "./harness.mjs";
import { currentStep, totp } from "./totp.mjs";

const config = readConfig("passkeys_check.mjs", [
  "npmDir",
  "chromium",
  "baseUrl",
  "rpId",
  "plain",
  "tfa",
  "sessionCookie",
  "shotsDir",
  "timeoutMs",
]);
const require = npmRequire(config);
const { chromium } = require("playwright-core");

const report = {
  steps: {},
  shots: [],
  consoleErrors: [],
  pageErrors: [],
  refusals: [],
  error: null,
};

const AUTHENTICATOR = {
  protocol: "ctap2",
  transport: "internal",
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
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

const where = (page) => new URL(page.url()).pathname + new URL(page.url()).search;

async function open(browser, name) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  context.setDefaultTimeout(config.timeoutMs);
  const page = await context.newPage();
  watch(page, name);
  const devtools = await context.newCDPSession(page);
  await devtools.send("WebAuthn.enable", { enableUI: false });
  return { context, page, devtools };
}

async function addAuthenticator(devtools) {
  const { authenticatorId } = await devtools.send("WebAuthn.addVirtualAuthenticator", {
    options: AUTHENTICATOR,
  });
  return authenticatorId;
}

async function storedCredentials(devtools, authenticatorId) {
  const { credentials } = await devtools.send("WebAuthn.getCredentials", { authenticatorId });
  return credentials.map((credential) => ({
    rpId: credential.rpId,
    isResidentCredential: credential.isResidentCredential,
    signCount: credential.signCount,
  }));
}

async function sessionCookie(context) {
  const cookies = await context.cookies();
  return cookies.some((cookie) => cookie.name === config.sessionCookie && cookie.value !== "");
}

// Presses a button that submits a form (directly, or from passkeys.js after the ceremony) and
// waits for the page it leads to.
async function pressAndLoad(page, name) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: "load" }),
    page.getByRole("button", { name, exact: true }).click(),
  ]);
}

async function signInWithPassword(page, user) {
  await page.goto(`${config.baseUrl}/admin/login?redirect=/admin/account`);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await pressAndLoad(page, "Sign in");
}

// The server runs with AUTH_FRESH_LOGIN_WINDOW=0: the first try is refused for want of the
// password, the page shows the refusal and a password field, the second try carries it.
async function addPasskey(page, name, password, steps) {
  await page.getByLabel("Name of the new passkey").fill(name);
  await page.getByRole("button", { name: "Add a passkey", exact: true }).click();
  const field = page.getByLabel("Your password, to add a passkey");
  await field.waitFor({ state: "visible" });
  steps.addRefusal = await page.locator("#passkey-add-error").textContent();
  steps.addPasswordFocused = await field.evaluate((input) => input === document.activeElement);
  await field.fill(password);
  await pressAndLoad(page, "Add a passkey");
}

async function passkeyNames(page) {
  const fields = page.locator("#passkeys tbody input[name=name]");
  const names = [];
  for (let i = 0; i < (await fields.count()); i += 1) names.push(await fields.nth(i).inputValue());
  return names;
}

async function signOut(page) {
  await pressAndLoad(page, "Sign out");
}

async function firstUser(browser) {
  const steps = {};
  report.steps.first = steps;
  const { context, page, devtools } = await open(browser, "first");
  const authenticator = await addAuthenticator(devtools);

  await signInWithPassword(page, config.plain);
  steps.afterPasswordLogin = where(page);
  steps.addFormVisible = await page.getByRole("button", { name: "Add a passkey" }).isVisible();
  await shot(page, "account-before-passkey");
  await addPasskey(page, "Laptop", config.plain.password, steps);
  steps.afterAdd = where(page);
  steps.addNotice = await page.locator(".notice").textContent();
  steps.namesAfterAdd = await passkeyNames(page);
  steps.stored = await storedCredentials(devtools, authenticator);
  await shot(page, "account-with-passkey");

  await signOut(page);
  steps.afterSignOut = where(page);
  steps.cookieAfterSignOut = await sessionCookie(context);
  steps.emailFieldValue = await page.getByLabel("Email").inputValue();
  await shot(page, "login-with-passkey-button");
  await pressAndLoad(page, "Sign in with a passkey");
  steps.afterPasskeyLogin = where(page);
  steps.accountEmail = await page.locator("#account-email").textContent();
  steps.cookieAfterPasskeyLogin = await sessionCookie(context);
  steps.lastUsedAfterLogin = await page.locator("#passkeys tbody tr td").nth(2).textContent();
  await shot(page, "account-after-passkey-login");

  await page.getByLabel("Name of passkey Laptop").fill("Work laptop");
  await pressAndLoad(page, "Rename passkey Laptop");
  steps.renameNotice = await page.locator(".notice").textContent();
  steps.namesAfterRename = await passkeyNames(page);

  await signOut(page);
  return { context, page, devtools, authenticator };
}

// An ES256 credential the server never saw, as WebAuthn.addCredential takes it.
function unknownCredential() {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    credentialId: randomBytes(32).toString("base64"),
    isResidentCredential: true,
    rpId: config.rpId,
    privateKey: privateKey.export({ format: "der", type: "pkcs8" }).toString("base64"),
    userHandle: randomBytes(16).toString("base64"),
    signCount: 0,
  };
}

async function strangerAuthenticator(first) {
  const steps = {};
  report.steps.stranger = steps;
  const { context, page, devtools } = first;
  await devtools.send("WebAuthn.removeVirtualAuthenticator", {
    authenticatorId: first.authenticator,
  });
  const stranger = await addAuthenticator(devtools);
  await page.goto(`${config.baseUrl}/admin/login?redirect=/admin/account`);

  // No credential on the device: the browser refuses, the page says so, nothing is posted.
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  const browserError = page.locator("#passkey-login-error");
  await browserError.waitFor({ state: "visible" });
  steps.emptyDeviceError = await browserError.textContent();
  steps.emptyDeviceUrl = where(page);
  steps.cookieAfterEmptyDevice = await sessionCookie(context);
  await shot(page, "login-refused-by-browser");

  // A credential the server does not know: the server refuses, the page shows its message.
  await devtools.send("WebAuthn.addCredential", {
    authenticatorId: stranger,
    credential: unknownCredential(),
  });
  await pressAndLoad(page, "Sign in with a passkey");
  steps.unknownCredentialUrl = where(page);
  steps.unknownCredentialError = await page.locator("#form-error").textContent();
  steps.cookieAfterUnknownCredential = await sessionCookie(context);
  await shot(page, "login-refused-by-server");
  await context.close();
}

async function twoFactorUser(browser) {
  const steps = {};
  report.steps.tfa = steps;
  const { context, page, devtools } = await open(browser, "tfa");
  const authenticator = await addAuthenticator(devtools);

  await signInWithPassword(page, config.tfa);
  await page.getByLabel("Your password", { exact: true }).fill(config.tfa.password);
  await pressAndLoad(page, "Set up two-factor authentication");
  const secret = (await page.locator("#tfa-secret").textContent()).trim();
  await page.getByLabel("Code from your authenticator app").fill(totp(secret, currentStep()));
  await pressAndLoad(page, "Turn on two-factor authentication");
  steps.tfaNotice = await page.locator(".notice").textContent();
  await addPasskey(page, "Phone", config.tfa.password, steps);
  steps.namesAfterAdd = await passkeyNames(page);
  steps.stored = await storedCredentials(devtools, authenticator);
  await signOut(page);

  await page.getByLabel("Email").fill(config.tfa.email);
  await page.getByLabel("Password").fill(config.tfa.password);
  await pressAndLoad(page, "Sign in");
  steps.otpStepShown = await page.getByLabel("One-time password").isVisible();
  await shot(page, "login-otp-step-with-passkey");
  await pressAndLoad(page, "Use a passkey instead");
  steps.afterPasskeyLogin = where(page);
  steps.accountEmail = await page.locator("#account-email").textContent();
  steps.cookieAfterPasskeyLogin = await sessionCookie(context);
  await shot(page, "account-after-passkey-second-factor");

  // Posted without a password first; a login older than AUTH_FRESH_LOGIN_WINDOW is asked for it.
  await pressAndLoad(page, "Delete passkey Phone");
  const password = page.getByLabel("Your password, to delete passkey Phone");
  steps.deleteAskedPassword = (await password.count()) > 0;
  if (steps.deleteAskedPassword) {
    steps.deleteRefusal = await page.locator("#passkeys-error").textContent();
    await shot(page, "account-delete-asks-password");
    await password.fill(config.tfa.password);
    await pressAndLoad(page, "Delete passkey Phone");
  }
  steps.deleteNotice = await page.locator(".notice").textContent();
  steps.namesAfterDelete = await passkeyNames(page);
  await shot(page, "account-after-delete");
  await context.close();
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
    // The test server listens on 127.0.0.1; the page's origin is http://localhost (a secure
    // context, and a host name WebAuthn accepts as the relying party id).
    args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1"],
  });
  const first = await firstUser(browser);
  await strangerAuthenticator(first);
  await twoFactorUser(browser);
} catch (error) {
  report.error = String(error?.stack ?? error);
} finally {
  if (browser !== null) await browser.close().catch(() => {});
  clearTimeout(watchdog);
}
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(report.error === null ? 0 : 1);

// What every browser check here shares: Chromium's flags, reading the config file the pytest
// side wrote (exit 2 on a bad command line or a missing key), and `require` for the npm
// packages pinned in package.json (installed into the config's npmDir).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

export function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

export function readConfig(script, keys) {
  if (process.argv.length !== 3) fail(`usage: node ${script} CONFIG_FILE`);
  const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
  for (const key of keys) {
    if (config[key] === undefined) fail(`config is missing ${key}`);
  }
  return config;
}

export function npmRequire(config) {
  return createRequire(path.join(config.npmDir, "package.json"));
}

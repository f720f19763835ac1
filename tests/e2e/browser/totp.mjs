// RFC 6238 one-time passwords with the otpauth URL's defaults (SHA1, 6 digits, 30 s), as an
// authenticator app computes them: for the browser checks that turn two-factor on.

import { createHmac } from "node:crypto";

function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of text.replace(/=+$/, "").toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0xf;
  const value = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, "0");
}

export const currentStep = () => Math.floor(Date.now() / 30_000);

// A code of a time step no code was used in yet (the server refuses a step twice).
export async function freshCode(secret, usedStep) {
  while (currentStep() <= usedStep) await new Promise((resolve) => setTimeout(resolve, 250));
  const step = currentStep();
  return { code: totp(secret, step), step };
}

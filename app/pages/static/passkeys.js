// Passkeys on the account pages: the one script they load (the CSP allows only our own files).
//
// Every form marked data-passkey="register" or "login" is hidden until this script finds a
// browser that can do WebAuthn with JSON options. On submit it asks the API for a ceremony's
// options, lets the browser's authenticator answer, and posts the answer as the form's
// `credential` field: the page's route (CSRF-checked like every form here) registers it or
// signs in, and shows what the server said. Errors before that are shown beside the form.
// Adding a passkey needs the password unless the login is fresh: when the API refuses the
// options for that, the form's password field appears and goes with the next request.
"use strict";

(() => {
  const CAN = typeof window.PublicKeyCredential === "function"
    && typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
    && typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

  // The browser's DOMException names, said as a person understands them.
  const REFUSALS = {
    NotAllowedError: "No passkey was used: the request was cancelled, timed out, or this device has no passkey for this site.",
    InvalidStateError: "This device already holds a passkey for your account.",
    SecurityError: "This site's address does not allow passkeys (it has to match the server's WEBAUTHN_RP_ID).",
    AbortError: "The passkey request was cancelled.",
  };

  function say(form, text) {
    const box = form.querySelector("[data-passkey-error]");
    box.textContent = text;
    box.hidden = !text;
  }

  // The API's options ({data: ...}); a refusal throws its message (errors[0].message).
  async function fetchOptions(url, body) {
    const answer = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });
    const payload = await answer.json().catch(() => null);
    if (!answer.ok || payload === null || payload.data === undefined) {
      const error = payload?.errors?.[0];
      const refusal = new Error(error?.message || `The server answered ${answer.status}. Try again.`);
      refusal.code = error?.extensions?.code;
      throw refusal;
    }
    return payload.data;
  }

  // The password box of a form, once the API asked for it (null before, or on the login form).
  function askedPassword(form) {
    const box = form.querySelector("[data-passkey-password]");
    return box === null || box.hidden ? null : box.querySelector("input");
  }

  async function register(form) {
    const password = askedPassword(form)?.value;
    const data = await fetchOptions(form.dataset.optionsUrl, password ? { password } : {});
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(data);
    return navigator.credentials.create({ publicKey });
  }

  async function login(form) {
    const email = form.elements.email?.value;
    const data = await fetchOptions(form.dataset.optionsUrl, email ? { email } : {});
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(data);
    return navigator.credentials.get({ publicKey });
  }

  const CEREMONIES = { register, login };

  for (const form of document.querySelectorAll("form[data-passkey]")) {
    const ceremony = CEREMONIES[form.dataset.passkey];
    if (!CAN || ceremony === undefined) continue;
    form.hidden = false;
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      say(form, "");
      button.disabled = true;
      try {
        const credential = await ceremony(form);
        if (credential === null) throw new Error(REFUSALS.NotAllowedError);
        form.elements.credential.value = JSON.stringify(credential.toJSON());
        form.submit();
      } catch (error) {
        say(form, REFUSALS[error?.name] || error?.message || String(error));
        button.disabled = false;
        const box = form.querySelector("[data-passkey-password]");
        if (box !== null && ["INVALID_PAYLOAD", "INVALID_CREDENTIALS"].includes(error?.code)) {
          box.hidden = false;
          const field = box.querySelector("input");
          field.required = true;
          field.value = "";
          field.focus();
        }
      }
    });
  }
})();

// A real OpenID Connect provider (npm oidc-provider) on loopback, for the SSO tests.
//
// Config: a JSON object in the OIDC_PROVIDER_CONFIG environment variable, or in the file named by
// the first argument:
//   { "npm_dir": "<folder whose node_modules holds oidc-provider>", "host": "127.0.0.1", "port": 0,
//     "clients": [{ "client_id", "client_secret", "redirect_uris": [...],
//                   "token_endpoint_auth_method": "client_secret_basic" | "client_secret_post" }],
//     "accounts": [{ "sub", "email", "given_name", "family_name", "password" }],
//     "pkce_required": true, "auto_consent": false }
// Port 0 lets the OS choose; the issuer is http://<host>:<port>, known once listening.
// Prints "READY <port>" on stdout when it serves, and exits 0 on SIGTERM or SIGINT (and, with
// "exit_on_stdin_eof": true, when its stdin closes).
//
// The built-in devInteractions accept any password, so the login and consent pages are our own:
//   GET  /interaction/:uid          login form (prompt=login) or consent form (prompt=consent)
//   POST /interaction/:uid/login    login = email or sub, password; wrong -> the form again + error
//   POST /interaction/:uid/confirm  grants the requested scopes and claims
//   POST /interaction/:uid/abort    ends the flow with error=access_denied at the client
import { generateKeyPairSync, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const raw = process.argv[2] ? readFileSync(process.argv[2], 'utf8') : process.env.OIDC_PROVIDER_CONFIG;
if (!raw) {
  console.error('usage: node server.mjs CONFIG.json (or OIDC_PROVIDER_CONFIG=<json>)');
  process.exit(2);
}
const config = JSON.parse(raw);
// The packages live in an npm folder outside git (npm_dir), not next to this script.
const { default: Provider } = config.npm_dir
  ? await import(pathToFileURL(createRequire(path.join(config.npm_dir, 'package.json')).resolve('oidc-provider')).href)
  : await import('oidc-provider');
const host = config.host ?? '127.0.0.1';
const accounts = config.accounts ?? [];
const pkceRequired = config.pkce_required ?? true;
const autoConsent = config.auto_consent ?? false;

function findByLogin(login) {
  const wanted = String(login ?? '').trim();
  return accounts.find((a) => a.sub === wanted || (a.email && a.email.toLowerCase() === wanted.toLowerCase()));
}

function samePassword(given, expected) {
  // Compare digests so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(String(given ?? '')).digest();
  const b = createHash('sha256').update(String(expected)).digest();
  return timingSafeEqual(a, b);
}

function claimsOf(account) {
  const name = [account.given_name, account.family_name].filter(Boolean).join(' ');
  const claims = { sub: account.sub };
  if (account.email !== undefined) {
    claims.email = account.email;
    claims.email_verified = account.email_verified ?? true;
  }
  if (account.given_name !== undefined) claims.given_name = account.given_name;
  if (account.family_name !== undefined) claims.family_name = account.family_name;
  if (name) claims.name = name;
  return claims;
}

const escape = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><h1>${escape(title)}</h1>\n${body}\n</body></html>\n`;
}

function loginPage(uid, params, error) {
  const hint = params.login_hint ? ` value="${escape(params.login_hint)}"` : '';
  const message = error ? `<p class="error" role="alert">${escape(error)}</p>\n` : '';
  return page('Sign-in', `${message}<form method="post" action="/interaction/${escape(uid)}/login">
  <input type="hidden" name="prompt" value="login">
  <input type="hidden" name="client_id" value="${escape(params.client_id)}">
  <label>Email <input type="text" name="login" required${hint}></label>
  <label>Password <input type="password" name="password" required></label>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Cancel</button></form>`);
}

function consentPage(uid, params, details) {
  const scopes = (details.missingOIDCScope ?? []).map((s) => `<li>${escape(s)}</li>`).join('');
  return page('Authorize', `<p>${escape(params.client_id)} asks for:</p><ul class="scopes">${scopes}</ul>
<form method="post" action="/interaction/${escape(uid)}/confirm">
  <input type="hidden" name="prompt" value="consent">
  <button type="submit">Continue</button>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Cancel</button></form>`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

async function grantFor(provider, details) {
  const { prompt, grantId, session, params } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scope] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scope.join(' '));
    }
  }
  return grant.save();
}

async function interaction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, page('Error', '<p>interaction mismatch</p>'));
    return;
  }
  const { prompt, params } = details;
  if (req.method === 'GET' && action === undefined) {
    if (prompt.name === 'login') send(res, 200, loginPage(uid, params));
    else if (prompt.name === 'consent') send(res, 200, consentPage(uid, params, prompt.details));
    else send(res, 501, page('Error', `<p>unsupported prompt ${escape(prompt.name)}</p>`));
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, page('Error', '<p>method not allowed</p>'));
    return;
  }
  const form = await readForm(req);
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }
  if (action === 'login' && prompt.name === 'login') {
    const account = findByLogin(form.get('login'));
    // Check the password even for an unknown login, so both cost the same.
    const ok = samePassword(form.get('password'), account ? account.password : randomBytes(16).toString('hex'));
    if (!account || !ok) {
      send(res, 200, loginPage(uid, params, 'Invalid email or password.'));
      return;
    }
    const result = { login: { accountId: account.sub } };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    return;
  }
  if (action === 'confirm' && prompt.name === 'consent') {
    const grantId = await grantFor(provider, details);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  send(res, 400, page('Error', `<p>${escape(action)} does not answer prompt ${escape(prompt.name)}</p>`));
}

const server = http.createServer();
server.listen(config.port ?? 0, host, () => {
  const { port } = server.address();
  const issuer = `http://${host}:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: (config.clients ?? []).map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    async findAccount(ctx, sub) {
      const account = accounts.find((a) => a.sub === sub);
      if (!account) return undefined;
      return { accountId: account.sub, async claims() { return claimsOf(account); } };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    scopes: ['openid', 'email', 'profile'],
    // Put the scope's claims (email, names) into the ID token too, not only into userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, found) => `/interaction/${found.uid}` },
    pkce: { required: () => pkceRequired },
    // auto_consent: the documented recipe to skip the consent page (a first-party client).
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!autoConsent) return undefined;
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
      grant.addOIDCClaims([...(ctx.oidc.requestParamClaims ?? [])]);
      await grant.save();
      return grant;
    },
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // Explicit lifetimes (seconds), so the provider does not print a notice for each default.
    ttl: {
      AccessToken: 3600, AuthorizationCode: 600, IdToken: 3600, Interaction: 3600, Session: 86400, Grant: 86400,
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<p class="error">${escape(out.error)}: ${escape(out.error_description ?? '')}</p>`);
    },
  });
  const oidc = provider.callback();

  server.on('request', (req, res) => {
    const match = /^\/interaction\/([^/?]+)(?:\/(login|confirm|abort))?(?:\?.*)?$/.exec(req.url ?? '');
    if (!match) {
      oidc(req, res);
      return;
    }
    interaction(provider, req, res, match[1], match[2]).catch((error) => {
      console.error(error);
      if (!res.headersSent) send(res, 400, page('Error', `<p class="error">${escape(error.name)}: ${escape(error.message)}</p>`));
      else res.end();
    });
  });
  process.stdout.write(`READY ${port}\n`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (config.exit_on_stdin_eof) {
  // The test runner holds our stdin open: if it dies without stopping us, we do not linger.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

// Creates the fixture's roles, policies, access rows, permissions and users in a running Directus 12 (or
// 11), then measures what Directus answers each caller, so dauth's tests can assert "effective access is
// what Directus gave them". Started by ./make (env: DIRECTUS_URL, FIXTURE_OUT, ADMIN_EMAIL,
// ADMIN_PASSWORD). Only node built-ins: fetch, node:crypto (RFC 6238 TOTP), node:sqlite or psql.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BASE = process.env.DIRECTUS_URL;
const OUT = process.env.FIXTURE_OUT;
const ADMIN = { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD };

// Fixed ids, so a regenerated fixture keeps them (the bootstrap's own admin role/policy/user don't).
const uuid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ROLES = [
	{ id: uuid(101), name: 'Staff', parent: null },
	{ id: uuid(102), name: 'Editors', parent: 'Staff' },
	{ id: uuid(103), name: 'Junior Editors', parent: 'Editors' },
	{ id: uuid(104), name: 'Viewers', parent: null },
];
const OWN = { id: { _eq: '$CURRENT_USER' } };
const POLICIES = [
	// Directus 12 Core counts every active user with app or admin access as a seat and allows 3
	// (LIMIT_EXCEEDED "seats" on any write past them): admin, admin2 and direct@ take them, so the
	// other policies are API-only (app_access false).
	{ id: uuid(201), name: 'Staff Policy', roles: ['Staff'], permissions: [
		{ collection: 'directus_users', action: 'read', fields: ['id', 'email', 'first_name', 'last_name'], permissions: {} },
		{ collection: 'directus_users', action: 'update', fields: ['first_name', 'last_name'], permissions: OWN },
		{ collection: 'directus_roles', action: 'read', fields: ['*'], permissions: {} },
	] },
	{ id: uuid(202), name: 'Editor Policy', roles: ['Editors'], permissions: [
		{ collection: 'directus_users', action: 'read', fields: ['id', 'title'], permissions: {} },
		{ collection: 'directus_users', action: 'update', fields: ['title'], permissions: {} },
		{ collection: 'directus_access', action: 'read', fields: ['*'], permissions: {} },
	] },
	{ id: uuid(203), name: 'Viewer Policy', roles: ['Viewers'], permissions: [
		{ collection: 'directus_users', action: 'read', fields: ['id', 'first_name', 'last_name'], permissions: { status: { _eq: 'active' } } },
	] },
	{ id: uuid(204), name: 'IP Policy', enforce_tfa: true, ip_access: ['10.0.0.0/8'], roles: ['Viewers'], permissions: [
		{ collection: 'directus_users', action: 'read', fields: ['*'], permissions: {} },
	] },
	{ id: uuid(205), name: 'Direct Policy', app_access: true, users: ['direct@example.com'], permissions: [
		{ collection: 'directus_users', action: 'read', fields: ['*'], permissions: OWN },
		{ collection: 'directus_roles', action: 'read', fields: ['id', 'name'], permissions: {} },
		{ collection: 'directus_policies', action: 'read', fields: ['*'], permissions: {} },
	] },
];
// The Public policy (made by bootstrap) gets read of directus_roles.name.
const PUBLIC_PERMISSIONS = [{ collection: 'directus_roles', action: 'read', fields: ['name'], permissions: {} }];
const USERS = [
	{ key: 'admin', email: ADMIN.email, password: ADMIN.password, role: 'Administrator', bootstrap: true },
	{ key: 'admin2', id: uuid(301), email: 'admin2@example.com', password: 'Admin2-Pass-1', role: null, policies: ['Administrator'] },
	{ key: 'staff', id: uuid(302), email: 'staff@example.com', password: 'Staff-Pass-1', role: 'Staff', first_name: 'Sam', last_name: 'Staff' },
	{ key: 'editor', id: uuid(303), email: 'editor@example.com', password: 'Editor-Pass-1', role: 'Editors', first_name: 'Eda', last_name: 'Editor' },
	{ key: 'junior', id: uuid(304), email: 'junior@example.com', password: 'Junior-Pass-1', role: 'Junior Editors', first_name: 'Jun', last_name: 'Junior' },
	{ key: 'viewer', id: uuid(305), email: 'viewer@example.com', password: 'Viewer-Pass-1', role: 'Viewers', first_name: 'Vic', last_name: 'Viewer', title: 'Reader' },
	{ key: 'tfa', id: uuid(306), email: 'tfa@example.com', password: 'Tfa-Pass-1', role: 'Staff', first_name: 'Tia', last_name: 'Totp', tfa: true },
	{ key: 'suspended', id: uuid(307), email: 'suspended@example.com', password: 'Suspended-Pass-1', role: 'Viewers', status: 'suspended' },
	{ key: 'direct', id: uuid(308), email: 'direct@example.com', password: 'Direct-Pass-1', role: null, first_name: 'Dee', last_name: 'Direct' },
];

// --- HTTP ---------------------------------------------------------------------------------------
async function call(method, path, { token, body, from } = {}) {
	const headers = { 'content-type': 'application/json' };
	if (from) headers['x-forwarded-for'] = from; // ./make trusts it from the loopback
	if (token) headers.authorization = `Bearer ${token}`;
	const res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await res.text();
	let json = null;
	try { json = text ? JSON.parse(text) : null; } catch { json = { text }; }
	return { status: res.status, body: json };
}
async function must(method, path, opts) {
	const r = await call(method, path, opts);
	if (r.status >= 300) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
	return r.body?.data;
}
const setupAnswers = {};
let licensed = true; // false where Directus refuses custom permission rules (12 Core)
const gql = (query, token) => call('POST', '/graphql/system', { token, body: { query } });

// --- RFC 6238 TOTP (SHA-1, 6 digits, 30 s) -------------------------------------------------------
function base32(secret) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0, value = 0;
	const out = [];
	for (const c of secret.replace(/=+$/, '').toUpperCase()) {
		value = ((value << 5) | alphabet.indexOf(c)) & 0xffff;
		bits += 5;
		if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
	}
	return Buffer.from(out);
}
function totp(secret, ms = Date.now()) {
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30000)));
	const h = createHmac('sha1', base32(secret)).update(counter).digest();
	const o = h[h.length - 1] & 0xf;
	return String((h.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}
async function freshTotp(secret) {
	// Never hand Directus a code in the last seconds of its window.
	if (30000 - (Date.now() % 30000) < 4000) await new Promise((r) => setTimeout(r, 4500));
	return totp(secret);
}

// --- set-up ---------------------------------------------------------------------------------------
async function waitForHealth() {
	for (let i = 0; i < 240; i++) {
		try {
			const r = await fetch(`${BASE}/server/health`);
			if (r.status < 500) return r.status; // Directus 12 answers 403 to an anonymous health check
		} catch { /* not listening yet */ }
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error('Directus did not start');
}
async function login(user, otp) {
	const body = { email: user.email, password: user.password };
	if (otp) body.otp = otp;
	return call('POST', '/auth/login', { body });
}
async function token(user) {
	const r = await login(user, user.tfa_secret ? await freshTotp(user.tfa_secret) : undefined);
	if (r.status !== 200) throw new Error(`login ${user.email}: ${JSON.stringify(r.body)}`);
	return r.body.data.access_token;
}

async function setUp(adminToken) {
	const ids = { roles: {}, policies: {}, users: {}, access: [] };
	const opts = (body) => ({ token: adminToken, body });
	const adminRole = (await must('GET', '/roles?fields=id,name', opts()))[0];
	ids.roles[adminRole.name] = adminRole.id;
	const access = await must('GET', '/access?fields=*,policy.id,policy.name', opts());
	const publicRow = access.find((a) => a.role === null && a.user === null);
	ids.policies.Public = publicRow.policy.id;
	ids.policies.Administrator = access.find((a) => a.role === adminRole.id).policy.id;
	for (const role of ROLES) {
		const parent = role.parent ? ids.roles[role.parent] : null;
		ids.roles[role.name] = (await must('POST', '/roles', opts({ id: role.id, name: role.name, parent }))).id;
	}
	for (const u of USERS) {
		if (u.bootstrap) { ids.users[u.email] = (await must('GET', '/users/me', { token: adminToken })).id; continue; }
		const body = { id: u.id, email: u.email, password: u.password, role: u.role ? ids.roles[u.role] : null, status: u.status ?? 'active' };
		for (const f of ['first_name', 'last_name', 'title']) if (u[f]) body[f] = u[f];
		ids.users[u.email] = (await must('POST', '/users', opts(body))).id;
	}
	const rules = [];
	let accessNo = 400;
	const attach = async (policy, target) => {
		await must('POST', '/access', opts({ id: uuid(++accessNo), policy, ...target }));
	};
	for (const p of POLICIES) {
		const { roles = [], users = [], permissions, ...fields } = p;
		ids.policies[p.name] = (await must('POST', '/policies', opts({ admin_access: false, app_access: false, enforce_tfa: false, ...fields }))).id;
		for (const perm of permissions) rules.push({ ...perm, policy: p.id });
		for (const r of roles) await attach(p.id, { role: ids.roles[r] });
		for (const u of users) await attach(p.id, { user: ids.users[u] });
	}
	for (const u of USERS) for (const name of u.policies ?? []) await attach(ids.policies[name], { user: ids.users[u.email] });
	for (const perm of PUBLIC_PERMISSIONS) rules.push({ ...perm, policy: ids.policies.Public });
	// Directus 12 Core (no licence) refuses a custom rule (a field list other than * or a filter) on
	// every API path: RESOURCE_RESTRICTED "custom_permission_rules_enabled". A project upgraded from
	// Directus 11 keeps the ones it had, so they go straight into its database, as Directus 11 left
	// them; then the licence-free rules through the API, which also clears Directus's caches.
	const custom = rules.filter(isCustom);
	const first = await call('POST', '/permissions', opts(custom[0]));
	setupAnswers.admin_rest_create_custom_rule = { status: first.status, errors: first.body?.errors ?? null };
	licensed = first.status === 200;
	if (licensed) for (const r of custom.slice(1)) await must('POST', '/permissions', opts(r));
	else await insertRules(custom);
	for (const r of rules.filter((x) => !custom.includes(x))) await must('POST', '/permissions', opts(r));
	ids.access = (await must('GET', '/access?fields=id&sort=id', opts())).map((a) => a.id);
	return ids;
}

function isCustom(rule) {
	return rule.fields.join() !== '*' || Object.keys(rule.permissions).length > 0;
}

async function insertRules(rules) {
	const sql = `INSERT INTO directus_permissions (collection, action, permissions, validation, presets, fields, policy)
		VALUES (?, ?, ?, NULL, NULL, ?, ?)`;
	const rows = rules.map((r) => [r.collection, r.action, JSON.stringify(r.permissions), r.fields.join(','), r.policy]);
	if (process.env.DB_CLIENT === 'pg') {
		const quote = (v) => `'${String(v).replaceAll("'", "''")}'`;
		const statements = rows.map((row) => {
			let i = 0;
			return sql.replace(/\?/g, () => quote(row[i++]));
		});
		execFileSync('psql', ['-h', process.env.DB_HOST, '-U', process.env.DB_USER, '-d', process.env.DB_DATABASE,
			'-v', 'ON_ERROR_STOP=1', '-q', '-c', statements.join(';\n')]);
		return;
	}
	const { DatabaseSync } = await import('node:sqlite');
	const db = new DatabaseSync(process.env.DB_FILENAME);
	const insert = db.prepare(sql);
	for (const row of rows) insert.run(...row);
	db.close();
}

// /users/me/tfa/enable needs update on one's own tfa_secret; Core refuses that rule (a field list
// and a filter), so the user gets a licence-free "update directus_users *" policy for the moment.
async function enableTfa(user, ids, adminToken) {
	const opts = (body) => ({ token: adminToken, body });
	const policy = await must('POST', '/policies', opts({ id: uuid(299), name: 'TFA Set-up (removed)', app_access: false }));
	await must('POST', '/permissions', opts({ policy: policy.id, collection: 'directus_users', action: 'update', fields: ['*'], permissions: {} }));
	const row = await must('POST', '/access', opts({ id: uuid(499), policy: policy.id, user: ids.users[user.email] }));
	try {
		return await enableTfaAsUser(user);
	} finally {
		await must('DELETE', `/access/${row.id}`, opts());
		await must('DELETE', `/policies/${policy.id}`, opts());
	}
}

async function enableTfaAsUser(user) {
	const t = await token(user);
	const generated = await call('POST', '/users/me/tfa/generate', { token: t, body: { password: user.password } });
	const secret = generated.body?.data?.secret;
	const enabled = secret
		? await call('POST', '/users/me/tfa/enable', { token: t, body: { secret, otp: await freshTotp(secret) } })
		: null;
	if (enabled?.status === 204 || enabled?.status === 200) user.tfa_secret = secret;
	return { generate: { status: generated.status, keys: Object.keys(generated.body?.data ?? {}).sort(), errors: generated.body?.errors ?? null }, enable: enabled, secret };
}

// --- measuring ------------------------------------------------------------------------------------
const INTROSPECTION = `{ __schema { queryType { name } mutationType { name } subscriptionType { name }
  types { name kind fields { name } inputFields { name } } } }`;
const WATCHED_TYPES = ['directus_users', 'update_directus_users_input', 'create_directus_users_input',
	'directus_roles', 'directus_policies', 'directus_access', 'directus_permissions', 'users_me_tfa_generate_data'];

async function schemaOf(t) {
	const r = await gql(INTROSPECTION, t);
	const s = r.body?.data?.__schema;
	if (!s) return { status: r.status, body: r.body };
	const byName = Object.fromEntries(s.types.map((ty) => [ty.name, ty]));
	const names = (ty) => (ty ? (ty.fields ?? ty.inputFields ?? []).map((f) => f.name).sort() : null);
	return {
		status: r.status,
		query: names(byName[s.queryType?.name]),
		mutation: s.mutationType ? names(byName[s.mutationType.name]) : null,
		subscription: s.subscriptionType ? names(byName[s.subscriptionType.name]) : null,
		types: Object.fromEntries(WATCHED_TYPES.filter((n) => byName[n]).map((n) => [n, names(byName[n])])),
		type_names: s.types.map((ty) => ty.name).filter((n) => !n.startsWith('__')).sort(),
	};
}
async function measureCaller(t) {
	const get = (path) => call('GET', path, { token: t });
	return {
		users_me: t ? await get('/users/me?fields=*,role.*,policies.*') : await get('/users/me'),
		permissions_me: await get('/permissions/me'),
		policies_me_globals: await get('/policies/me/globals'),
		roles_me: await get('/roles/me'),
		graphql_schema: await schemaOf(t),
	};
}

async function probes(tokens, ids) {
	const viewer = ids.users['viewer@example.com'];
	const patch = (who, id, body) => call('PATCH', `/users/${id}?fields=id`, { token: tokens[who], body });
	const p = {};
	// GHSA-99vm-5v2h-h6r6: Staff Policy grants first_name/last_name on own user, Editor Policy title on all.
	p.ghsa_editor_rest_title_on_other = await patch('editor', viewer, { title: 'Probe' });
	p.ghsa_editor_rest_first_name_on_other = await patch('editor', viewer, { first_name: 'Probe' });
	p.ghsa_editor_rest_title_and_first_name_on_other = await patch('editor', viewer, { title: 'Probe2', first_name: 'Probe2' });
	p.ghsa_editor_rest_title_and_first_name_on_self = await call('PATCH', '/users/me?fields=id,first_name,title', { token: tokens.editor, body: { title: 'Self', first_name: 'Eda' } });
	p.ghsa_editor_graphql_first_name_on_other = await gql(`mutation { update_users_item(id: "${viewer}", data: { first_name: "Probe3" }) { id } }`, tokens.editor);
	p.ghsa_editor_graphql_title_and_first_name_on_other = await gql(`mutation { update_users_item(id: "${viewer}", data: { title: "Probe4", first_name: "Probe4" }) { id } }`, tokens.editor);
	p.nested_junior_rest_title_on_other = await patch('junior', viewer, { title: 'Probe5' });
	p.viewer_after_probes = await call('GET', `/users/${viewer}?fields=first_name,title`, { token: tokens.admin });
	// Put the fixture back as the README describes it.
	await must('PATCH', `/users/${viewer}`, { token: tokens.admin, body: { first_name: 'Vic', title: 'Reader' } });
	await must('PATCH', `/users/${ids.users['editor@example.com']}`, { token: tokens.admin, body: { title: null } });
	// ip_access: the IP Policy (enforce_tfa, read directus_users *) applies only from 10.0.0.0/8.
	const from10 = { token: tokens.viewer, from: '10.1.2.3' };
	p.ip_viewer_globals_from_10_x = await call('GET', '/policies/me/globals', from10);
	p.ip_viewer_rest_users_from_10_x = await call('GET', '/users?fields=id,email&sort=email', from10);
	p.ip_viewer_rest_users_from_192_168_x = await call('GET', '/users?fields=id,email&sort=email', { ...from10, from: '192.168.1.2' });
	p.anonymous_graphql_users_me = await gql('{ users_me { id } }');
	p.anonymous_graphql_roles = await gql('{ roles { name } }');
	p.anonymous_rest_roles = await call('GET', '/roles?fields=name');
	p.anonymous_rest_roles_all_fields = await call('GET', '/roles?fields=*');
	p.staff_graphql_users_id_email = await gql('{ users { id email } }', tokens.staff);
	p.viewer_graphql_users_id_email = await gql('{ users { id email } }', tokens.viewer);
	p.viewer_rest_users = await call('GET', '/users?fields=id,first_name,email&sort=email', { token: tokens.viewer });
	p.editor_rest_users = await call('GET', '/users?fields=id,email,title&sort=email', { token: tokens.editor });
	p.direct_rest_users = await call('GET', '/users?fields=id,email&sort=email', { token: tokens.direct });
	p.admin_server_info = await call('GET', '/server/info', { token: tokens.admin });
	p.anonymous_server_info = await call('GET', '/server/info');
	p.anonymous_rest_users_me = await call('GET', '/users/me');
	p.anonymous_server_health = { status: (await call('GET', '/server/health')).status };
	p.admin_server_health = { status: (await call('GET', '/server/health', { token: tokens.admin })).status };
	const by = (k) => USERS.find((u) => u.key === k);
	p.login_suspended = await login(by('suspended'));
	p.login_wrong_password = await login({ email: 'staff@example.com', password: 'wrong' });
	p.login_tfa_without_otp = await login({ ...by('tfa'), tfa_secret: undefined });
	p.login_tfa_wrong_otp = await login(by('tfa'), '000000');
	return p;
}

// Values that change on every run are replaced so that measured.json only changes when Directus does.
const VOLATILE = new Set(['last_access', 'access_token', 'refresh_token', 'expires', 'token']);
function stable(v) {
	if (Array.isArray(v)) return v.map(stable);
	if (v && typeof v === 'object') {
		return Object.fromEntries(Object.keys(v).sort().map((k) => [k, VOLATILE.has(k) && v[k] !== null ? '<volatile>' : stable(v[k])]));
	}
	return v;
}

async function main() {
	const healthStatus = await waitForHealth();
	const adminToken = await token(ADMIN);
	const ids = await setUp(adminToken);
	const tfaUser = USERS.find((u) => u.tfa);
	const tfa = await enableTfa(tfaUser, ids, adminToken);
	if (!tfaUser.tfa_secret) throw new Error(`TOTP not enabled: ${JSON.stringify(tfa)}`);
	const tokens = {};
	const callers = {};
	for (const u of USERS) {
		if (u.status === 'suspended') continue;
		tokens[u.key] = await token(u);
		callers[u.email] = await measureCaller(tokens[u.key]);
	}
	callers.public = await measureCaller(undefined);
	const admin = (path) => must('GET', path, { token: adminToken });
	const measured = {
		directus: { version: (await must('GET', '/server/info', { token: adminToken })).version ?? null, anonymous_health_status: healthStatus },
		ids,
		users: USERS.map(({ key, tfa_secret, bootstrap, ...u }) => ({ ...u, id: ids.users[u.email] })),
		tfa: { email: tfaUser.email, secret: tfa.secret, generate: tfa.generate, enable: tfa.enable },
		state: {
			roles: await admin('/roles?fields=*&sort=name'),
			policies: await admin('/policies?fields=*&sort=name'),
			access: await admin('/access?fields=*&sort=id'),
			permissions: await admin('/permissions?fields=*&sort=id&limit=-1'),
			users: await admin('/users?fields=id,email,status,role,first_name,last_name,title,provider,policies&sort=email'),
		},
		callers,
		probes: { ...setupAnswers, ...(await probes(tokens, ids)) },
	};
	mkdirSync(OUT, { recursive: true });
	writeFileSync(join(OUT, 'measured.json'), JSON.stringify(stable(measured), null, 2) + '\n');
	writeFileSync(join(OUT, 'README.md'), readme(measured));
	console.log(`measured ${Object.keys(callers).length} callers; TOTP secret ${tfa.secret}`);
}

function readme(m) {
	const roleOf = (u) => u.role ?? '(no role)';
	const rows = m.users.map((u) => `| ${u.email} | \`${u.password}\` | ${roleOf(u)} | ${u.status ?? 'active'} | ${[...(u.policies ?? []), ...POLICIES.filter((p) => p.users?.includes(u.email)).map((p) => p.name)].join(', ') || '-'} | ${u.tfa ? 'TOTP' : ''} |`);
	const pol = POLICIES.map((p) => `| ${p.name} | ${p.app_access ? 'yes' : 'no'} | ${p.enforce_tfa ? 'yes' : 'no'} | ${p.ip_access ? p.ip_access.join(', ') : '-'} | ${[...(p.roles ?? []).map((r) => `role ${r}`), ...(p.users ?? []).map((u) => `user ${u}`)].join(', ')} | ${p.permissions.map((x) => `${x.action} ${x.collection} (${x.fields.join(',')})${Object.keys(x.permissions).length ? ' where ' + JSON.stringify(x.permissions) : ''}${isCustom(x) ? ' †' : ''}`).join('; ')} |`);
	const major = m.directus.version.split('.')[0];
	const pg = process.env.DB_CLIENT === 'pg';
	return `# Directus ${major} fixture

Made by the real Directus ${m.directus.version} (npm \`directus@${m.directus.version}\`) with
\`scripts/directus12-fixture/make${pg ? ` ${major} pg` : major === '12' ? '' : ' ' + major}\`; do not edit by hand, regenerate instead (needs
the npm registry; installs into \`.cache/directus${major}/\`).

- \`${process.env.FIXTURE_DB}\`: ${pg
		? 'a plain `pg_dump --no-owner --no-privileges` of the PostgreSQL database Directus left'
		: 'the SQLite database Directus left (vacuumed)'}, with Directus's own tables
  (\`directus_roles\` with \`parent\`, \`directus_policies\`, \`directus_access\`, \`directus_permissions\`
  with \`policy\`, \`directus_users\`, ...). Passwords are Directus's argon2 hashes.
- \`measured.json\`: the ground truth measured from the running Directus: \`ids\` (name → id), \`users\`,
  \`state\` (what an admin reads back), \`callers\` (per user, and \`public\`: \`GET /users/me\`,
  \`/permissions/me\`, \`/policies/me/globals\`, \`/roles/me\`, and the root fields and watched types of
  the caller's GraphQL schema), \`probes\` (answers useful for conformance, e.g. GHSA-99vm-5v2h-h6r6).
  Tokens and \`last_access\` are replaced by \`<volatile>\`; every other value is as Directus answered.

## Roles

Administrator (made by bootstrap), Staff, Editors (parent Staff), Junior Editors (parent Editors),
Viewers. Fixed ids: ${ROLES.map((r) => `${r.name} \`${r.id}\``).join(', ')}.

## Policies

Administrator (admin + app access, bootstrap) on role Administrator and directly on admin2@example.com;
Public (bootstrap, attached to no role nor user) with \`read directus_roles (name)\` †. Ours:

| policy | app_access | enforce_tfa | ip_access | attached to | permissions |
| --- | --- | --- | --- | --- | --- |
${pol.join('\n')}

## Users

| email | password | role | status | direct policies | 2FA |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

TOTP secret of ${m.tfa.email}: \`${m.tfa.secret}\` (RFC 6238, SHA-1, 6 digits, 30 s).
Measured from 127.0.0.1, so the IP Policy (10.0.0.0/8) applies only in the \`probes.ip_*_from_10_x\`
(sent with \`X-Forwarded-For: 10.1.2.3\`; \`make\` sets \`IP_TRUST_PROXY=loopback\`).

${licensed ? licenceFree(m) : coreLicence(m)}`;
}

// † marks a custom rule: what Directus 12 Core puts behind a licence.
function coreLicence(m) {
	return `## What Directus 12 Core (no licence) does to this set-up

- **† Custom permission rules** (a field list other than \`*\`, or a filter) are behind a licence:
  \`POST /permissions\` refuses them (403 \`RESOURCE_RESTRICTED\`, category
  \`custom_permission_rules_enabled\`, see \`probes.admin_rest_create_custom_rule\`); a project holding
  them is *locked* (non-admin logins, \`/graphql\` and \`/items\` answer \`RESOURCE_RESTRICTED\`) except in
  the 30-day grace after an upgrade from Directus 11, and even then Directus **ignores** them: its
  permission reads drop them, so they grant nothing and do not show in an admin's \`GET /permissions\`.
  To hold them as a project upgraded from Directus 11 does, \`make\` dates the pre-12 migrations two
  days back (so the project is in that grace) and writes the † rows straight into
  \`directus_permissions\`. They are in the database (for \`dauth import-directus\`, where they stay
  free), but the measured answers show Directus granting only the licence-free (\`*\`, no filter)
  rules: e.g. the GHSA-99vm-5v2h-h6r6 probes are all 403, as Editors get no \`directus_users\`
  permission at all. \`tests/fixtures/directus11/\` measures the same set-up where they apply.
- **Seats**: Core allows 3 active users with app or admin access (\`LIMIT_EXCEEDED\` \`seats\` on the
  write past them). admin, admin2 and direct@ take them; the other policies have no app access.
${common(m)}`;
}

function licenceFree(m) {
	return `## Directus ${m.directus.version}: no licence gates

Every rule, † ones included, was created through \`POST /permissions\` and applies: this is the same
set-up as \`tests/fixtures/directus12/\` (same names, fixed ids, passwords; app access kept off the
policies that Directus 12 Core's 3 seats forced off), measured where custom rules work, so its
\`callers\` and \`probes\` (GHSA-99vm-5v2h-h6r6 included) are the ground truth for them.
${common(m)}`;
}

function common(m) {
	return `- **TOTP**: \`/users/me/tfa/enable\` needs update on one's own \`tfa_secret\`, so \`make\` gave
  ${m.tfa.email} a licence-free \`update directus_users *\` policy for the enabling, then deleted that
  policy and its access row.
- Probes that succeed change data; \`make\` puts it back, so the database holds what this README says.
`;
}

await main();

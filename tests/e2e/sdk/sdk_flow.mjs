// Drives a running server with the real @directus/sdk and prints a JSON summary on stdout.
//
// Environment: SDK_PREFIX (the npm --prefix the SDK was installed into), DIRECTUS_URL,
// ADMIN_EMAIL, ADMIN_PASSWORD. Written for @directus/sdk 26 (login takes {email, password}).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { SDK_PREFIX, DIRECTUS_URL, ADMIN_EMAIL, ADMIN_PASSWORD } = process.env;

async function loadSdk(prefix) {
	const manifestPath = join(prefix, 'node_modules', '@directus', 'sdk', 'package.json');
	const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
	const entry = join(dirname(manifestPath), manifest.exports['.'].import);
	return { version: manifest.version, sdk: await import(pathToFileURL(entry).href) };
}

// What a rejected SDK request carries: the HTTP status and Directus's error codes.
async function failure(promise) {
	try {
		await promise;
		return { rejected: false };
	} catch (error) {
		return {
			rejected: true,
			status: error?.response?.status ?? null,
			codes: Array.isArray(error?.errors) ? error.errors.map((e) => e?.extensions?.code) : [],
			message: error?.message ?? null,
		};
	}
}

// The SDK adds `expires_at` to the answer it hands back; the rest is what the server sent.
const serverKeys = (tokens) => Object.keys(tokens).filter((key) => key !== 'expires_at').sort();

async function main() {
	const { version, sdk } = await loadSdk(SDK_PREFIX);
	const {
		createDirectus,
		authentication,
		rest,
		graphql,
		serverPing,
		serverHealth,
		serverInfo,
		readProviders,
		readMe,
		readUsers,
		createUser,
		updateUser,
		deleteUsers,
		inviteUser,
		refresh,
		readRoles,
		readRole,
		createRole,
		createRoles,
		updateRole,
		updateRoles,
		deleteRole,
		deleteRoles,
		readSettings,
		updateSettings,
		readPolicies,
		createPolicy,
		readPermissions,
		createPermission,
		readRolesMe,
		readPolicyGlobals,
		readUserPermissions,
	} = sdk;

	// A storage the script can look into, so it can replay the refresh token after logout.
	let stored = null;
	const storage = {
		get: () => stored,
		set: (value) => {
			stored = value;
		},
	};

	const client = createDirectus(DIRECTUS_URL)
		.with(authentication('json', { storage, autoRefresh: false }))
		.with(rest())
		.with(graphql());

	const summary = { sdk_version: version };

	summary.ping = await client.request(serverPing());
	summary.health_status = (await client.request(serverHealth())).status;
	summary.providers = await client.request(readProviders());
	summary.public_server_info = await client.request(serverInfo());

	summary.wrong_login = await failure(
		client.login({ email: ADMIN_EMAIL, password: 'not-the-password' }),
	);

	const login = await client.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
	summary.login = {
		keys: serverKeys(login),
		expires: login.expires,
		expires_type: typeof login.expires,
		refresh_token_length: login.refresh_token.length,
		stored_expires_at_is_number: typeof stored?.expires_at === 'number' && !Number.isNaN(stored.expires_at),
	};

	const me = await client.request(readMe({ fields: ['id', 'email', 'role.name', 'role.admin_access'] }));
	summary.me = { email: me.email, role: me.role, has_id: typeof me.id === 'string' };

	const refreshed = await client.refresh();
	summary.refresh = {
		keys: serverKeys(refreshed),
		expires: refreshed.expires,
		expires_type: typeof refreshed.expires,
		rotated: refreshed.refresh_token !== login.refresh_token,
		stored_is_new: stored?.refresh_token === refreshed.refresh_token,
	};
	summary.me_after_refresh = (await client.request(readMe({ fields: ['email'] }))).email;

	// A role for the new users, through the graphql composable on the system endpoint.
	const created_role = await client.query(
		'mutation Role($name: String!) { create_roles_item(data: { name: $name }) { id name } }',
		{ name: 'SDK Editors' },
		'system',
	);
	const roleId = created_role.create_roles_item.id;
	summary.role_name = created_role.create_roles_item.name;

	const created = await client.request(
		createUser(
			{ email: 'sdk.user@example.com', password: 'sdk-user-password-1', role: roleId, first_name: 'Sdk' },
			{ fields: ['id', 'email', 'first_name', 'status', 'role', 'password'] },
		),
	);
	summary.created = {
		email: created.email,
		first_name: created.first_name,
		status: created.status,
		role_matches: created.role === roleId,
		password: created.password,
	};

	const updated = await client.request(
		updateUser(created.id, { first_name: 'Updated', title: 'CTO' }, { fields: ['id', 'first_name', 'title'] }),
	);
	summary.updated = { same_id: updated.id === created.id, first_name: updated.first_name, title: updated.title };

	const listed = await client.request(
		readUsers({
			fields: ['email', 'role.name'],
			filter: { role: { id: { _eq: roleId } } },
			sort: ['email'],
			limit: 10,
		}),
	);
	summary.listed = listed;

	summary.invite_result = await client.request(inviteUser('sdk.guest@example.com', roleId));
	summary.invited = await client.request(
		readUsers({ fields: ['email', 'status'], filter: { email: { _eq: 'sdk.guest@example.com' } } }),
	);

	summary.delete_result = await client.request(deleteUsers([created.id]));
	summary.after_delete = await client.request(
		readUsers({ fields: ['id'], filter: { email: { _eq: 'sdk.user@example.com' } } }),
	);

	summary.graphql_me = await client.query('{ users_me { email } }', undefined, 'system');

	// Signed in, server info adds the limits.
	const info = await client.request(serverInfo());
	summary.server_info = { keys: Object.keys(info).sort(), queryLimit: info.queryLimit };

	// Roles over REST: read, and a create/update/delete round trip of one and of many.
	summary.roles = await client.request(readRoles({ fields: ['name'], sort: ['name'] }));
	summary.role = await client.request(readRole(roleId, { fields: ['name', 'admin_access'] }));
	const temp = await client.request(createRole({ name: 'SDK Temp' }, { fields: ['id', 'name'] }));
	const renamed = await client.request(
		updateRole(temp.id, { description: 'Short-lived' }, { fields: ['name', 'description'] }),
	);
	const pair = await client.request(
		createRoles([{ name: 'SDK One' }, { name: 'SDK Two' }], { fields: ['id', 'name'] }),
	);
	const pairIds = pair.map((role) => role.id);
	const iconed = await client.request(updateRoles(pairIds, { icon: 'star' }, { fields: ['name', 'icon'] }));
	summary.role_writes = {
		created: temp.name,
		updated: renamed,
		created_many: pair.map((role) => role.name),
		updated_many: iconed,
		delete_one: (await client.request(deleteRole(temp.id))) ?? null,
		delete_many: (await client.request(deleteRoles(pairIds))) ?? null,
		left: await client.request(
			readRoles({ fields: ['name'], filter: { name: { _starts_with: 'SDK ' } }, sort: ['name'] }),
		),
	};

	// The access model: a policy on the role, a permission in it, the role's policies.
	const policy = await client.request(
		createPolicy({ name: 'SDK Readers', app_access: true }, { fields: ['id', 'name', 'app_access'] }),
	);
	const attached = await client.request(
		updateRole(roleId, { policies: [{ policy: policy.id }] }, { fields: ['name'] }),
	);
	const permission = await client.request(
		createPermission(
			{ policy: policy.id, collection: 'directus_roles', action: 'read', fields: ['name'] },
			{ fields: ['collection', 'action', 'fields', 'policy'] },
		),
	);
	summary.access_model = {
		policy: { name: policy.name, app_access: policy.app_access },
		attached,
		permission: { ...permission, policy_matches: permission.policy === policy.id, policy: undefined },
		policies: await client.request(
			readPolicies({ fields: ['name'], filter: { name: { _starts_with: 'SDK ' } }, sort: ['name'] }),
		),
		permissions: await client.request(
			readPermissions({ fields: ['collection', 'action'], filter: { policy: { _eq: policy.id } } }),
		),
		role_policies: (
			await client.request(readRoles({ fields: ['*', { policies: ['*'] }], filter: { id: { _eq: roleId } } }))
		).map((role) => ({ name: role.name, policies: role.policies.map((row) => row.policy === policy.id) })),
		roles_me: await client.request(readRolesMe({ fields: ['name'] })),
		globals: await client.request(readPolicyGlobals()),
		user_permissions_keys: Object.keys(await client.request(readUserPermissions())).includes('directus_policies'),
	};

	// The settings over REST.
	summary.settings = await client.request(readSettings({ fields: ['project_name', 'public_registration'] }));
	summary.settings_updated = await client.request(
		updateSettings({ project_name: 'SDK Project' }, { fields: ['project_name'] }),
	);
	summary.public_server_info_after = (await createDirectus(DIRECTUS_URL).with(rest()).request(serverInfo()))
		.project.project_name;
	summary.role_id = roleId;

	const lastRefreshToken = stored.refresh_token;
	await client.logout();
	summary.logout = {
		storage_cleared: stored?.access_token === null && stored?.refresh_token === null,
		replayed_refresh: await failure(client.request(refresh({ mode: 'json', refresh_token: lastRefreshToken }))),
	};

	process.stdout.write(JSON.stringify(summary));
}

main().then(
	() => process.exit(0),
	(error) => {
		process.stderr.write(`sdk flow failed: ${error?.stack ?? error}\n`);
		if (error?.errors) process.stderr.write(`${JSON.stringify(error.errors)}\n`);
		process.exit(1);
	},
);

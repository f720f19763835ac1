// A typed client's view of the generated types: it has to compile under `tsc --noEmit --strict`.
// tests/e2e/test_codegen.py copies this next to the generated file (generated/graphql.ts).
import type {
  Directus_Users,
  Reference02UsersMeQuery,
  Reference04CreateUsersItemMutation,
  Reference15AuthLoginMutation,
  Reference15AuthLoginMutationVariables,
} from "./generated/graphql";

export const me: Reference02UsersMeQuery = { users_me: { email: "admin@example.com" } };

export const created: Reference04CreateUsersItemMutation = {
  create_users_item: {
    email: "another@example.com",
    role: { id: "c86c2761-65d3-43c3-897f-6f74ad6a5bd7", name: "Public" },
  },
};

export const noVariables: Reference15AuthLoginMutationVariables = {};

export function accessToken(reply: Reference15AuthLoginMutation): string | null {
  return reply.auth_login?.access_token ?? null;
}

export function emailOf(user: Pick<Directus_Users, "email">): string {
  return user.email ?? "(no email)";
}

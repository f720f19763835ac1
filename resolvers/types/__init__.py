"""GraphQL object, input, enum and scalar types with Directus's names."""

"""REST endpoints of @directus/sdk's rest() composable, over the same services as GraphQL."""

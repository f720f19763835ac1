"""The query engine: Directus query arguments (filter, sort, search, limits, field lists) made
into SQL, the same for every surface (GraphQL, REST, subscriptions). Part of the data layer."""

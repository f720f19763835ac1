"""The GraphQL surface: types, inputs, queries, mutations, context. Thin; logic lives in app."""

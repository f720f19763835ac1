"""GraphQL machinery apart from the domain resolvers: the HTTP view, document caches and
templates, validation, hostile-document limits, the socket protocol, error masking."""

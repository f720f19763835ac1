"""Single sign-on: provider configuration and the OpenID Connect, OAuth2 and LDAP drivers."""

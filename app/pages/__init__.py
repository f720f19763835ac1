"""Server-rendered account pages at Directus's Data Studio paths (/admin/...): where the mails
point (reset, invitation, registration), login, and the user's own account.

Pages are a surface like GraphQL and REST: every rule stays in app/services; a page only reads a
form, calls the service an API client would, and renders the outcome (errors included) as HTML.
"""

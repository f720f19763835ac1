"""HTTP concerns shared by every transport: token sources, cookies, error bodies."""

"""What an accountability may see and change, and Directus filters as SQL."""

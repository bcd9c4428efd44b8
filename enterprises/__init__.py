"""Social economy enterprises, partner institutions, users and their roles (shared kernel)."""

"""What every page shares; it imports no domain sub-package of ``web`` (import-linter)."""

"""Double-entry ledger: books, accounts, journals, entries. Knows nothing of loans or enterprises."""

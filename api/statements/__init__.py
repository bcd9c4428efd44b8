"""Statements and exports over HTTP: ask, follow, download, verify; the download log; journal exports."""

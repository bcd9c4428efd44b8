"""Statements' pages: the list, asking for one, downloading it, and the auditors' download log."""

"""The kernel over HTTP: sign-in and me, enterprises and institutions, the audit trail."""

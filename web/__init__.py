"""The server-rendered pages people use: the landing page, the session login, the staff console (``/console/``) and
the enterprise portal (``/my/``).

An interfaces-layer package beside ``api/``, built the same way: ``common/`` holds what every page shares (the base
views that check the instruments' access tables, tables with filters, sorting, paging and CSV/XLSX export, forms,
the one mapping of domain errors to pages) and one sub-package per domain (``kernel/``, ``funds/``,
``statements/``) holds its views, tables, forms and urls, assembled in ``web/urls.py``. A view parses the request,
calls one service or selector and renders; no rule lives in a view or a template.
"""

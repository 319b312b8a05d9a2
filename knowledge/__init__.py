"""medlens knowledge: the case library and the only package that writes the database.

Modules: ``db`` (open the SQLite file, migrations), ``models`` (what a valid case is), ``cases``
(curation with optimistic locking and revisions), ``search`` (FTS5 search), ``users`` (roles and
logins), ``transfer`` (YAML/JSON import and export), ``seed`` (the curated library in ``seed/``),
``appraisals`` (saved paper appraisals) and ``audit`` (change log and prediction log).
"""

"""The SQL both backends run (SQLite and PostgreSQL take the same text: `?` parameters,
ON CONFLICT upserts, the same tables and columns), over a `Database` of either. What
differs stays in the backend's package: connecting, types, migrations, failures."""

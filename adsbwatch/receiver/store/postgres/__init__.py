"""The PostgreSQL backend: a database on a server (`--db postgresql://...`), which many
stations can share. Only opening.py imports it, and it imports psycopg: a command that
opens no such store never loads the driver. The SQL it runs is sql/'s, shared with
SQLite; here are connecting, the tables' PostgreSQL types and migrations, and failures."""

"""Storage: SQLModel tables, the engine, the unit of work and the repositories.

Nothing outside this package builds SQL. Alembic (``storage/migrations``) is the only way a
schema is created or changed.
"""

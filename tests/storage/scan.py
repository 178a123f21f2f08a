"""Look through every table of a database (as it really is, not as the models say)."""

from __future__ import annotations

from sqlalchemy import MetaData, select

from storage import Database


def rows_containing(db: Database, *needles: str) -> list[tuple[str, str, str]]:
    """(table, column, value) of every stored value that contains one of `needles`."""
    metadata = MetaData()
    metadata.reflect(db.engine)
    found = []
    with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is not None and any(n in str(value) for n in needles):
                        found.append((table.name, column, str(value)))
    return found


def row_counts(db: Database) -> dict[str, int]:
    metadata = MetaData()
    metadata.reflect(db.engine)
    with db.engine.connect() as connection:
        return {table.name: len(connection.execute(select(table)).all())
                for table in metadata.sorted_tables}

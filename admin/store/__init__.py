"""The admin database: schema, migrations, and the one way to change content (`changes.transaction`)."""

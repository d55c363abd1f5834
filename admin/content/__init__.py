"""Content rules: validation and the writes that go through `admin.store.changes.transaction`."""

"""Content rules: validation and the writes that go through `admin.store.changes.transaction`.

- `validate`: field checks raising `Invalid` (one line naming the field): text (no control characters,
  length limits), slug, http(s) URL, ISO time (naive = Europe/Stockholm, stored with offset), numbers, flags.
- `listings`: tenants and partners (one shape, `TENANT` / `PARTNER`), add/edit/remove/upsert, logos.
- `events`, `rooms` (rooms and bookings, overlap check), `announcements`: the same pattern; their
  `insert`/`update` functions work inside a caller's transaction so importers can batch many records.
- `imports`: CSV/JSON listing files, parsed and validated before anything is written.
- `logos`: any image to a small PNG, or a clear refusal. `demo`: the demo installation.
- `public`: the replicated (public) form of each record; `audit`: reading the audit log.
- `sql`: the SELECT-one / INSERT / UPDATE statements the modules above share (quoted column names).
"""

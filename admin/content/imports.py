"""Reading listing import files (CSV or JSON) into validated rows, before anything is written.

CSV: the header names the fields (`description-sv` or `description_sv`, any case); `,` or `;` as the
separator (Swedish spreadsheets export `;`); UTF-8 with or without a BOM. JSON: an array of objects with
the same keys. A `logo` column holds an image path relative to the import file.

Everything is parsed and validated first, so a bad row 9,000 rejects the file before row 1 is written;
errors name the file and the line (CSV) or the item (JSON, with its slug when it has one). Every bad row
is reported (`InvalidRows`: the first few listed, the rest counted), not only the first, so one round of
fixes is enough; a file that cannot be parsed at all is one error.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from admin.content import listings, logos, validate
from admin.content.validate import Invalid, InvalidRows

MAX_IMPORT_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class RawRecord:
    where: str  # "line 7" or 'item 3 ("acme")'
    values: dict[str, Any]
    #: Why the row cannot be read at all (reported with the other rows' problems), or "".
    problem: str = ""


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise Invalid(f"{path} is larger than 100 MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"{path}: cannot read it: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise Invalid(f"{path}: line {line}: not UTF-8 text") from None


def read_records(path: Path, allowed: set[str]) -> list[RawRecord]:
    """Parse a CSV or JSON file into records whose keys are field names (unknown ones rejected)."""
    content = _read_text(path)
    is_json = path.suffix.lower() == ".json" or (
        path.suffix.lower() != ".csv" and content.lstrip().startswith(("[", "{"))
    )
    records = _parse_json(content) if is_json else _parse_csv(content)
    if not records:
        raise Invalid(f"{path}: no rows to import")
    known = ", ".join(sorted(allowed))
    return [
        RawRecord(record.where, {}, f"unknown field {unknown[0]!r} (known: {known})")
        if (unknown := sorted(set(record.values) - allowed)) and not record.problem
        else record
        for record in records
    ]


def _parse_csv(content: str) -> list[RawRecord]:
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise Invalid("line 1: the header row is missing or empty")
        names = [_key(h) for h in header]
        if "" in names:
            raise Invalid(f"line 1: column {names.index('') + 1} has no name")
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate:
            raise Invalid(f"line 1: column {duplicate!r} appears twice")
        records: list[RawRecord] = []
        for cells in reader:
            where = f"line {reader.line_num}"
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, common at the end of exported sheets
            if len(cells) != len(names):
                records.append(RawRecord(where, {}, f"expected {len(names)} fields, found {len(cells)}"))
                continue
            records.append(RawRecord(where, dict(zip(names, cells, strict=True))))
    except csv.Error as exc:
        raise Invalid(f"line {reader.line_num}: malformed CSV: {exc}") from None
    return records


def _parse_json(content: str) -> list[RawRecord]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise Invalid(f"line {exc.lineno}: malformed JSON: {exc.msg}") from None
    except RecursionError:
        raise Invalid("malformed JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise Invalid(f"malformed JSON: {str(exc).split(';')[0][:120]}") from None
    if not isinstance(data, list):
        raise Invalid("a JSON import must be an array of objects")
    records = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            shown = json.dumps(item, ensure_ascii=False)[:40]
            records.append(RawRecord(f"item {index}", {}, f"not an object but {shown}"))
            continue
        values = {_key(str(k)): v for k, v in item.items()}
        slug = values.get("slug")
        named = f" ({json.dumps(slug, ensure_ascii=False)[:60]})" if isinstance(slug, str) and slug else ""
        records.append(RawRecord(f"item {index}{named}", values))
    return records


def read_listing_file(path: Path, kind: listings.ListingKind) -> list[RawRecord]:
    """Parse a listing import; errors are prefixed with the file name."""
    try:
        return read_records(path, {"slug", "logo", *kind.field_names})
    except Invalid as exc:
        message = str(exc)
        raise Invalid(message if message.startswith(str(path)) else f"{path}: {message}") from None


def check_listing_records(
    path: Path,
    kind: listings.ListingKind,
    records: list[RawRecord],
    progress: Callable[[int], None] | None = None,
) -> list[listings.Upsert]:
    """Validate every parsed record: fields, slugs, duplicates within the file, logos."""
    seen: dict[str, str] = {}
    rows = []
    problems = []
    for record in records:
        try:
            if record.problem:
                raise Invalid(record.problem)
            rows.append(_listing_row(record, kind, path.parent, seen))
        except Invalid as exc:
            problems.append(f"{path}: {record.where}: {exc}")
        if progress is not None:
            progress(1)
    if problems:
        raise InvalidRows(str(path), problems)
    return rows


def listing_rows(path: Path, kind: listings.ListingKind) -> list[listings.Upsert]:
    """Read and validate a listing import: every row checked, duplicates and bad logos rejected."""
    return check_listing_records(path, kind, read_listing_file(path, kind))


def _listing_row(
    record: RawRecord, kind: listings.ListingKind, base: Path, seen: dict[str, str]
) -> listings.Upsert:
    values = dict(record.values)
    raw_slug = values.pop("slug", None)
    if raw_slug is None or (isinstance(raw_slug, str) and not raw_slug.strip()):
        raise Invalid("slug is missing")
    slug = validate.slug(raw_slug.strip() if isinstance(raw_slug, str) else raw_slug)
    if slug in seen:
        raise Invalid(f"duplicate slug {slug!r} (first at {seen[slug]})")
    seen[slug] = record.where
    logo_path = values.pop("logo", None)
    logo: object = listings.KEEP
    if isinstance(logo_path, str) and logo_path.strip():
        logo = logos.normalise_file(base / logo_path.strip())
    elif logo_path not in (None, ""):
        raise Invalid("logo must be a file path")
    return listings.Upsert(slug, listings.clean(kind, values), logo, record.where)

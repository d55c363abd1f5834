"""An import with several bad rows reports every one (up to a cap, then a count), names the file and the
row or item in each line, and still imports nothing."""

from __future__ import annotations

import json
from pathlib import Path

from admin.content.validate import InvalidRows
from tests.admin.conftest import CliFn, dump


def test_every_bad_row_of_a_csv_is_reported_and_nothing_is_imported(
    cli: CliFn, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "tenants.csv"
    path.write_text(
        "slug,name,floor\n"
        "good-one,Good One,1\n"
        "Bad Slug,Bad,1\n"
        "too,many,fields,here\n"
        "good-two,Good Two,2\n"
        "floor-x,Floor X,x\n",
        encoding="utf-8",
    )
    before = dump(db_path)
    result = cli("tenant", "import", str(path))
    assert result.exit_code == 1
    lines = result.error_lines
    assert len(lines) == 4, result.stderr
    assert lines[0].startswith(f"error: {path}: line 3: slug: 'Bad Slug'")
    assert lines[1] == f"error: {path}: line 4: expected 3 fields, found 4"
    assert lines[2] == f"error: {path}: line 6: floor 'x' is not a whole number"
    assert lines[3] == f"error: {path}: 3 rows have problems; nothing was imported"
    assert dump(db_path) == before


def test_many_bad_rows_are_listed_up_to_a_cap_and_the_rest_counted(
    cli: CliFn, db_path: Path, tmp_path: Path
) -> None:
    bad = InvalidRows.SHOWN + 5
    path = tmp_path / "tenants.csv"
    path.write_text("slug,name,floor\n" + "".join(f"t{i},T{i},high\n" for i in range(bad)), encoding="utf-8")
    result = cli("tenant", "import", str(path))
    assert result.exit_code == 1
    assert len(result.error_lines) == InvalidRows.SHOWN + 1
    assert (
        result.error_lines[-1]
        == f"error: {path}: {bad} rows have problems (5 more not shown); nothing was imported"
    )


def test_json_errors_name_the_file_and_the_item(cli: CliFn, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "partners.json"
    items = [
        {"slug": "ok", "name": "Ok"},
        "just text",
        {"slug": "acme", "name": "Acme", "website": "ftp://x"},
    ]
    path.write_text(json.dumps(items), encoding="utf-8")
    before = dump(db_path)
    result = cli("partner", "import", str(path))
    assert result.exit_code == 1
    assert result.error_lines == [
        f'error: {path}: item 2: not an object but "just text"',
        f"error: {path}: item 3 (\"acme\"): website 'ftp://x' is not an http(s) URL",
        f"error: {path}: 2 rows have problems; nothing was imported",
    ]
    assert dump(db_path) == before


def test_a_missing_file_is_named_once(cli: CliFn, tmp_path: Path) -> None:
    for command in (("tenant", "import"), ("event", "import-ics")):
        missing = tmp_path / f"no-such-{command[0]}.file"
        extra = ("--source", "x") if command[1] == "import-ics" else ()
        result = cli(*command, str(missing), *extra)
        assert result.exit_code != 0
        assert len(result.error_lines) == 1 and result.stderr.count(str(missing)) == 1, result.stderr
        assert "No such file" in result.stderr

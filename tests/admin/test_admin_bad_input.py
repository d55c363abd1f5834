"""Every bad input the issue names: one `error:` line on stderr, a non-zero exit, the database unchanged.

Runs against a seeded database (see conftest: tenant acme, partner almi, room arena-1, booking 1 on
2030-05-02 09:00-10:00, event 1, announcement 1) and compares a full SQL dump before and after.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from tests.admin.conftest import dump, run_cli

LONG_NAME = "x" * 121
LONG_TEXT = "y" * 2001
LONG_TITLE = "z" * 201
BOOK = ["booking", "add", "--room", "arena-1", "--title", "Möte"]

CASES: list[tuple[str, list[str], str]] = [
    # wrong flags and missing options
    ("unknown flag", ["tenant", "add", "beta", "--name", "B", "--bogus"], "No such option '--bogus'"),
    ("misspelt flag", ["tenant", "add", "beta", "--nmae", "B"], "No such option '--nmae'"),
    ("missing required option", ["tenant", "add", "beta"], "Missing option '--name'"),
    ("missing priority", ["announce", "push", "Hej"], "Missing option '--priority'"),
    ("unknown priority", ["announce", "push", "Hej", "--priority", "urgent"], "'urgent' is not one of"),
    ("floor not a number", ["tenant", "add", "beta", "--name", "B", "--floor", "two"], "--floor"),
    ("unknown command", ["tenant", "frobnicate"], "No such command 'frobnicate'"),
    # unknown slugs and ids
    ("edit unknown tenant", ["tenant", "edit", "nope", "--name", "N"], "no tenant with slug 'nope'"),
    ("remove unknown tenant", ["tenant", "remove", "nope"], "no tenant with slug 'nope'"),
    ("show unknown tenant", ["tenant", "show", "nope"], "no tenant with slug 'nope'"),
    ("remove unknown partner", ["partner", "remove", "nope"], "no partner with slug 'nope'"),
    (
        "booking in unknown room",
        [
            "booking",
            "add",
            "--room",
            "nope",
            "--title",
            "M",
            "--start",
            "2030-05-02T12:00",
            "--end",
            "2030-05-02T13:00",
        ],
        "no room",
    ),
    ("bookings of unknown room", ["booking", "list", "--room", "nope"], "no room with slug 'nope'"),
    ("remove unknown booking", ["booking", "remove", "99"], "no booking with id 99"),
    ("edit unknown event", ["event", "edit", "99", "--title-sv", "X"], "no event with id 99"),
    ("remove unknown event", ["event", "remove", "99"], "no event with id 99"),
    ("retract unknown announcement", ["announce", "retract", "99"], "no announcement with id 99"),
    ("invalid slug", ["tenant", "add", "Acme Two", "--name", "A"], "not a valid identifier"),
    ("slug with slash", ["tenant", "add", "a/b", "--name", "A"], "not a valid identifier"),
    # duplicates
    ("duplicate tenant", ["tenant", "add", "acme", "--name", "Other"], "already exists"),
    ("duplicate partner", ["partner", "add", "almi", "--name", "Other"], "already exists"),
    ("duplicate room", ["room", "add", "arena-1", "--name", "Other"], "already exists"),
    # URLs
    (
        "ftp website",
        ["tenant", "add", "beta", "--name", "B", "--website", "ftp://b.example.com"],
        "not an http(s)",
    ),
    ("javascript url", ["tenant", "edit", "acme", "--website", "javascript:alert(1)"], "not an http(s)"),
    ("url without host", ["tenant", "edit", "acme", "--hiring-url", "https://"], "no host"),
    ("bare domain", ["partner", "edit", "almi", "--website", "www.almi.se"], "not an http(s)"),
    ("event registration mailto", ["event", "edit", "1", "--registration-url", "mailto:a@b.se"], "http(s)"),
    # times
    (
        "event end before start",
        ["event", "add", "--title-sv", "T", "--start", "2030-06-01T18:00", "--end", "2030-06-01T17:00"],
        "is not after start",
    ),
    (
        "event end equals start",
        ["event", "add", "--title-sv", "T", "--start", "2030-06-01T18:00", "--end", "2030-06-01T18:00"],
        "is not after start",
    ),
    (
        "event edit end before start",
        ["event", "edit", "1", "--end", "2030-05-03T10:00"],
        "is not after start",
    ),
    (
        "not a time",
        ["event", "add", "--title-sv", "T", "--start", "tomorrow", "--end", "2030-06-01T17:00"],
        "not an ISO 8601 time",
    ),
    (
        "booking end before start",
        [*BOOK, "--start", "2030-05-02T15:00", "--end", "2030-05-02T14:00"],
        "is not after start",
    ),
    (
        "announcement until before from",
        [
            "announce",
            "push",
            "Hej",
            "--priority",
            "info",
            "--from",
            "2030-01-02T10:00",
            "--until",
            "2030-01-01T10:00",
        ],
        "is not after start",
    ),
    (
        "announcement already expired",
        ["announce", "push", "Hej", "--priority", "info", "--until", "2001-01-01T10:00"],
        "already in the past",
    ),
    # overlapping bookings
    (
        "overlapping booking",
        [*BOOK, "--start", "2030-05-02T09:30", "--end", "2030-05-02T11:00"],
        "already booked",
    ),
    (
        "booking inside another",
        [*BOOK, "--start", "2030-05-02T09:15", "--end", "2030-05-02T09:45"],
        "already booked",
    ),
    (
        "booking around another",
        [*BOOK, "--start", "2030-05-02T08:00", "--end", "2030-05-02T12:00"],
        "already booked",
    ),
    (
        "overlap given in UTC",
        [*BOOK, "--start", "2030-05-02T07:30:00+00:00", "--end", "2030-05-02T08:30Z"],
        "already booked",
    ),
    # control characters and lengths
    ("escape in name", ["tenant", "add", "beta", "--name", "Beta\x1b[31m"], "control character (U+001B)"),
    ("C1 CSI in description", ["tenant", "edit", "acme", "--description-sv", "a\x9bb"], "(U+009B)"),
    ("newline in name", ["partner", "edit", "almi", "--name", "Al\nmi"], "control character (U+000A)"),
    ("NUL in title", ["event", "edit", "1", "--title-sv", "Ke\x00mi"], "control character (U+0000)"),
    (
        "DEL in booking title",
        [*BOOK[:-1], "Mö\x7fte", "--start", "2030-05-04T09:00", "--end", "2030-05-04T10:00"],
        "control character (U+007F)",
    ),
    (
        "control char in announcement",
        ["announce", "push", "Hej\x07", "--priority", "info"],
        "control character",
    ),
    ("bidi override in name", ["tenant", "edit", "acme", "--name", "Acme \u202eBA"], "(U+202E)"),
    ("line separator in title", ["event", "edit", "1", "--title-sv", "Ke\u2028mi"], "(U+2028)"),
    ("name too long", ["tenant", "add", "beta", "--name", LONG_NAME], "limit is 120"),
    ("description too long", ["tenant", "edit", "acme", "--description-en", LONG_TEXT], "limit is 2000"),
    ("title too long", ["event", "edit", "1", "--title-sv", LONG_TITLE], "limit is 200"),
    ("empty name", ["tenant", "edit", "acme", "--name", "  "], "must not be empty"),
    # announcement targets
    ("bad target scope", ["announce", "push", "Hej", "--priority", "info", "--target", "room:a"], "target"),
    (
        "bad target name",
        ["announce", "push", "Hej", "--priority", "info", "--target", "kiosk:Lobby 1"],
        "not a valid identifier",
    ),
    # removing a room that is still booked
    ("remove booked room", ["room", "remove", "arena-1"], "still has 1 booking"),
]


@pytest.mark.parametrize(("args", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_changes_nothing(seeded: Path, args: list[str], expected: str) -> None:
    before = dump(seeded)
    result = run_cli(seeded, *args)
    assert result.exit_code != 0
    assert len(result.error_lines) == 1, result.stderr
    assert result.error_lines[0].startswith("error: ")
    assert expected in result.stderr
    assert result.stdout == ""
    assert dump(seeded) == before


def test_retracting_twice_is_refused(seeded: Path) -> None:
    assert run_cli(seeded, "announce", "retract", "1").exit_code == 0
    before = dump(seeded)
    result = run_cli(seeded, "announce", "retract", "1")
    assert result.exit_code == 1
    assert result.error_lines == ["error: announcement 1 is already retracted"]
    assert dump(seeded) == before


def test_missing_database_is_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "none.db", "tenant", "list")
    assert result.exit_code == 1
    assert result.error_lines == [
        f"error: no admin database at {tmp_path / 'none.db'} (run `innovatum-admin init` first)"
    ]
    assert not (tmp_path / "none.db").exists()


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "admin.db"
    path.write_bytes(b"this is a text file, not SQLite\n" * 200)
    result = run_cli(path, "tenant", "list")
    assert result.exit_code == 1
    assert len(result.error_lines) == 1
    assert result.error_lines[0].startswith(f"error: cannot open admin database {path}: ")
    assert path.read_bytes() == b"this is a text file, not SQLite\n" * 200


# --- import files ------------------------------------------------------------------------------------


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / f"tenants-{len(list(tmp_path.glob('tenants-*.csv')))}.csv"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_HEADER = "slug,name,website,floor\n"


def _bad_imports(tmp_path: Path) -> list[tuple[str, Path, str]]:
    big_good = "".join(f"t{i},Tenant {i},https://t{i}.example.com,1\n" for i in range(1, 1500))
    json_bad = tmp_path / "bad.json"
    json_bad.write_text('[\n  {"slug": "a", "name": "A"},\n  {"slug": "b", "name": }\n]\n', encoding="utf-8")
    json_obj = tmp_path / "obj.json"
    json_obj.write_text('{"slug": "a", "name": "A"}', encoding="utf-8")
    json_item = tmp_path / "item.json"
    json_item.write_text(json.dumps([{"slug": "a", "name": "A"}, {"slug": "b", "name": "B", "floor": "x"}]))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("slug,name\nabc,Göta\n".encode("latin-1"))
    return [
        ("missing file", tmp_path / "nope.csv", "cannot read"),
        ("not UTF-8", latin1, "line 2: not UTF-8 text"),
        (
            "wrong field count",
            _csv(tmp_path, GOOD_HEADER + "a,A,https://a.example.com,1\nb,B\n"),
            "line 3: expected 4 fields, found 2",
        ),
        ("unknown column", _csv(tmp_path, "slug,name,colour\na,A,red\n"), "unknown field 'colour'"),
        (
            "bad url deep in file",
            _csv(tmp_path, GOOD_HEADER + big_good + "bad,Bad,ftp://bad.example.com,1\n"),
            "line 1501: website 'ftp://bad.example.com' is not an http(s) URL",
        ),
        (
            "duplicate slug in file",
            _csv(tmp_path, GOOD_HEADER + "a,A,,1\nb,B,,2\na,A2,,3\n"),
            "line 4: duplicate slug 'a' (first at line 2)",
        ),
        # acme (in the seeded database) is updated inside the transaction before the second row fails.
        (
            "failure after a row was written",
            _csv(tmp_path, "slug,website\nacme,https://new.example.com\nnewone,https://n.example.com\n"),
            "line 3: name is required for a new tenant",
        ),
        ("missing slug", _csv(tmp_path, "name,floor\nA,1\n"), "line 2: slug is missing"),
        (
            "bad slug",
            _csv(tmp_path, GOOD_HEADER + "Bad Slug,A,,1\n"),
            "line 2: slug: 'Bad Slug' is not a valid",
        ),
        (
            "control character in cell",
            _csv(tmp_path, GOOD_HEADER + "a,A\x1b[2J,,1\n"),
            "line 2: name contains",
        ),
        (
            "new tenant without name column",
            _csv(tmp_path, "slug,website\nnew,https://n.example.com\n"),
            "line 2: name is required for a new tenant",
        ),
        ("empty file", _csv(tmp_path, ""), "header row is missing"),
        ("header only", _csv(tmp_path, GOOD_HEADER), "no rows to import"),
        ("unterminated quote", _csv(tmp_path, GOOD_HEADER + 'a,"A,,1\n'), "malformed CSV"),
        ("malformed JSON", json_bad, "line 3: malformed JSON"),
        ("JSON not an array", json_obj, "must be an array of objects"),
        ("JSON bad item", json_item, "item 2 (\"b\"): floor 'x' is not a whole number"),
        (
            "missing logo file",
            _csv(tmp_path, "slug,name,logo\na,A,nowhere.png\n"),
            "line 2: cannot read logo",
        ),
    ]


def test_bad_import_files_are_one_line_and_all_or_nothing(seeded: Path, tmp_path: Path) -> None:
    for label, path, expected in _bad_imports(tmp_path):
        before = dump(seeded)
        result = run_cli(seeded, "tenant", "import", str(path))
        assert result.exit_code != 0, label
        assert len(result.error_lines) == 1, (label, result.stderr)
        assert result.error_lines[0].startswith("error: "), label
        assert expected in result.stderr, (label, result.stderr)
        assert dump(seeded) == before, label


def test_import_of_a_directory_is_refused(seeded: Path, tmp_path: Path) -> None:
    before = dump(seeded)
    result = run_cli(seeded, "partner", "import", str(tmp_path))
    assert result.exit_code != 0
    assert len(result.error_lines) == 1 and result.error_lines[0].startswith("error: ")
    assert dump(seeded) == before


# --- logos -------------------------------------------------------------------------------------------


def test_bad_logos_are_refused(seeded: Path, tmp_path: Path) -> None:
    text = tmp_path / "logo.png"
    text.write_text("this is not an image")
    truncated = tmp_path / "truncated.png"
    Image.new("RGB", (300, 300), "red").save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:60])
    huge = tmp_path / "huge.png"
    Image.new("1", (6000, 6000)).save(huge)  # 36 megapixels, a few KiB on disk
    cases = [
        (text, "is not an image"),
        (truncated, "logo"),
        (huge, "6000x6000 pixels"),
        (tmp_path / "missing.png", "cannot read logo"),
    ]
    for path, expected in cases:
        before = dump(seeded)
        result = run_cli(seeded, "tenant", "edit", "acme", "--logo", str(path))
        assert result.exit_code == 1, path
        assert len(result.error_lines) == 1 and expected in result.stderr, (path, result.stderr)
        assert dump(seeded) == before

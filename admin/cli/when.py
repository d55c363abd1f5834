"""Times on the command line: ISO 8601 as everywhere, or relative to now, so a command in the README
(or a script) stays right whatever day it is run: `+2h`, `+1d`, `+1d2h30m`, `today 18:00`,
`tomorrow 09:30`.

A relative time is turned into ISO 8601 Stockholm time here, at parse time (relative to the minute the
command runs); everything below the CLI only ever sees ISO text, validated as before.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from datetime import time as clock
from typing import Any

import click

from broker.times import STOCKHOLM, now, to_iso

_OFFSET = re.compile(r"\+(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?")
_DAY = re.compile(r"(?P<day>today|tomorrow)\s+(?P<hh>\d{1,2}):(?P<mm>\d{2})")

WHEN_HELP = "ISO 8601 (2026-12-01T18:00, Stockholm time) or relative: +2h, +1d, today 18:00, tomorrow 9:30."


def resolve(text: str, moment: datetime | None = None) -> str:
    """ISO text unchanged; a relative time as ISO 8601 Stockholm time. ValueError when it is neither
    relative nor meant to be (ISO is checked by the content layer)."""
    spec = text.strip().lower()
    base = (moment or now()).astimezone(STOCKHOLM).replace(second=0, microsecond=0)
    offset = _OFFSET.fullmatch(spec)
    if offset is not None and spec != "+":
        parts = {name: int(value or 0) for name, value in offset.groupdict().items()}
        return to_iso(base + timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"]))
    day = _DAY.fullmatch(spec)
    if day is not None:
        date = base.date() + timedelta(days=1 if day["day"] == "tomorrow" else 0)
        try:
            at = clock(int(day["hh"]), int(day["mm"]))
        except ValueError:
            raise ValueError(f"{text!r}: no such time of day") from None
        return to_iso(datetime.combine(date, at, tzinfo=STOCKHOLM))
    if spec.startswith(("+", "today", "tomorrow")):
        raise ValueError(
            f"{text!r} is not an ISO 8601 time (2026-12-01T18:00) "
            "or a relative one (+2h, +1d2h, tomorrow 18:00)"
        )
    return text


class When(click.ParamType):
    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return resolve(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


WHEN = When()

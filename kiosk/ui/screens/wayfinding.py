"""The way there: the kiosk's floor with "you are here", the target room highlighted, the route drawn,
and the steps in words beside the map (below it on a small screen).

The route is computed on the kiosk, from the replicated plans (broker/wayfinding, through
`Queries.route`, which keeps it until the plans change): it needs the kiosk's own spot, and a shortest
path over a few floors of at most 160 x 80 cells takes milliseconds.
A route over several floors is shown one floor at a time: the kiosk's floor first, with the step that
takes the visitor to the next ("Ta hissen till plan 2"); N (or →, or the button) shows the next
floor's map, P (or ←) the previous one.

The map is turned to how the screen faces (see broker/wayfinding/render.py) and scaled to the space
left, from 80x24 to 240x67. Markers are glyphs, not only colours, and the legend names them.

The QR code carries the directions as plain text, not a link: the kiosks and the admin node serve no
web pages, so a link would need a web service nobody runs (and would tell it who looked up whom); a
text code works offline, on every phone's camera, with nothing to host. A code that does not fit beside
the steps is offered on its own screen (kiosk/ui/screens/qr_view.py), as on the other pages.

This module takes what it needs as arguments (the room and the page's title) and reads the replica
through the UI context (`ui_context().queries`, `kiosk_id`), so pages open it with one call:
`open_way(screen, room, title)`, which posts `navigation.OpenPage` for the app to push.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from broker.wayfinding.directions import Step, steps
from broker.wayfinding.plan import Building, fold_label
from broker.wayfinding.render import Glyphs, render
from broker.wayfinding.route import NoRoute, Route
from kiosk.ui.context import ui_context
from kiosk.ui.navigation import OpenPage
from kiosk.ui.safe import clean, literal
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.qr_view import QrContent, QrScreen, plan_for
from kiosk.ui.widgets.floor_map import FloorMap
from kiosk.ui.widgets.qr_card import QrCard, card_width, fitting_border

#: From this many body columns the steps go beside the map, else below it.
WIDE_COLUMNS = 120
#: The steps' column beside the map, at least.
SIDE_COLUMNS = 38
#: Below the map on a small screen: the rows kept for one floor's steps, at most (the map gives way
#: to them, down to `MIN_MAP_ROWS`; more steps than that scroll).
STEP_ROWS = 8
MIN_MAP_ROWS = 5
#: The buttons' row.
BUTTON_ROWS = 3
#: Steps the phone's copy leaves out: they say nothing a visitor would not do anyway.
QR_SKIPS = ("from_lift", "from_stairs", "arrive")


def leg_steps(route: Route) -> list[list[tuple[int, Step]]]:
    """The numbered steps of each floor's walk, the step that leaves the floor last."""
    groups: list[list[tuple[int, Step]]] = [[]]
    for number, step in enumerate(steps(route), 1):
        groups[-1].append((number, step))
        if step.action in ("lift", "stairs"):
            groups.append([])
    return groups


class WayScreen(KioskScreen):
    is_page = True  # below the page that opened it: the nav bar's Back returns there
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,right", "leg(1)", "Next map", show=False),
        Binding("p,left", "leg(-1)", "Previous map", show=False),
        Binding("q", "show_qr", "QR code", show=False),
    ]

    DEFAULT_CSS = """
    WayScreen #way-heading { text-style: bold; width: 1fr; height: 1; }
    WayScreen #way-layout { height: 1fr; }
    WayScreen #way-map-column { width: auto; height: auto; }
    WayScreen #way-layout.-narrow #way-map-column { width: 100%; }
    WayScreen #way-floor { color: $accent; text-style: bold; height: 1; }
    WayScreen #way-legend { color: $text-muted; height: auto; }
    WayScreen #way-side { width: 1fr; height: 1fr; margin: 0 0 0 2; }
    WayScreen #way-layout.-narrow #way-side { margin: 0; }
    WayScreen #way-steps { height: auto; }
    WayScreen #way-buttons { height: auto; }
    WayScreen #way-buttons Button { margin: 0 1 0 0; }
    """

    def __init__(self, room: str, title: str, *, section: str, page: str) -> None:
        """`room` is the target's label ("B204"); `title` says whose it is (a company, an event)."""
        super().__init__()
        self.room = room
        self.whose = title
        self._section = section
        self._page = page
        self.leg = 0
        self._legs = 1

    @property
    def section(self) -> str:  # type: ignore[override]
        return self._section

    def report_name(self) -> str:
        return f"way:{self._page}"

    def screen_title(self) -> str:
        return self._("The way there")

    def _level(self, building: Building, level: int) -> str:
        floor = building.floors.get(level)
        name = ""
        if floor is not None:
            first, second = (
                (floor.name_en, floor.name_sv)
                if ui_context().language == "en"
                else (floor.name_sv, floor.name_en)
            )
            name = first or second
        text = self._("Level {level}").format(level=level)
        return f"{text} · {clean(name, 40, single_line=True)}" if name else text

    def _say(self, step: Step) -> str:
        return self._(step.message).format(**step.params)

    def qr_text(self, route: Route) -> str:
        """The directions for a phone, short enough for a code that fits an 80x24 screen (about 100
        bytes): whose room, then each turn and floor change; leaving a lift and arriving go without
        saying."""
        told = [self._say(step) for step in steps(route) if step.action not in QR_SKIPS]
        numbered = ", ".join(f"{number} {text}" for number, text in enumerate(told, 1))
        return f"{self._where(24)}: {numbered}."

    def _where(self, limit: int) -> str:
        """ "Rum B204, Nordljus Robotik"; a room named by its own label (an arena room) once: "Rum Ada"."""
        whose = clean(self.whose, limit, single_line=True)
        if fold_label(self.whose) == fold_label(self.room):
            return self._("Room {room}").format(room=whose)
        return self._("Room {room}").format(room=self.room) + f", {whose}"

    def qr_content(self) -> QrContent | None:
        context = ui_context()
        route = context.queries.route(context.kiosk_id, self.room)
        if isinstance(route, NoRoute):
            return None
        return QrContent(self.whose, self._("Scan for the directions"), self.qr_text(route))

    def compose_body(self) -> ComposeResult:
        context = ui_context()
        building = context.queries.building()
        route = context.queries.route(context.kiosk_id, self.room)
        yield Label(
            literal(
                self._where(120),
                single_line=True,
                no_wrap=True,
                overflow="ellipsis",
            ),
            id="way-heading",
        )
        if isinstance(route, NoRoute):
            yield Static(self._no_route(route), classes="empty")
            yield Static(self._("Press Esc or touch a section below."), classes="hint")
            return
        groups = leg_steps(route)
        self._legs = len(groups)
        self.leg = max(0, min(self.leg, self._legs - 1))
        leg = route.legs[self.leg]
        shown = groups[self.leg]
        columns, rows = self.body_columns() - 2, self.body_rows() - 1
        qr_text = self.qr_text(route)
        wide = columns >= WIDE_COLUMNS
        qr_border: int | None = None
        if wide:
            side = max(SIDE_COLUMNS, card_width(qr_text, 2) + 1)
            if columns - side - 2 < columns // 2:
                side = SIDE_COLUMNS
            side_rows_left = rows - len(shown) - 1 - BUTTON_ROWS - 1
            qr_border = fitting_border(qr_text, side, side_rows_left)
            map_columns, map_rows = columns - side - 2, rows - 2
        else:
            map_columns = columns
            map_rows = max(MIN_MAP_ROWS, rows - 2 - min(len(shown), STEP_ROWS) - BUTTON_ROWS)
        glyphs = Glyphs(here="@", lift=self._("L"), stairs=self._("S"))
        image = render(
            building.floors[leg.level],
            max(map_columns, 8),
            max(map_rows, 1),
            facing=route.start.facing,
            route=leg.cells,
            here=(route.start.x, route.start.y) if self.leg == 0 else None,
            target=route.target.rect if leg.level == route.target.level else None,
            label=route.target.room if leg.level == route.target.level else "",
            connectors=building.connectors_on(leg.level),
            glyphs=glyphs,
        )
        floor_line = self._level(building, leg.level)
        if self._legs > 1:
            floor_line += "  " + self._("(map {n} of {count})").format(n=self.leg + 1, count=self._legs)
        with (Horizontal if wide else Vertical)(id="way-layout", classes="-wide" if wide else "-narrow"):
            with Vertical(id="way-map-column"):
                yield Label(floor_line, id="way-floor")
                yield FloorMap(image, id="way-map")
                yield Static(
                    self._legend(glyphs, route.target.room, leg.level == route.target.level), id="way-legend"
                )
            with VerticalScroll(id="way-side"):
                yield Static("\n".join(f"{n}. {self._say(step)}" for n, step in shown), id="way-steps")
                yield from self._buttons(qr_text, qr_border is None)
                if qr_border is not None:
                    yield QrCard(self._("Scan for the directions"), qr_text, border=qr_border, id="way-code")

    def _legend(self, glyphs: Glyphs, room: str, target_here: bool) -> str:
        parts = [f"{glyphs.here} " + self._("You are here")] if self.leg == 0 else []
        if target_here:
            parts.append(f"▒ {room}")
        parts += [
            "• " + self._("The way"),
            f"{glyphs.lift} " + self._("Lift"),
            f"{glyphs.stairs} " + self._("Stairs"),
        ]
        return "   ".join(parts)

    def _buttons(self, qr_text: str, offer_qr: bool) -> ComposeResult:
        buttons = []
        if self.leg > 0:
            buttons.append(Button(self._("P Previous map"), id="way-previous", name="previous"))
        if self.leg < self._legs - 1:
            buttons.append(Button(self._("N Next map"), id="way-next", name="next"))
        if offer_qr and plan_for(self, qr_text) is not None:
            buttons.append(Button(self._("Q Directions to your phone"), id="way-qr", name="qr"))
        if buttons:
            with Horizontal(id="way-buttons"):
                yield from buttons

    def _no_route(self, route: NoRoute) -> str:
        if route.reason == "kiosk_not_placed":
            return self._("This screen is not on the floor plans, so it cannot show the way.")
        if route.reason == "room_not_placed":
            return self._("Room {room} is not on the floor plans.").format(room=self.room)
        return self._(
            "There is no way to room {room} on the floor plans. Please ask at the reception."
        ).format(room=self.room)

    async def action_leg(self, delta: int) -> None:
        leg = max(0, min(self.leg + delta, self._legs - 1))
        if leg != self.leg:
            self.leg = leg
            await self.recompose()

    def action_show_qr(self) -> None:
        if self.query("#way-qr"):
            self.post_message(
                OpenPage(QrScreen(self.qr_content, section=self._section, page=self.report_name()))
            )

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        name = event.button.name
        if name in ("previous", "next", "qr"):
            event.stop()
            if name == "qr":
                self.action_show_qr()
            else:
                await self.action_leg(-1 if name == "previous" else 1)


# --- how pages offer it -----------------------------------------------------------------------------


class WayButton(Button):
    """A page's "W The way there" button; it opens the map itself, so a page only yields it."""

    def __init__(self, label: str, opener: partial[None], *, id: str = "way-there") -> None:
        super().__init__(label, id=id, classes="way-button")
        self._opener = opener

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._opener()


def way_there(screen: KioskScreen, room: str, title: str) -> Iterable[WayButton]:
    """The button, when the kiosk can show the way to `room` (it is placed and reachable), else nothing."""
    context = ui_context()
    if room and isinstance(context.queries.route(context.kiosk_id, room), Route):
        yield WayButton(screen._("W The way there"), partial(open_way, screen, room, title))


def way_to_place(screen: KioskScreen, place: str, title: str) -> Iterable[WayButton]:
    """`way_there` for an event: its place names a room ("Älvsalen", "Projektrum 1, plan 1")."""
    room = ui_context().queries.building().room_for_place(place) if place else None
    if room is not None:
        yield from way_there(screen, room.room, title)


class WayToRooms(Horizontal):
    """The room board's buttons: the way to each room that is on the plans, two to a row."""

    DEFAULT_CSS = """
    WayToRooms { layout: grid; grid-size: 2; grid-gutter: 0 1; height: auto; margin: 1 0 0 0; }
    WayToRooms Button { width: 100%; }
    """


def ways_to_rooms(screen: KioskScreen, rooms: Iterable[tuple[str, str]]) -> ComposeResult:
    """For the room board: (slug, name) of each room; a button for those the kiosk can show the way to
    (arena rooms are placed on the plans under their slugs)."""
    context = ui_context()
    buttons = [
        WayButton(
            screen._("The way to {room}").format(room=clean(name, 40, single_line=True)),
            partial(open_way, screen, slug, name),
            id=f"way-to-{number}",
        )
        for number, (slug, name) in enumerate(rooms)
        if isinstance(context.queries.route(context.kiosk_id, slug), Route)
    ]
    if buttons:
        with WayToRooms(id="way-to-rooms"):
            yield from buttons


def open_way(screen: KioskScreen, room: str, title: str) -> None:
    screen.post_message(OpenPage(WayScreen(room, title, section=screen.section, page=screen.report_name())))


def action_way_there(screen: KioskScreen) -> None:
    """Key W on a page: what the button does, when the page shows one."""
    for button in screen.query(WayButton):
        button.press()
        return

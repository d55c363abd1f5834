"""The kiosk's Textual UI. It reads the replica and never talks MQTT (see the import-linter contracts).

Kept free of imports so that `import kiosk.ui.safe` does not pull in Textual's whole widget tree.

How it hangs together: `app.KioskApp` owns the screen stack and the shared state. Screens (`screens/`)
and widgets (`widgets/`) never import the app (import-linter forbids it): they read what they show
through `context.ui_context()`, a `UIContext` protocol (replica queries, translator and language,
clock, banner announcements, `subscribe` to redraw on a change), and they move the visitor by posting
the messages in `navigation`. The sections are one list, `screens/sections.py`; the number keys, the
nav bar's buttons and the app's section table are all derived from it.

One key press, followed from the binding to the screen change (a visitor presses 3, then Enter):

1. Textual turns the key into an `events.Key` and looks it up in `KioskApp.BINDINGS`, where
   `sections.section_bindings()` put `Binding("3", "section('events')")` from the `Section` for events.
2. `KioskApp.check_action` lets it through (it refuses only staff actions such as quit or the command
   palette) and Textual runs `KioskApp.action_section("events")`. Touching "3 Events" in the nav bar
   runs the same action: `NavBar` builds that button as `Button(action="app.section('events')")`.
3. `KioskApp.show_section("events")` refuses while an emergency is on screen or the replica cannot be
   read; otherwise it closes any open page and `switch_screen`s to a new `EventsScreen`, which builds
   itself from `ui_context().queries` and, once shown, reports "events" (`UIContext.report_screen`).
4. Enter on an event row: the `OptionList` posts `OptionList.OptionSelected`; `EventsScreen` answers
   by posting `navigation.OpenEvent(event_id)`, which bubbles from the screen to the app;
   `KioskApp`'s `@on(OpenEvent)` handler calls `open_event`, which pushes an `EventScreen` over the
   list (again not during an emergency). Esc runs `KioskApp.action_go_back`, which pops it.
"""

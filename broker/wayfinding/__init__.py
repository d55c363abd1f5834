"""Wayfinding shared by the admin node and the kiosk: floor plans, routes and the drawn map.

Pure code (no Textual, no SQLite, no MQTT): the admin node uses it to check staff's data and print
`floor show`; the kiosk uses the same functions on the records it replicated, so what staff checked is
what a visitor sees.

- `plan`: the record shapes (`floor`, `plan_room`, `connector`, `kiosk_spot`) and their validation.
- `route`: a shortest path over the walkable cells, across floors through lifts and stairs.
- `directions`: a route as steps a person follows ("take the lift to level 2").
- `render`: a floor drawn as a character grid with roles (route, target, you are here), scaled and
  turned to how the screen faces.
"""

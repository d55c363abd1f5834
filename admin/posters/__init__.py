"""Print-ready posters with a QR code: a tenant's door or window, an event's notice, a room's door sign.

`content` turns a database record into what the poster says (`Poster`); `render` lays it out as a PDF
(fpdf2) or a PNG (that PDF rasterised). `innovatum-admin poster ...` (admin/cli/posters.py) writes them.
"""

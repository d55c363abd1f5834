"""Calendar feeds: science-center events and project-arena bookings imported from iCalendar (.ics).

    read (file or URL, fetch.py) → check and expand (scan.py, expand.py) → apply (apply.py)

`importer.py` ties these together for one import; `feeds.py` keeps the subscribed feeds (the
`calendars` table) and `poll.py` polls them on schedule for `innovatum-admin serve`.
"""

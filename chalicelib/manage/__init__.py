"""The organiser's pages under ``/manage/…``: server-rendered HTML, loaded only by their routes
(chalicelib/entrypoints/manage.py imports this package inside its view functions), so the
webhooks' cold path does not grow."""

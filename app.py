"""rollcall's Chalice app: wiring only. The logic lives in chalicelib/."""

from chalice import Chalice

from chalicelib.entrypoints.webhooks import bp as webhooks

app = Chalice(app_name="rollcall")
app.register_blueprint(webhooks)

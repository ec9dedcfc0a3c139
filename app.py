"""rollcall's Chalice app: wiring only. The logic lives in chalicelib/."""

from chalice import Chalice

from chalicelib.entrypoints.manage import bp as manage
from chalicelib.entrypoints.queue import bp as queue
from chalicelib.entrypoints.schedules import bp as schedules
from chalicelib.entrypoints.webhooks import bp as webhooks

app = Chalice(app_name="rollcall")
app.register_blueprint(webhooks)
app.register_blueprint(schedules)
app.register_blueprint(queue)
app.register_blueprint(manage)

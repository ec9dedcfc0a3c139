"""quarterly-stars: on the first day of each quarter, the quarter that ended gets its
stars posted once (the same awards as the month's, over three months) and recorded.

The planner and slots are the star jobs' shared ones (jobs/stars.py).
"""

from __future__ import annotations

from datetime import time

from chalicelib.jobs.stars import QUARTERLY, star_spec

NAME = "quarterly-stars"
# Just after the month's stars on the same morning, so the two posts read in order.
POST_TIME = time(9, 5)

SPEC = star_spec(QUARTERLY, NAME, POST_TIME)
plan_quarterly_stars = SPEC.plan
quarterly_stars_slots = SPEC.slots

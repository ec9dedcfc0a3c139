"""monthly-stars: on the 1st of each month, the month that ended gets its stars
(打卡之星, 作业之星, 点评之星) posted to the group once, and recorded for 星榜 /stars.

The planner and slots are the star jobs' shared ones (jobs/stars.py).
"""

from __future__ import annotations

from datetime import time

from chalicelib.jobs.stars import MONTHLY, star_spec

NAME = "monthly-stars"
# The morning after the month ends, local time: late enough for last-day check-ins made
# just before the day boundary, early enough to start the month with the applause.
POST_TIME = time(9, 0)

SPEC = star_spec(MONTHLY, NAME, POST_TIME)
plan_monthly_stars = SPEC.plan
monthly_stars_slots = SPEC.slots

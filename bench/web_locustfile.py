"""Locust users for bench/web.py. `Floor`: anonymous sign-in page (the framework's floor). `Worker`: a
signed-in social worker's working day — worklist, trays, a child's record, its case notes and family,
a search, and writing a case note (the save path) — with no think time, or with the think time in
SAFEGUARD_BENCH_WAIT ("5,15": each user acts every 5 to 15 s). Sessions, CSRF secrets and child ids
come from the plan bench/web.py writes; each user takes the next session in turn."""

import datetime as dt
import itertools
import json
import os
import random
import time

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["SAFEGUARD_BENCH_PLAN"]).read())
_low, _high = (float(x) for x in os.environ.get("SAFEGUARD_BENCH_WAIT", "0,0").split(","))
_turn = itertools.count()
DAY = dt.date.today() - dt.timedelta(days=1)


class Floor(HttpUser):
    """The sign-in page, anonymously: template, CSRF, session and middleware, no record read."""

    wait_time = between(0, 0)

    @task
    def sign_in(self):
        self.client.get("/sign-in/", name="floor: sign-in page")


class Worker(HttpUser):
    wait_time = between(_low, _high)

    def on_start(self):
        me = PLAN["workers"][next(_turn) % len(PLAN["workers"])]
        self.client.cookies.set("sessionid", me["session"])
        self.client.cookies.set("csrftoken", PLAN["csrf"])
        self.children = me["children"]
        self.mine = me["allocated"] or me["children"][:1]
        self.names = me["names"]
        if _high:  # with think time, users start spread over one interval, not all at once
            time.sleep(random.uniform(0, _high))

    @task(3)
    def worklist(self):
        self.client.get("/my-work/", name="worklist")

    @task(2)
    def my_cases(self):
        self.client.get("/my-work/cases/", name="tray: my cases")

    @task(2)
    def incoming(self):
        self.client.get("/my-work/incoming/", name="tray: incoming")

    @task(4)
    def child_record(self):
        self.client.get(f"/children/{random.choice(self.children)}/", name="child record")

    @task(2)
    def search(self):
        self.client.get("/children/", params={"name": random.choice(self.names)}, name="search")

    @task(3)
    def case_notes(self):
        self.client.get(f"/children/{random.choice(self.children)}/notes/", name="case notes")

    @task(1)
    def family_and_network(self):
        self.client.get(f"/children/{random.choice(self.children)}/people/", name="family and network")

    @task(1)
    def write_note(self):
        """Save a case note (validate, save, audit, re-derive clocks); 302 is success."""
        child = random.choice(self.mine)
        with self.client.post(
            f"/children/{child}/notes/new/",
            data={"kind": "phone_call", "occurred_on_day": DAY.day, "occurred_on_month": DAY.month,
                  "occurred_on_year": DAY.year, "title": "Bench: call with the school",
                  "text": "Attendance is better this week.", "children": [str(child)]},
            headers={"X-CSRFToken": PLAN["csrf"]},
            allow_redirects=False, name="save: write a case note", catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")

"""Locust user for bench/web.py: a signed-in worker opening their worklist, a child's record, its case
notes and family, and a search, in the proportions of a working day. Sessions and child ids come
from bench/web.py (writing a note and a long record are timed by bench/case_record.py)."""

import json
import os
import random

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["SAFEGUARD_BENCH_PLAN"]).read())


class Worker(HttpUser):
    wait_time = between(0, 0)

    def on_start(self):
        me = PLAN["workers"][random.randrange(len(PLAN["workers"]))]
        self.client.cookies.set("sessionid", me["session"])
        self.children = me["children"]
        self.names = me["names"]

    @task(3)
    def worklist(self):
        self.client.get("/my-work/", name="worklist")

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

"""Load test: 100 people at once reading the ledger, submitting progress reports and reviewing them.

Run with ``make load`` (docs/operations.md), which prepares logins on a generated PostgreSQL database
(``benchmarks/load_check.py prepare``), starts ``rectify serve``, runs this file headless and checks the
database afterwards (``load_check.py check``). Not part of the test suite.

Each simulated person logs in with the login form (CSRF and all) and then, with a pause of 1–3 s
between actions, does what its kind does: readers open ledger pages, a filter, a search and task details;
submitters fill in the report form for their unit's assignments (each submission's text carries a unique
token, so the check can find it in the history); reviewers accept the reports waiting for their lead
unit. Work is handed out so no two people edit the same report. Every write the server accepted is
recorded (token, report) in ``LOAD_PREFIX_writes.json`` when the run ends.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ.get("LOAD_PLAN", "load-plan.json")).read_text())
PREFIX = os.environ.get("LOAD_PREFIX", "load")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
TASK_LINK = re.compile(r'href="/ledger/([0-9a-f-]{36})/"')

WRITES: dict[str, Any] = {"submitted": {}, "last_text": {}, "reviewed": {}}
SUBMITTERS = iter(PLAN["submitters"])
REVIEWERS = iter(PLAN["reviewers"])
READERS = itertools.cycle(PLAN["readers"])
SERIAL = itertools.count(1)
RUN = uuid.uuid4().hex[:6]  # tokens unique across runs on the same database
SHARE = {"submit": float(os.environ.get("LOAD_SUBMITTERS", "0.3")), "review": float(os.environ.get("LOAD_REVIEWERS", "0.2"))}
COUNTS = {"users": 0}


@events.quitting.add_listener  # type: ignore[untyped-decorator]  # locust's EventHook.add_listener is not annotated
def save_writes(environment: Any, **kwargs: Any) -> None:
    Path(f"{PREFIX}_writes.json").write_text(json.dumps(WRITES, ensure_ascii=False))


class Person(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        COUNTS["users"] += 1
        n = COUNTS["users"]
        self.kind, self.work, username, password = "read", [], next(READERS), "Rectify-2026"
        spot = (n * 0.618) % 1  # spread the kinds over the ramp-up
        if spot < SHARE["submit"]:
            chosen = next(SUBMITTERS, None)
            if chosen:
                self.kind, self.work, username, password = "submit", list(chosen["work"]), chosen["username"], PLAN["password"]
        elif spot < SHARE["submit"] + SHARE["review"]:
            chosen = next(REVIEWERS, None)
            if chosen:
                self.kind, self.work, username, password = "review", list(chosen["work"]), chosen["username"], PLAN["password"]
        page = self.client.get("/accounts/login/", name="login form")
        token = CSRF.search(page.text)
        with self.client.post("/accounts/login/", data={"username": username, "password": password,
                                                         "csrfmiddlewaretoken": token.group(1) if token else ""},
                              name="login", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"登录失败 {username}: HTTP {response.status_code}")
        self.tasks_seen: list[str] = []

    @task
    def act(self) -> None:
        if self.kind == "submit":
            self.submit()
        elif self.kind == "review" and self.work:
            self.review()
        else:
            self.read()

    def read(self) -> None:
        choice = random.random()
        if choice < 0.35 or not self.tasks_seen:
            page = self.client.get("/ledger/", name="ledger page 1")
            self.tasks_seen = TASK_LINK.findall(page.text)[:20] or self.tasks_seen
        elif choice < 0.5:
            self.client.get(f"/ledger/?page={random.randint(2, 5)}", name="ledger page 2-5")
        elif choice < 0.6:
            self.client.get("/ledger/?state=in_progress&overdue=on", name="ledger filter")
        elif choice < 0.7:
            self.client.get("/ledger/?q=" + random.choice(["污水", "扬尘", "垃圾", "河道"]), name="ledger search")
        elif choice < 0.9:
            self.client.get(f"/ledger/{random.choice(self.tasks_seen)}/", name="task detail")
        else:
            self.client.get("/", name="home")

    def submit(self) -> None:
        round_uuid, assignment = random.choice(self.work)
        url = f"/dispatch/rounds/{round_uuid}/assignments/{assignment}/report/"
        form = self.client.get(url, name="report form")
        csrf, version = CSRF.search(form.text), VERSION.search(form.text)
        if not csrf or not version:
            return
        token = f"{RUN}-{next(SERIAL)}"
        text = f"截至本月，已完成排查{random.randint(3, 40)}处，整改{random.randint(1, 5)}处。〔压测{token}〕"
        data = {"csrfmiddlewaretoken": csrf.group(1), "version": version.group(1), "text": text,
                "percent": str(random.randint(0, 100)), "schedule": "on_schedule"}
        with self.client.post(url, data=data, name="report submit", allow_redirects=False, catch_response=True) as response:
            if response.status_code == 302 and "/dispatch/reports/" in response.headers.get("Location", ""):
                WRITES["submitted"][token] = assignment
                WRITES["last_text"][assignment] = token
                response.success()
            else:
                response.failure(f"报送未成功 HTTP {response.status_code}")

    def review(self) -> None:
        report = self.work.pop()
        page = self.client.get(f"/dispatch/reports/{report}/", name="report page")
        csrf, version = CSRF.search(page.text), VERSION.search(page.text)
        if not csrf or not version:
            return
        data = {"csrfmiddlewaretoken": csrf.group(1), "version": version.group(1), "decision": "accept", "note": ""}
        with self.client.post(f"/dispatch/reports/{report}/review/", data=data, name="review submit", catch_response=True) as response:
            if response.status_code == 200 and "已认可该报送" in response.text:
                WRITES["reviewed"][report] = "accepted"
                response.success()
            else:
                response.failure(f"审核未成功 HTTP {response.status_code}")

#!/usr/bin/env python3
"""Webhook delivery: how soon a receiver gets an event after the write's answer, and how fast a
backlog drains.

Starts the release binary on a fresh SQLite file (and, with --postgres URL, on a fresh
PostgreSQL database) with LIANGXIN_WEBHOOK_ALLOW_PRIVATE=true, a receiver on 127.0.0.1 that
answers 204 and verifies every signature, and registers a webhook for organizations. Then

- `--creates` times, one organization is registered and the delivery lag is the time from the
  create's answer to the receiver's arrival (negative when the receiver was first);
- `--backlog` organizations are imported in one request (one transaction: the outbox gets them
  all at once) and the drain rate is deliveries/s until the last one arrives.

Build first: `cargo build --release`.

    python3 bench/webhooks.py --creates 100 --backlog 2000 [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request

from coverage_report import organizations_csv, uscc
from events import percentile
from import_members import call, free_port, vm


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.secret = None
        self.arrived = {}  # resource_id -> monotonic time of the first arrival
        self.bad_signatures = 0
        self.changed = threading.Condition()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        at = time.monotonic()
        server = self.server
        ts = self.headers["Liangxin-Timestamp"]
        mac = hmac.new(server.secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(self.headers["Liangxin-Signature"], "sha256=" + mac):
            server.bad_signatures += 1
        event = json.loads(body)
        with server.changed:
            if "resource_id" in event:
                server.arrived.setdefault(event["resource_id"], at)
            server.changed.notify_all()
        self.send_response(204)
        self.end_headers()


def wait_for(receiver, done, timeout=600):
    with receiver.changed:
        if not receiver.changed.wait_for(lambda: done(receiver.arrived), timeout):
            raise SystemExit(f"deliveries did not arrive within {timeout} s")


def run(label, database_url, args):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, LIANGXIN_BIND=f"127.0.0.1:{port}",
               LIANGXIN_BOOTSTRAP_ADMIN_PASSWORD="bench-password", LIANGXIN_LOG="warn",
               LIANGXIN_RATE_LIMIT_PER_MINUTE="100000000", LIANGXIN_WEBHOOK_ALLOW_PRIVATE="true")
    server = subprocess.Popen([args.binary], env=env)
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        token = call(base, "/api/v1/auth/token", form={
            "grant_type": "password", "username": "admin", "password": "bench-password"})["access_token"]
        hook = call(base, "/api/v1/webhooks", token, {
            "url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "event_types": ["organization"]})
        receiver.secret = hook["secret"]

        lags, creates = [], []
        for n in range(args.creates):
            sent = time.monotonic()
            created = call(base, "/api/v1/organizations", token, {
                "name": f"推送企业{n}", "kind": "new_economic", "category": "private_enterprise",
                "uscc": uscc(20_000_000 + n), "region_code": "350102", "employee_count": 10,
                "in_survey_scope": True})
            answered = time.monotonic()
            wait_for(receiver, lambda arrived: created["id"] in arrived)
            creates.append((answered - sent) * 1000)
            lags.append((receiver.arrived[created["id"]] - answered) * 1000)
        print(f"{label}: delivery lag after a create's answer, {args.creates} creates: "
              f"p50 {percentile(lags, 50):.0f} ms, p99 {percentile(lags, 99):.0f} ms, "
              f"mean {statistics.mean(lags):.0f} ms (the create itself: p50 {percentile(creates, 50):.0f} ms)")

        before = len(receiver.arrived)
        started = time.monotonic()
        report = call(base, "/api/v1/imports/organizations", token,
                      organizations_csv(args.backlog), "text/csv")
        assert report["written"] == args.backlog, report
        imported = time.monotonic()
        wait_for(receiver, lambda arrived: len(arrived) >= before + args.backlog)
        drained = time.monotonic()
        print(f"{label}: a backlog of {args.backlog} events (one import, {imported - started:.1f} s) "
              f"delivered in {drained - imported:.1f} s after the import's answer: "
              f"{args.backlog / (drained - started):.0f} deliveries/s from the import's start; "
              f"bad signatures {receiver.bad_signatures}; server peak RSS {vm(server.pid, 'VmHWM')} MB")
    finally:
        server.terminate()
        server.wait()
        receiver.shutdown()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--creates", type=int, default=100)
    parser.add_argument("--backlog", type=int, default=2000)
    parser.add_argument("--postgres")
    parser.add_argument("--binary", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"),
                                                         "release", "liangxin"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        run("SQLite", f"sqlite://{workdir}/bench.db?mode=rwc", args)
    if args.postgres:
        name = f"liangxin_bench_{os.getpid()}"
        subprocess.run(["psql", args.postgres, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        try:
            run("PostgreSQL", args.postgres.rsplit("/", 1)[0] + f"/{name}", args)
        finally:
            subprocess.run(["psql", args.postgres, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                           check=True)


if __name__ == "__main__":
    main()

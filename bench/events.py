#!/usr/bin/env python3
"""The event feed: throughput to one reader, and how soon a long-polling reader wakes.

Starts the release binary on a fresh SQLite file (and, with --postgres URL, on a fresh
PostgreSQL database), registers N organizations through the CSV import (N events), then

- reads the whole feed as one reader, 1,000 events a page, each with its representation:
  events per second;
- `--polls` times: a reader waits (`wait=30`) past the last event while one organization is
  registered; the wake-up latency is the time from the create's answer to the waiter's answer
  (negative when the waiter was answered first), with the create's own time beside it.

Build first: `cargo build --release`.

    python3 bench/events.py --organizations 20000 --polls 50 [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request

from coverage_report import organizations_csv, uscc
from import_members import call, free_port, vm


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(label, database_url, args):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, LIANGXIN_BIND=f"127.0.0.1:{port}",
               LIANGXIN_BOOTSTRAP_ADMIN_PASSWORD="bench-password", LIANGXIN_LOG="warn",
               LIANGXIN_RATE_LIMIT_PER_MINUTE="100000000")
    server = subprocess.Popen([args.binary], env=env)
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
        report = call(base, "/api/v1/imports/organizations", token,
                      organizations_csv(args.organizations), "text/csv")
        assert report["written"] == args.organizations, report

        started, after, read = time.monotonic(), 0, 0
        while True:
            page = call(base, f"/api/v1/events?after={after}&limit=1000", token)
            if not page["items"]:
                break
            read += len(page["items"])
            after = page["next_after"]
        seconds = time.monotonic() - started
        print(f"{label}: read {read} events (with their representations) in {seconds:.1f} s: "
              f"{read / seconds:.0f} events/s to one reader")

        wakes, creates = [], []
        for n in range(args.polls):
            answered = {}

            def wait(after=after):
                page = call(base, f"/api/v1/events?after={after}&wait=30&types=organization", token)
                answered["at"] = time.monotonic()
                answered["page"] = page

            waiter = threading.Thread(target=wait)
            waiter.start()
            time.sleep(0.05)  # let the waiter get its first (empty) read in
            sent = time.monotonic()
            call(base, "/api/v1/organizations", token, {
                "name": f"长轮询企业{n}", "kind": "new_economic", "category": "private_enterprise",
                "uscc": uscc(10_000_000 + n), "region_code": "350102", "employee_count": 10,
                "in_survey_scope": True})
            created = time.monotonic()
            waiter.join()
            assert answered["page"]["items"], answered
            after = answered["page"]["next_after"]
            creates.append((created - sent) * 1000)
            wakes.append((answered["at"] - created) * 1000)
        print(f"{label}: long-poll wake-up after a create's answer, {args.polls} polls: "
              f"p50 {percentile(wakes, 50):.0f} ms, p99 {percentile(wakes, 99):.0f} ms "
              f"(the create itself: p50 {percentile(creates, 50):.0f} ms); "
              f"server peak RSS {vm(server.pid, 'VmHWM')} MB")
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--organizations", type=int, default=20_000)
    parser.add_argument("--polls", type=int, default=50)
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

#!/usr/bin/env python3
"""Time of `GET /api/v1/reports/coverage` over N organizations.

Starts the release binary on a fresh SQLite file (and, with --postgres URL, on a fresh
PostgreSQL database), loads N organizations through the CSV import, covers a fifth of them with
own branches and a sixth with joint branches (200 organizations per party organization), assigns
instructors to `--assignments` of them, then times the report (median and worst of 5 runs,
whole-region and grouped by region). Build first: `cargo build --release`.

    python3 bench/coverage_report.py --organizations 100000 [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""
import argparse
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid
import os

from import_members import call, free_port, vm

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]
DISTRICTS = ["350102", "350103", "350104", "350105", "350111", "350112"]


def uscc(n):
    first17 = f"91350100{n:09d}"
    check = (31 - sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS)) % 31) % 31
    return first17 + ALPHABET[check]


def organizations_csv(count):
    lines = ["name,kind,category,uscc,region_code,employee_count,in_survey_scope"]
    for n in range(count):
        lines.append(f"企业{n},new_economic,private_enterprise,{uscc(n)},{DISTRICTS[n % len(DISTRICTS)]},"
                     f"{10 + n % 90},{'true' if n % 10 else 'false'}")
    return ("\n".join(lines) + "\n").encode()


def ids_of(base, token, count):
    ids, cursor = [], None
    while len(ids) < count:
        page = call(base, "/api/v1/organizations?limit=200" + (f"&cursor={cursor}" if cursor else ""), token)
        ids += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    return ids


def timed(base, token, path, runs=5):
    seconds = []
    for _ in range(runs):
        started = time.monotonic()
        call(base, path, token)
        seconds.append(time.monotonic() - started)
    return statistics.median(seconds), max(seconds)


def run(label, database_url, count, assignments, binary):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, LIANGXIN_BIND=f"127.0.0.1:{port}",
               LIANGXIN_BOOTSTRAP_ADMIN_PASSWORD="bench-password", LIANGXIN_LOG="warn",
               LIANGXIN_RATE_LIMIT_PER_MINUTE="10000000")
    server = subprocess.Popen([binary], env=env)
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
        started = time.monotonic()
        report = call(base, "/api/v1/imports/organizations", token, organizations_csv(count), "text/csv")
        assert report["written"] == count, report["rejected"]
        ids = ids_of(base, token, count)
        own, joint = ids[: count // 5], ids[count // 5: count // 5 + count // 6]
        for kind, chunk_ids in (("branch", own), ("joint_branch", joint)):
            for i in range(0, len(chunk_ids), 200):
                call(base, "/api/v1/party-organizations", token, {
                    "name": f"{kind}{i}", "type": kind, "region_code": "350102", "covers": chunk_ids[i:i + 200]})
        for n, organization in enumerate(ids[-assignments:]):
            instructor = call(base, "/api/v1/instructors", token, {
                "name": f"指导员{n}", "source_unit_type": "government_agency", "source_unit": "组织部",
                "region_code": "3501", "is_full_party_member": True})["id"]
            call(base, "/api/v1/instructor-assignments", token, {
                "instructor_id": instructor, "organization_id": organization, "starts_on": "2026-01-01"})
        loaded = time.monotonic() - started
        whole = timed(base, token, "/api/v1/reports/coverage?region_code=3501")
        grouped = timed(base, token, "/api/v1/reports/coverage?region_code=3501&group_by=region")
        totals = call(base, "/api/v1/reports/coverage?region_code=3501", token)["totals"]
        print(f"{label}: {count} organizations ({totals['organizations']} in survey scope; loaded in {loaded:.0f} s); "
              f"report median {whole[0] * 1000:.0f} ms (worst {whole[1] * 1000:.0f} ms), "
              f"grouped by region median {grouped[0] * 1000:.0f} ms (worst {grouped[1] * 1000:.0f} ms); "
              f"coverage {totals['organization_coverage_rate']}, work {totals['work_coverage_rate']}; "
              f"server peak RSS {vm(server.pid, 'VmHWM')} MB")
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--organizations", type=int, default=100_000)
    parser.add_argument("--assignments", type=int, default=2_000)
    parser.add_argument("--postgres", help="an admin URL; a fresh database is made and dropped")
    parser.add_argument("--binary", default="target/release/liangxin")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        run("SQLite", f"sqlite://{directory}/bench.db?mode=rwc", args.organizations, args.assignments, args.binary)
    if args.postgres:
        name = f"liangxin_bench_{uuid.uuid4().hex}"
        psql = ["psql", args.postgres, "-q", "-c"]
        subprocess.run(psql + [f"CREATE DATABASE {name}"], check=True)
        try:
            run("PostgreSQL", args.postgres.rsplit("/", 1)[0] + "/" + name, args.organizations,
                args.assignments, args.binary)
        finally:
            subprocess.run(psql + [f"DROP DATABASE {name}"], check=True)


if __name__ == "__main__":
    main()

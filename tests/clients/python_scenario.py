#!/usr/bin/env python3
"""A short integration with the Python client generated from the served contract
(openapi-python-client), unchanged: log in, register an organization, page a list, read a
problem document, import organizations from a CSV file, follow the event feed.

    python3 tests/clients/python_scenario.py BASE_URL ADMIN_PASSWORD   (the client on PYTHONPATH)
"""
import io
import sys

from liangxin_client import AuthenticatedClient, Client
from liangxin_client.api.auth import create_token
from liangxin_client.api.events import list_events
from liangxin_client.api.imports import import_organizations
from liangxin_client.api.organizations import create_organization, list_organizations
from liangxin_client.models import (
    EventPage, ImportReport, OrganizationInput, OrganizationPage, Problem, TokenRequest,
    TokenResponse,
)
from liangxin_client.types import File
from liangxin_client.models.grant_type import GrantType
from liangxin_client.models.organization_category import OrganizationCategory
from liangxin_client.models.organization_kind import OrganizationKind

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(n):
    first17 = f"91350100{n:09d}"
    check = (31 - sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17)) % 31) % 31
    return first17 + ALPHABET[check]


def main(base, password):
    token = create_token.sync(client=Client(base_url=base), body=TokenRequest(
        grant_type=GrantType.PASSWORD, username="admin", password=password))
    assert isinstance(token, TokenResponse), token
    client = AuthenticatedClient(base_url=base, token=token.access_token)

    feed = list_events.sync(client=client, types="organization")
    assert isinstance(feed, EventPage), feed
    after = feed.next_after

    for n in range(3):
        created = create_organization.sync(client=client, body=OrganizationInput(
            name=f"生成客户端企业{n}", kind=OrganizationKind.NEW_ECONOMIC,
            category=OrganizationCategory.PRIVATE_ENTERPRISE, uscc=uscc(900_000 + n),
            region_code="350102", employee_count=10, in_survey_scope=True))
        assert not isinstance(created, Problem), created.to_dict()

    first = list_organizations.sync(client=client, limit=2, include_total=True)
    assert isinstance(first, OrganizationPage), first
    assert len(first.items) == 2 and first.next_cursor
    second = list_organizations.sync(client=client, limit=2, cursor=first.next_cursor)
    assert isinstance(second, OrganizationPage) and second.items, second

    problem = create_organization.sync(client=client, body=OrganizationInput(
        name="", kind=OrganizationKind.NEW_SOCIAL, category=OrganizationCategory.PRIVATE_ENTERPRISE,
        uscc="91350100M000100Y44", region_code="35010", employee_count=-1, in_survey_scope=True))
    assert isinstance(problem, Problem) and problem.status == 422, problem
    fields = {e.field for e in problem.errors}
    assert {"name", "region_code", "employee_count"} <= fields, fields

    rows = "".join(f"生成客户端导入企业{n},new_economic,private_enterprise,{uscc(910_000 + n)},350102,12,true\n"
                   for n in range(2))
    csv_file = ("name,kind,category,uscc,region_code,employee_count,in_survey_scope\n" + rows).encode()
    report = import_organizations.sync(client=client, body=File(
        payload=io.BytesIO(csv_file), file_name="organizations.csv"))
    assert isinstance(report, ImportReport) and report.written == 2, report

    feed = list_events.sync(client=client, after=after, types="organization", wait=5, limit=100)
    assert isinstance(feed, EventPage), feed
    assert [e.action for e in feed.items] == ["create"] * 5, [e.to_dict() for e in feed.items]
    print(f"python client: logged in, registered 3 organizations, paged the list, read a 422 naming "
          f"{sorted(fields)}, imported 2 from a CSV file, and followed 5 events to seq {feed.next_after}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

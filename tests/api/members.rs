//! Members: identity rules, masking, what a patch may change, filters, the member's own scope,
//! and transfers.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, field_errors, id_number, member_body, organization_body, problem, user_with_roles,
    with,
};

crate::on_both_databases!(
    the_id_number_must_be_valid_and_agree_with_birth_date_and_gender,
    an_id_number_is_unique_among_live_members,
    personal_data_is_masked_without_pii_read,
    stage_status_and_party_organization_are_not_patchable,
    lists_filter_by_organization_subtree_stage_mobility_name_and_region,
    a_member_sees_only_their_own_record,
    transfers_move_the_relation_and_keep_the_history,
    a_host_branch_reads_its_mobile_members_but_changes_nothing,
    registering_tells_nobody_who_is_registered_outside_their_scope,
);

/// The membership oracle (issue 16): a branch secretary who registers an ID number held by a
/// member of another branch gets the answer a new number gets, by a single registration, by
/// a correction and by an import (dry run too); the organization department sees the
/// duplicate and the audit log records the hit on the holder.
async fn registering_tells_nobody_who_is_registered_outside_their_scope(app: TestApp) {
    let ours = app.party_organization("本支部", "branch", None).await;
    let theirs = app.party_organization("他支部", "branch", None).await;
    let holder = app.member(&theirs, 1, json!({})).await;
    let secretary = user_with_roles(
        &app,
        "our-secretary",
        json!([{"role": "branch_secretary", "party_organization_id": ours}]),
    )
    .await;
    let register = |n: u32| {
        let body = with(
            member_body(&ours, 1),
            json!({"id_number": id_number("19900101", true, n)}),
        );
        app.request_as(&secretary, Method::POST, "/api/v1/members")
            .json(&body)
            .send()
    };
    // Number 1 is held in the other branch; number 2 is held by nobody.
    let held = register(1).await.unwrap();
    let new = register(2).await.unwrap();
    assert_eq!(
        (held.status(), new.status()),
        (reqwest::StatusCode::CREATED, reqwest::StatusCode::CREATED)
    );
    let held: Value = held.json().await.unwrap();
    let new: Value = new.json().await.unwrap();
    let shape = |v: &Value| {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        (
            keys,
            v["status"].clone(),
            v["stage"].clone(),
            v["version"].clone(),
        )
    };
    assert_eq!(shape(&held), shape(&new));
    // Within the secretary's scope the number is now theirs: a second registration is refused,
    // naming their own record.
    let again = register(1).await.unwrap();
    let body = problem(again, 409).await;
    assert_eq!(body["code"], "needs_transfer");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains(held["id"].as_str().unwrap())
    );
    assert!(!body["detail"].as_str().unwrap().contains(&holder));

    // A correction to a number held elsewhere, and an import (dry run and real), answer alike.
    app.member(&theirs, 3, json!({})).await;
    let path = format!("/api/v1/members/{}", new["id"].as_str().unwrap());
    let patched = app
        .request_as(&secretary, Method::PATCH, &path)
        .header("if-match", "\"1\"")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"id_number": id_number("19900101", true, 3)}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    app.member(&theirs, 4, json!({})).await;
    let csv = format!(
        "name,gender,birth_date,id_number,party_organization_id,stage\n\
         甲,male,1990-01-01,{},{ours},full\n\
         乙,male,1990-01-01,{},{ours},full\n",
        id_number("19900101", true, 4),
        id_number("19900101", true, 5)
    );
    for query in ["dry_run=true", "mode=all_or_nothing"] {
        let response = app
            .request_as(
                &secretary,
                Method::POST,
                &format!("/api/v1/imports/members?{query}"),
            )
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let report: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["rejected"], 0, "{query}: {report}");
    }

    // The organization department sees the duplicates (three: registered, corrected, imported)
    // and the audit log has the hits on the holders; the secretary sees neither.
    let list: Value = app
        .get("/api/v1/member-duplicates?include_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 3, "{list}");
    let first = &list["items"][0];
    assert_eq!(first["member_id"], held["id"]);
    assert_eq!(first["duplicate_of"], holder.as_str());
    assert_eq!(first["holder_party_organization_id"], theirs.as_str());
    assert_eq!(first["holder_archived"], false);
    let audit: Value = app
        .get(&format!("/api/v1/audit-events?resource_id={holder}"))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"duplicate_id_number"), "{actions:?}");
    let response = app
        .request_as(&secretary, Method::GET, "/api/v1/member-duplicates")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    // Resolved by archiving the holder: the duplicate says so, and a correction of the later
    // record makes it the one live record.
    let response = app
        .request(Method::DELETE, &format!("/api/v1/members/{holder}"))
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let list: Value = app
        .get("/api/v1/member-duplicates")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["holder_archived"], true);
    let path = format!("/api/v1/members/{}", held["id"].as_str().unwrap());
    let response = app
        .request(Method::PATCH, &path)
        .header("if-match", "\"1\"")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"name": "本人"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let list: Value = app
        .get("/api/v1/member-duplicates?include_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2, "{list}");
}

async fn the_id_number_must_be_valid_and_agree_with_birth_date_and_gender(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let good = member_body(&branch, 1);
    let mut wrong_check = good["id_number"].as_str().unwrap().to_owned();
    let last = wrong_check.pop().unwrap();
    wrong_check.push(if last == '0' { '1' } else { '0' });
    let cases = [
        (
            json!({"id_number": wrong_check}),
            vec![("id_number", "check_digit")],
        ),
        (
            json!({"birth_date": "1990-01-02"}),
            vec![("birth_date", "id_number_mismatch")],
        ),
        (
            json!({"gender": "female"}),
            vec![("gender", "id_number_mismatch")],
        ),
        (json!({"phone": "12345"}), vec![("phone", "format")]),
        (
            json!({"id_number": "35010219900101001"}),
            vec![("id_number", "format")],
        ),
    ];
    for (change, expected) in cases {
        let body = with(good.clone(), change.clone());
        let body = problem(app.post_json("/api/v1/members", &body).await, 422).await;
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(f, c)| (f.to_owned(), c.to_owned()))
            .collect();
        assert_eq!(field_errors(&body), expected, "{change}");
    }
    let body = with(good.clone(), json!({"stage": "activist"}));
    let body = problem(app.post_json("/api/v1/members", &body).await, 422).await;
    assert_eq!(
        field_errors(&body),
        [("stage".into(), "pipeline_only".into())]
    );
    let body = with(good.clone(), json!({"stage": "probationary"}));
    let body = problem(app.post_json("/api/v1/members", &body).await, 422).await;
    assert_eq!(
        field_errors(&body),
        [("joined_on".into(), "required".into())]
    );
    let body = with(good.clone(), json!({"unexpected": 1}));
    assert_eq!(app.post_json("/api/v1/members", &body).await.status(), 400);

    let created = app
        .created(
            "/api/v1/members",
            &with(good, json!({"phone": "0591-87654321"})),
        )
        .await;
    assert_eq!(created["stage"], "applicant");
    assert_eq!(created["status"], "active");
    let page: Value = app
        .get("/api/v1/members?include_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1, "the refused bodies changed nothing");
}

async fn an_id_number_is_unique_among_live_members(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let first = app.member(&branch, 1, json!({})).await;
    let twin = with(member_body(&branch, 1), json!({"name": "另一人"}));
    let body = problem(app.post_json("/api/v1/members", &twin).await, 409).await;
    assert_eq!(body["code"], "needs_transfer");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("id_number") && detail.contains(&first),
        "{body}"
    );
    let response = app
        .request(Method::DELETE, &format!("/api/v1/members/{first}"))
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    app.created("/api/v1/members", &twin).await;
}

async fn personal_data_is_masked_without_pii_read(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let id = app
        .member(&branch, 1, json!({"phone": "13800135678"}))
        .await;
    let number = id_number("19900101", true, 1);
    let admin: Value = app
        .get(&format!("/api/v1/members/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(admin["id_number"], number.as_str());
    assert_eq!(admin["phone"], "13800135678");

    let token = user_with_roles(
        &app,
        "fuzhou",
        json!([{"role": "org_department", "region_code": "3501"}]),
    )
    .await;
    let path = format!("/api/v1/members/{id}");
    let staff: Value = app
        .request_as(&token, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(staff["phone"], "138****5678");
    assert_eq!(
        staff["id_number"],
        format!("{}********{}", &number[..6], &number[14..])
    );
    // A patch that leaves personal data alone keeps it whole, not masked.
    let response = app
        .request_as(&token, Method::PATCH, &path)
        .header("if-match", "*")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"education": "硕士"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let admin: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(admin["id_number"], number.as_str());
    assert_eq!(admin["phone"], "13800135678");
    // Out of region: not there at all.
    let other = user_with_roles(
        &app,
        "beijing",
        json!([{"role": "org_department", "region_code": "11"}]),
    )
    .await;
    let response = app
        .request_as(&other, Method::GET, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

async fn stage_status_and_party_organization_are_not_patchable(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let other = app.party_organization("另一支部", "branch", None).await;
    let id = app.member(&branch, 1, json!({})).await;
    let path = format!("/api/v1/members/{id}");
    for change in [
        json!({"stage": "full"}),
        json!({"status": "deceased"}),
        json!({"party_organization_id": other}),
    ] {
        let body = problem(app.patch_json(&path, &change, None).await, 422).await;
        assert_eq!(field_errors(&body)[0].1, "read_only", "{change}");
    }
    let mobile = json!({"is_mobile": true});
    let body = problem(app.patch_json(&path, &mobile, None).await, 422).await;
    assert_eq!(
        field_errors(&body),
        [("host_party_organization_id".into(), "required".into())]
    );
    let mobile =
        json!({"is_mobile": true, "host_party_organization_id": other, "phone": "13912345678"});
    let response = app.patch_json(&path, &mobile, Some("\"1\"")).await;
    assert_eq!(response.status(), 200);
    let member: Value = response.json().await.unwrap();
    assert_eq!(member["home_party_organization_id"], branch.as_str());
    assert_eq!(member["host_party_organization_id"], other.as_str());
    assert_eq!(member["stage"], "applicant");
    assert_eq!(member["version"], 2);
    let stale = app
        .patch_json(&path, &json!({"name": "x"}), Some("\"1\""))
        .await;
    assert_eq!(stale.status(), 412);
}

async fn listed(app: &TestApp, query: &str) -> Vec<String> {
    let page: Value = app
        .get(&format!("/api/v1/members?{query}"))
        .await
        .json()
        .await
        .unwrap();
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{query}: {page}"))
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

async fn lists_filter_by_organization_subtree_stage_mobility_name_and_region(app: TestApp) {
    let root = app.party_organization("党委", "committee", None).await;
    let branch = app.party_organization("支部", "branch", Some(&root)).await;
    let beijing = crate::helpers::party_organization_body("北京支部", "branch", None);
    let beijing = app
        .created(
            "/api/v1/party-organizations",
            &with(beijing, json!({"region_code": "110105"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let employer = app.create_organization(&organization_body(1)).await["id"].clone();
    app.member(&root, 1, json!({"name": "甲", "stage": "full"}))
        .await;
    app.member(
        &branch,
        2,
        json!({"name": "乙", "organization_id": employer}),
    )
    .await;
    app.member(
        &branch,
        3,
        json!({"name": "丙", "is_mobile": true, "host_party_organization_id": beijing}),
    )
    .await;
    app.member(&beijing, 4, json!({"name": "丁甲"})).await;

    assert_eq!(
        listed(&app, &format!("party_organization_id={root}")).await,
        ["甲"]
    );
    assert_eq!(
        listed(
            &app,
            &format!("party_organization_id={root}&include_descendants=true")
        )
        .await,
        ["丙", "乙", "甲"]
    );
    assert_eq!(listed(&app, "stage=full").await, ["甲"]);
    assert_eq!(listed(&app, "is_mobile=true").await, ["丙"]);
    assert_eq!(listed(&app, "q=甲").await, ["丁甲", "甲"]);
    assert_eq!(listed(&app, "region_code=11").await, ["丁甲"]);
    assert_eq!(listed(&app, "region_code=350102").await, ["丙", "乙", "甲"]);
    assert_eq!(
        listed(
            &app,
            &format!("organization_id={}", employer.as_str().unwrap())
        )
        .await,
        ["乙"]
    );
    let response = app.get("/api/v1/members?region_code=119999").await;
    assert_eq!(response.status(), 422);
    let response = app.get("/api/v1/members?stage=leader").await;
    assert_eq!(response.status(), 400);
}

async fn a_member_sees_only_their_own_record(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let me = app.member(&branch, 1, json!({})).await;
    let other = app.member(&branch, 2, json!({})).await;
    let token = user_with_roles(
        &app,
        "member1",
        json!([{"role": "member", "member_id": me}]),
    )
    .await;
    let get = |path: String| app.request_as(&token, Method::GET, &path).send();
    assert_eq!(
        get(format!("/api/v1/members/{me}")).await.unwrap().status(),
        200
    );
    assert_eq!(
        get(format!("/api/v1/members/{me}/development"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        get(format!("/api/v1/members/{other}"))
            .await
            .unwrap()
            .status(),
        404
    );
    let page: Value = get("/api/v1/members?include_total=true".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], me.as_str());
    assert_eq!(
        get(format!("/api/v1/party-organizations/{branch}"))
            .await
            .unwrap()
            .status(),
        403
    );
    let response = app
        .request_as(&token, Method::PATCH, &format!("/api/v1/members/{me}"))
        .header("if-match", "*")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"name": "改名"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

async fn transfers_move_the_relation_and_keep_the_history(app: TestApp) {
    let from = app.party_organization("原支部", "branch", None).await;
    let to = app.party_organization("新支部", "branch", None).await;
    let id = app.member(&from, 1, json!({"stage": "full"})).await;
    let transfers = format!("/api/v1/members/{id}/transfers");
    let secretary = user_with_roles(
        &app,
        "from-secretary",
        json!([{"role": "branch_secretary", "party_organization_id": from}]),
    )
    .await;

    let future = json!({"kind": "internal", "to_party_organization_id": to, "date": "2999-01-01"});
    let body = problem(app.post_json(&transfers, &future).await, 422).await;
    assert_eq!(field_errors(&body), [("date".into(), "future_date".into())]);
    let same = json!({"kind": "internal", "to_party_organization_id": from, "date": "2026-11-01"});
    assert_eq!(app.post_json(&transfers, &same).await.status(), 422);

    let internal = json!({"kind": "internal", "to_party_organization_id": to, "date": "2026-11-01", "reason": "换工作"});
    // The sending secretary does not reach the new branch: a move there is theirs to send out
    // (`out`) or the organization department's to make.
    let response = app
        .request_as(&secretary, Method::POST, &transfers)
        .json(&internal)
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(response, 422).await["errors"][0]["field"],
        "to_party_organization_id"
    );
    let response = app.post_json(&transfers, &internal).await;
    assert_eq!(response.status(), 201);
    let record: Value = response.json().await.unwrap();
    assert_eq!(record["from_party_organization_id"], from.as_str());
    assert_eq!(record["to_party_organization_id"], to.as_str());
    let member: Value = app
        .get(&format!("/api/v1/members/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(member["party_organization_id"], to.as_str());
    // The sending secretary no longer reaches the member; the counts moved with them.
    let response = app
        .request_as(&secretary, Method::GET, &format!("/api/v1/members/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let counts: Value = app
        .get(&format!("/api/v1/party-organizations/{to}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts["member_counts"]["full"], 1);

    let out = json!({"kind": "out", "destination": "浙江省某企业党支部", "date": "2026-11-10"});
    app.created(&transfers, &out).await;
    let again = app.post_json(&transfers, &internal).await;
    assert_eq!(problem(again, 409).await["code"], "member_status");
    let back = json!({"kind": "in", "to_party_organization_id": from, "origin": "浙江省某企业党支部", "date": "2026-11-20"});
    app.created(&transfers, &back).await;

    let history: Value = app.get(&transfers).await.json().await.unwrap();
    let kinds: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["internal", "out", "in"]);
    let member: Value = app
        .get(&format!("/api/v1/members/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(member["status"], "active");
    assert_eq!(member["party_organization_id"], from.as_str());
}

/// A mobile member's host branch reads their record but neither changes nor transfers it (403);
/// a branch secretary transfers members only to party organizations within their own scope.
async fn a_host_branch_reads_its_mobile_members_but_changes_nothing(app: TestApp) {
    let holder = app.party_organization("持有支部", "branch", None).await;
    let child = app
        .party_organization("下级支部", "branch", Some(&holder))
        .await;
    let host = app.party_organization("流入地支部", "branch", None).await;
    let mobile = app
        .member(
            &holder,
            1,
            json!({"is_mobile": true, "host_party_organization_id": host}),
        )
        .await;
    let settled = app.member(&holder, 2, json!({"stage": "full"})).await;
    let secretary_of = |name: &'static str, root: String| {
        let app = &app;
        async move {
            user_with_roles(
                app,
                name,
                json!([{"role": "branch_secretary", "party_organization_id": root}]),
            )
            .await
        }
    };
    let host_token = secretary_of("host-secretary", host.clone()).await;
    let member_path = format!("/api/v1/members/{mobile}");
    let read = app
        .request_as(&host_token, Method::GET, &member_path)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let patch = app
        .request_as(&host_token, Method::PATCH, &member_path)
        .header("if-match", "*")
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"name": "改名"}"#)
        .send()
        .await
        .unwrap();
    problem(patch, 403).await;
    let archive = app
        .request_as(&host_token, Method::DELETE, &member_path)
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    problem(archive, 403).await;
    let transfer = app
        .request_as(
            &host_token,
            Method::POST,
            &format!("{member_path}/transfers"),
        )
        .json(&json!({"kind": "internal", "to_party_organization_id": host, "date": "2026-11-01"}))
        .send()
        .await
        .unwrap();
    problem(transfer, 403).await;

    let holder_token = secretary_of("holder-secretary", holder.clone()).await;
    let transfer = |to: String| {
        let (app, token, settled) = (&app, &holder_token, &settled);
        async move {
            app.request_as(
                token,
                Method::POST,
                &format!("/api/v1/members/{settled}/transfers"),
            )
            .json(
                &json!({"kind": "internal", "to_party_organization_id": to, "date": "2026-11-01"}),
            )
            .send()
            .await
            .unwrap()
        }
    };
    let outside = problem(transfer(host.clone()).await, 422).await;
    assert_eq!(outside["errors"][0]["field"], "to_party_organization_id");
    assert_eq!(transfer(child.clone()).await.status(), 201);
}

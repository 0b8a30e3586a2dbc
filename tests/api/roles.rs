//! Generated from the role table (`src/auth/policy.rs`) and the contract: for every role and every
//! secured operation, a caller with that role gets 403 exactly when the role lacks the
//! permission the operation declares.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, user_with_roles};
use liangxin::auth::policy::{Role, TABLE};

crate::on_both_databases!(every_role_gets_403_exactly_where_the_table_says);

/// A user holding `role` with a scope that exists.
async fn token_for(app: &TestApp, role: Role, scope: &Value) -> String {
    let mut grant = json!({"role": role.as_str()});
    if let Some(extra) = scope.get(role.as_str()) {
        json_patch::merge(&mut grant, extra);
    }
    user_with_roles(app, &format!("role-{}", role.as_str()), json!([grant])).await
}

async fn every_role_gets_403_exactly_where_the_table_says(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let member = app.member(&branch, 1, json!({})).await;
    let instructor = app
        .created(
            "/api/v1/instructors",
            &json!({"name": "陈立", "source_unit_type": "other", "source_unit": "x",
                "region_code": "3501", "is_full_party_member": true}),
        )
        .await["id"]
        .clone();
    let scope = json!({
        "org_department": {"region_code": "35"},
        "branch_secretary": {"party_organization_id": branch},
        "member": {"member_id": member},
        "instructor": {"instructor_id": instructor},
    });
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut checked = 0;
    for (role, permissions) in TABLE {
        let token = token_for(&app, *role, &scope).await;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let Some(required) = op["security"][0]["bearer"][0].as_str() else {
                    continue;
                };
                let allowed = permissions.iter().any(|p| p.name() == required);
                let url = crate::helpers::example_url(path, op);
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut request = app.request_as(&token, method.clone(), &url);
                if [Method::POST, Method::PATCH, Method::PUT].contains(&method) {
                    request = request.json(&json!({}));
                }
                let status = request.send().await.unwrap().status().as_u16();
                assert_eq!(
                    status == 403,
                    !allowed,
                    "{} {method} {path} ({required}): {status}",
                    role.as_str()
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 5 * 55,
        "{checked} role × operation pairs checked"
    );
}

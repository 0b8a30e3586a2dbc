//! The division table: lookups for region pickers, validation of region codes, region names.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, TestApp, config_for, field_errors, organization_body, problem, spawn_with_config, with,
};

crate::on_both_databases!(
    provinces_then_children_build_a_picker,
    one_region_has_its_full_name_and_ancestors,
    cities_without_counties_have_townships_below,
    name_search_is_bounded,
    lookups_are_cacheable,
    organizations_need_a_known_county_or_township,
    organizations_carry_their_region_name,
    every_prefix_form_filters_the_same_region,
    unknown_filter_regions_are_refused,
);

async fn items(app: &TestApp, path: &str) -> Vec<Value> {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    let body: Value = response.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

async fn provinces_then_children_build_a_picker(app: TestApp) {
    let provinces = items(&app, "/api/v1/regions").await;
    assert_eq!(provinces.len(), 31);
    let beijing = provinces.iter().find(|p| p["code"] == "110000").unwrap();
    assert_eq!(
        beijing,
        &json!({"code": "110000", "name": "北京市", "level": "province", "parent_code": null, "has_children": true})
    );
    let districts = items(&app, "/api/v1/regions?parent_code=110100").await;
    let chaoyang = districts.iter().find(|d| d["code"] == "110105").unwrap();
    assert_eq!(chaoyang["name"], "朝阳区");
    assert_eq!(chaoyang["level"], "county");
    assert_eq!(chaoyang["has_children"], true);
    let streets = items(&app, "/api/v1/regions?parent_code=110105").await;
    assert!(
        streets
            .iter()
            .all(|s| s["level"] == "township" && s["has_children"] == false)
    );
    assert!(streets.iter().any(|s| s["name"] == "建外街道"));
    // The short prefix form names the same parent.
    assert_eq!(
        items(&app, "/api/v1/regions?parent_code=1101").await,
        districts
    );
}

async fn one_region_has_its_full_name_and_ancestors(app: TestApp) {
    let region: Value = app
        .get("/api/v1/regions/110105")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(region["full_name"], "北京市 / 市辖区 / 朝阳区");
    assert_eq!(region["parent_code"], "110100");
    let ancestors: Vec<&str> = region["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(ancestors, ["110000", "110100"]);
    problem(app.get("/api/v1/regions/119999").await, 404).await;
}

async fn cities_without_counties_have_townships_below(app: TestApp) {
    for (city, name) in [
        ("441900", "东莞市"),
        ("442000", "中山市"),
        ("460400", "儋州市"),
    ] {
        let townships = items(&app, &format!("/api/v1/regions?parent_code={city}")).await;
        assert!(!townships.is_empty(), "{name}");
        assert!(townships.iter().all(|t| t["level"] == "township"), "{name}");
        let first = townships[0]["code"].as_str().unwrap();
        let detail: Value = app
            .get(&format!("/api/v1/regions/{first}"))
            .await
            .json()
            .await
            .unwrap();
        let full_name = detail["full_name"].as_str().unwrap();
        assert_eq!(full_name.split(" / ").count(), 3, "{full_name}");
        assert!(full_name.contains(name), "{full_name}");
    }
}

async fn name_search_is_bounded(app: TestApp) {
    let found = items(&app, "/api/v1/regions?q=%E6%9C%9D%E9%98%B3").await; // 朝阳
    assert_eq!(found.len(), 20, "the default bound");
    assert!(
        found
            .iter()
            .all(|r| r["name"].as_str().unwrap().contains("朝阳"))
    );
    assert_eq!(found[0]["level"], "city", "higher levels first: 朝阳市");
    let in_beijing = items(
        &app,
        "/api/v1/regions?q=%E6%9C%9D%E9%98%B3&parent_code=11&limit=100",
    )
    .await;
    assert!(
        in_beijing
            .iter()
            .all(|r| r["code"].as_str().unwrap().starts_with("11"))
    );
    assert!(in_beijing.iter().any(|r| r["code"] == "110105"));
    problem(app.get("/api/v1/regions?q=x&limit=101").await, 400).await;
    problem(app.get("/api/v1/regions?level=county").await, 400).await;
}

async fn lookups_are_cacheable(app: TestApp) {
    let response = app.get("/api/v1/regions/110105").await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let again = app
        .request(Method::GET, "/api/v1/regions?parent_code=110100")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "one table version for every lookup");
}

async fn organizations_need_a_known_county_or_township(app: TestApp) {
    for (code, rule) in [
        ("119999", "unknown_region"),
        ("441900", "region_level"),
        ("110000", "region_level"),
    ] {
        let body = with(organization_body(1), json!({"region_code": code}));
        let answer = problem(app.post_json("/api/v1/organizations", &body).await, 422).await;
        assert_eq!(
            field_errors(&answer),
            [("region_code".to_string(), rule.to_string())],
            "{code}"
        );
        assert!(
            answer["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(code)
        );
    }
    let dongguan = app
        .create_organization(&with(
            organization_body(2),
            json!({"region_code": "441900003"}),
        ))
        .await;
    assert_eq!(dongguan["region_name"], "广东省 / 东莞市 / 东城街道");
}

async fn organizations_carry_their_region_name(app: TestApp) {
    let created = app.create_organization(&organization_body(1)).await;
    assert_eq!(created["region_name"], "福建省 / 福州市 / 鼓楼区");
    let list: Value = app.get("/api/v1/organizations").await.json().await.unwrap();
    assert_eq!(list["items"][0]["region_name"], "福建省 / 福州市 / 鼓楼区");
}

async fn every_prefix_form_filters_the_same_region(app: TestApp) {
    app.create_organization(&with(
        organization_body(1),
        json!({"region_code": "110105"}),
    ))
    .await;
    app.create_organization(&with(
        organization_body(2),
        json!({"region_code": "441900003"}),
    ))
    .await;
    for (filter, expected) in [
        ("11", 1),
        ("110000", 1),
        ("1101", 1),
        ("110100", 1),
        ("110105", 1),
        ("44", 1),
        ("4419", 1),
        ("441900", 1),
        ("441900003", 1),
        ("110108", 0),
    ] {
        let found = items(&app, &format!("/api/v1/organizations?region_code={filter}")).await;
        assert_eq!(found.len(), expected, "{filter}");
    }
}

async fn unknown_filter_regions_are_refused(app: TestApp) {
    let answer = problem(
        app.get("/api/v1/organizations?region_code=119999").await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&answer),
        [("region_code".to_string(), "unknown_region".to_string())]
    );
    problem(app.get("/api/v1/organizations?region_code=19").await, 422).await;
    problem(app.get("/api/v1/regions?parent_code=9999").await, 422).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_may_ship_its_own_table() {
    let dir = std::env::temp_dir().join(format!(
        "liangxin-divisions-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("divisions.csv");
    std::fs::write(
        &file,
        "code,name,level,parent_code\n990000,测试省,province,\n990100,测试市,city,990000\n990101,新区,county,990100\n",
    )
    .unwrap();
    let mut config = config_for(Backend::Sqlite).await.unwrap();
    config.divisions_file = Some(file);
    let app = spawn_with_config(config).await;
    let provinces = items(&app, "/api/v1/regions").await;
    assert_eq!(provinces.len(), 1);
    let created = app
        .create_organization(&with(
            organization_body(1),
            json!({"region_code": "990101"}),
        ))
        .await;
    assert_eq!(created["region_name"], "测试省 / 测试市 / 新区");
    let refused = with(organization_body(2), json!({"region_code": "110105"}));
    problem(app.post_json("/api/v1/organizations", &refused).await, 422).await;
}

#[tokio::test]
async fn a_broken_table_stops_the_start_with_the_reason() {
    let dir = std::env::temp_dir().join(format!(
        "liangxin-divisions-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("divisions.csv");
    std::fs::write(
        &file,
        "code,name,level,parent_code\n110105,朝阳区,county,110100\n",
    )
    .unwrap();
    let mut config = config_for(Backend::Sqlite).await.unwrap();
    config.divisions_file = Some(file);
    let error = liangxin::Application::build(config)
        .await
        .err()
        .expect("the start fails");
    assert!(
        error.to_string().contains("unknown parent 110100"),
        "{error}"
    );
}

//! CSV in and out: imports report every row and honour their mode; list exports stream every
//! matching row with the list's filters.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, id_number, organization_body, problem, user_with_roles};

crate::on_both_databases!(
    an_import_reports_every_row_and_writes_all_or_nothing,
    valid_rows_mode_writes_the_good_rows_and_dry_run_writes_none,
    gbk_bodies_are_decoded_and_bad_headers_or_types_refused,
    an_organization_import_checks_rules_and_scope_per_row,
    exports_stream_every_matching_row_beyond_one_page,
    rows_are_numbered_by_the_file_s_lines_whatever_its_line_ends,
    exports_open_in_excel_and_wps,
    every_export_is_also_an_excel_workbook,
    workbooks_import_like_csv_and_hostile_ones_are_refused,
    an_import_retried_with_its_key_is_written_once,
);

/// The report numbers rows by the file's lines (the header is line 1) for LF, CRLF (Excel's
/// default) and mixed files, blank lines counted.
async fn rows_are_numbered_by_the_file_s_lines_whatever_its_line_ends(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let header = "name,gender,birth_date,id_number,party_organization_id,stage,is_mobile";
    let row = |n: u32, valid: bool| {
        let number = match valid {
            true => id_number("19900101", true, n),
            false => "350102199001010000".to_owned(),
        };
        format!("党员{n},male,1990-01-01,{number},{branch},full,false")
    };
    for (label, body, expected) in [
        (
            "LF",
            format!(
                "{header}\n{}\n{}\n{}\n",
                row(1, true),
                row(2, false),
                row(3, true)
            ),
            vec![(2, "accepted"), (3, "rejected"), (4, "accepted")],
        ),
        (
            "CRLF",
            format!(
                "{header}\r\n{}\r\n{}\r\n{}\r\n",
                row(1, true),
                row(2, false),
                row(3, true)
            ),
            vec![(2, "accepted"), (3, "rejected"), (4, "accepted")],
        ),
        (
            "mixed, with a blank line",
            format!(
                "{header}\r\n{}\n\r\n{}\r\n{}",
                row(1, true),
                row(2, false),
                row(3, true)
            ),
            vec![(2, "accepted"), (4, "rejected"), (5, "accepted")],
        ),
    ] {
        let response = import(
            &app,
            "/api/v1/imports/members?dry_run=true&mode=valid_rows",
            "text/csv",
            body.into_bytes(),
        )
        .await;
        let report: Value = response.json().await.unwrap();
        let expected: Vec<(u64, String)> = expected
            .into_iter()
            .map(|(line, status)| (line, status.to_owned()))
            .collect();
        assert_eq!(statuses(&report), expected, "{label}: {report}");
    }
}

/// CSV for Excel and WPS: UTF-8 with a byte-order mark by default (lists and reports), GBK on
/// `Accept: text/csv; charset=gbk`, text a spreadsheet would run as a formula defused.
async fn exports_open_in_excel_and_wps(app: TestApp) {
    app.create_organization(&serde_json::json!({
        "name": "=HYPERLINK(\"http://x\")云帆", "kind": "new_economic", "category": "private_enterprise",
        "uscc": crate::helpers::uscc(1), "region_code": "350102", "employee_count": 5, "in_survey_scope": true,
    }))
    .await;
    for path in [
        "/api/v1/organizations/export",
        "/api/v1/reports/coverage/export?region_code=35",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment;"),
            "{path}"
        );
        let bytes = response.bytes().await.unwrap();
        assert!(
            bytes.starts_with(b"\xEF\xBB\xBF"),
            "{path}: a byte-order mark"
        );
        assert!(!bytes[3..].starts_with(b"\xEF\xBB\xBF"));
        let gbk = app
            .request(Method::GET, path)
            .header("accept", "text/csv; charset=gbk")
            .send()
            .await
            .unwrap();
        assert_eq!(gbk.headers()["content-type"], "text/csv; charset=gbk");
        let gbk = gbk.bytes().await.unwrap();
        let (text, _, malformed) = encoding_rs::GBK.decode(&gbk);
        assert!(!malformed && !gbk.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(text, String::from_utf8_lossy(&bytes[3..]), "{path}");
    }
    let text = app
        .get("/api/v1/organizations/export")
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
}

async fn import(app: &TestApp, path: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.request(Method::POST, path)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn member_csv(branch: &str, rows: &[(u32, &str)]) -> String {
    let mut csv =
        String::from("name,gender,birth_date,id_number,party_organization_id,stage,is_mobile\n");
    for (n, id_number) in rows {
        csv.push_str(&format!(
            "党员{n},male,1990-01-01,{id_number},{branch},full,false\n"
        ));
    }
    csv
}

async fn count_members(app: &TestApp) -> u64 {
    let page: Value = app
        .get("/api/v1/members?include_total=true")
        .await
        .json()
        .await
        .unwrap();
    page["total"].as_u64().unwrap()
}

fn statuses(report: &Value) -> Vec<(u64, String)> {
    report["report"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn an_import_reports_every_row_and_writes_all_or_nothing(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let good = id_number("19900101", true, 1);
    let mut bad = id_number("19900101", true, 2);
    bad.pop();
    bad.push('Y');
    let csv = member_csv(&branch, &[(1, &good), (2, &bad), (3, &good)]);
    let response = import(
        &app,
        "/api/v1/imports/members",
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(response.status(), 422);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        statuses(&report),
        [
            (2, "accepted".into()),
            (3, "rejected".into()),
            (4, "rejected".into())
        ]
    );
    assert_eq!(report["report"][1]["errors"][0]["field"], "id_number");
    assert_eq!(
        report["report"][2]["errors"][0]["code"],
        "duplicate_in_file"
    );
    assert_eq!(report["written"], 0);
    assert_eq!(count_members(&app).await, 0, "all or nothing");

    let csv = member_csv(&branch, &[(1, &good)]);
    let response = import(
        &app,
        "/api/v1/imports/members",
        "text/csv; charset=utf-8",
        csv.clone().into_bytes(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["written"], 1);
    let id = report["report"][0]["id"].as_str().unwrap();
    let member: Value = app
        .get(&format!("/api/v1/members/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(member["stage"], "full");
    // Again: the ID number is now taken.
    let report: Value = import(
        &app,
        "/api/v1/imports/members",
        "text/csv",
        csv.into_bytes(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(report["report"][0]["errors"][0]["code"], "needs_transfer");
}

async fn valid_rows_mode_writes_the_good_rows_and_dry_run_writes_none(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let other = uuid::Uuid::now_v7().to_string();
    let mut csv = member_csv(&branch, &[(1, &id_number("19900101", true, 1))]);
    csv.push_str(&format!(
        "党员2,male,1990-01-01,{},{other},full,false\n",
        id_number("19900101", true, 2)
    ));
    csv.push_str("党员3,male,1990-01-01\n");

    let dry = "/api/v1/imports/members?dry_run=true&mode=valid_rows";
    let report: Value = import(&app, dry, "text/csv", csv.clone().into_bytes())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (report["accepted"].as_u64(), report["written"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(report["report"][0]["id"], Value::Null);
    assert_eq!(count_members(&app).await, 0, "a dry run writes nothing");

    let response = import(
        &app,
        "/api/v1/imports/members?mode=valid_rows",
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["written"], 1);
    assert_eq!(
        report["report"][1]["errors"][0]["code"],
        "unknown_party_organization"
    );
    assert_eq!(report["report"][2]["errors"][0]["code"], "columns");
    assert_eq!(count_members(&app).await, 1);
}

async fn gbk_bodies_are_decoded_and_bad_headers_or_types_refused(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let csv = member_csv(&branch, &[(1, &id_number("19900101", true, 1))]);
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let response = import(
        &app,
        "/api/v1/imports/members",
        "text/csv; charset=GBK",
        gbk.into_owned(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let page: Value = app.get("/api/v1/members").await.json().await.unwrap();
    assert_eq!(page["items"][0]["name"], "党员1");

    // Excel's CSV from a browser upload: GBK bytes, plain `text/csv`: recognised.
    let second = member_csv(&branch, &[(2, &id_number("19900101", true, 2))]);
    let (gbk, _, _) = encoding_rs::GBK.encode(&second);
    let response = import(
        &app,
        "/api/v1/imports/members",
        "text/csv",
        gbk.into_owned(),
    )
    .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let page: Value = app.get("/api/v1/members").await.json().await.unwrap();
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"党员2"), "{names:?}");
    // GBK bytes declared as UTF-8: the declaration wins, and the refusal names what works.
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let response = import(
        &app,
        "/api/v1/imports/members",
        "text/csv; charset=utf-8",
        gbk.into_owned(),
    )
    .await;
    let refused = problem(response, 400).await;
    assert_eq!(refused["errors"][0]["code"], "csv", "GBK sent as UTF-8");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("gbk")
    );
    // Neither UTF-8 nor GB18030.
    let response = import(
        &app,
        "/api/v1/imports/members",
        "text/csv",
        b"name\n\xff\xfe\x80\n".to_vec(),
    )
    .await;
    let refused = problem(response, 400).await;
    assert_eq!(refused["errors"][0]["code"], "charset");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("gbk")
    );
    let response = import(
        &app,
        "/api/v1/imports/members",
        "application/json",
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 415);
    let response = import(
        &app,
        "/api/v1/imports/members",
        "text/csv; charset=latin1",
        csv.clone().into_bytes(),
    )
    .await;
    assert_eq!(response.status(), 415);
    let response = import(
        &app,
        "/api/v1/imports/members",
        "text/csv",
        b"name,shoe_size\nx,42\n".to_vec(),
    )
    .await;
    assert_eq!(
        problem(response, 422).await["errors"][0]["code"],
        "unknown_column"
    );
    assert_eq!(count_members(&app).await, 2, "the GBK imports only");
}

async fn an_organization_import_checks_rules_and_scope_per_row(app: TestApp) {
    let header = "name,kind,category,uscc,region_code,employee_count,in_survey_scope\n";
    let row = |n: u32, region: &str, employees: &str| {
        format!(
            "企业{n},new_economic,private_enterprise,{},{region},{employees},true\n",
            crate::helpers::uscc(n)
        )
    };
    let csv = format!(
        "{header}{}{}{}",
        row(1, "350102", "25"),
        row(2, "110105", "25"),
        row(3, "350102", "many")
    );
    let token = user_with_roles(
        &app,
        "fujian",
        json!([{"role": "org_department", "region_code": "35"}]),
    )
    .await;
    let response = app
        .request_as(
            &token,
            Method::POST,
            "/api/v1/imports/organizations?mode=valid_rows",
        )
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        report["report"][1]["errors"][0]["code"], "outside_scope",
        "{report}"
    );
    assert_eq!(report["report"][2]["errors"][0]["field"], "employee_count");
    let page: Value = app
        .get("/api/v1/organizations?include_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    // The one written is audited like any create.
    let events: Value = app
        .get("/api/v1/audit-events?resource_type=organization")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");
}

async fn exports_stream_every_matching_row_beyond_one_page(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let rows: Vec<(u32, String)> = (0..1200)
        .map(|n| (n, id_number("19900101", n % 2 == 0, n)))
        .collect();
    let mut csv = String::from("name,gender,birth_date,id_number,party_organization_id,phone\n");
    for (n, number) in &rows {
        let gender = if n % 2 == 0 { "male" } else { "female" };
        csv.push_str(&format!(
            "党员{n},{gender},1990-01-01,{number},{branch},13800135678\n"
        ));
    }
    // Numbers repeat every 100 with the same gender: keep the first of each.
    let response = import(
        &app,
        "/api/v1/imports/members?mode=valid_rows",
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["written"], 100, "{}", report["rejected"]);
    let mut csv = String::from("name,gender,birth_date,id_number,party_organization_id\n");
    for n in 0..1100u32 {
        let birth = format!("19{:02}0{}1{}", 50 + n / 100 % 40, 1 + n / 10 % 9, n % 10);
        let date = format!("19{}-0{}-1{}", &birth[2..4], &birth[5..6], &birth[7..8]);
        csv.push_str(&format!(
            "人{n},male,{date},{},{branch}\n",
            id_number(&birth, true, n)
        ));
    }
    let report: Value = import(
        &app,
        "/api/v1/imports/members",
        "text/csv",
        csv.into_bytes(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(report["written"], 1100, "{}", report["report"][0]);

    let token = user_with_roles(
        &app,
        "fuzhou",
        json!([{"role": "org_department", "region_code": "3501"}]),
    )
    .await;
    let response = app
        .request_as(&token, Method::GET, "/api/v1/members/export?gender=x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        400,
        "unknown filters are refused as in JSON"
    );
    let response = app
        .request_as(&token, Method::GET, "/api/v1/members/export?q=党员")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(&header[..3], ["id", "name", "gender"]);
    let phone = header.iter().position(|c| c == "phone").unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 100, "the q filter applies");
    assert!(
        records.iter().all(|r| &r[phone] == "138****5678"),
        "masked without pii:read"
    );

    let all = app
        .request(Method::GET, "/api/v1/members/export?limit=5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        all.lines().count(),
        1 + 1200,
        "every row, past the page limit and the 500-row export pages"
    );

    app.create_organization(&organization_body(1)).await;
    let organizations = app
        .request(Method::GET, "/api/v1/organizations/export")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        organizations.contains("福建省 / 福州市 / 鼓楼区"),
        "{organizations}"
    );
}

/// The first sheet of an xlsx workbook, row by row.
fn sheet(bytes: &[u8]) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut workbook =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx file");
    let range = workbook.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(<[calamine::Data]>::to_vec).collect()
}

/// Every export of the contract answers `format=xlsx` (and `Accept` with the spreadsheet type)
/// with a workbook: headings in Chinese, identifiers as text with every digit, numbers as
/// numbers, dates as dates, a leading `=` kept as text; `format` with any other value is a 400.
async fn every_export_is_also_an_excel_workbook(app: TestApp) {
    use calamine::{Data, DataType};
    let uscc = crate::helpers::uscc(7);
    app.create_organization(&json!({
        "name": "=1+1云帆", "kind": "new_economic", "category": "private_enterprise",
        "uscc": uscc, "region_code": "350102", "employee_count": 12, "in_survey_scope": true,
    }))
    .await;
    let branch = app.party_organization("支部", "branch", None).await;
    let member = app
        .member(
            &branch,
            1,
            json!({"joined_on": "2020-07-01", "stage": "full"}),
        )
        .await;
    let exports = [
        "/api/v1/organizations/export".to_owned(),
        "/api/v1/members/export".to_owned(),
        "/api/v1/party-organizations/export".to_owned(),
        format!("/api/v1/party-organizations/{branch}/fund/report/export?year=2026"),
        "/api/v1/reports/activity/export?period=2026".to_owned(),
        "/api/v1/reports/compliance/export?period=2026".to_owned(),
        "/api/v1/reports/coverage/export?region_code=35".to_owned(),
        "/api/v1/reports/education/export".to_owned(),
        "/api/v1/reports/work-systems/export".to_owned(),
    ];
    // Every export of the contract is here.
    let contract: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let in_contract = contract["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|p| p.ends_with("/export"))
        .count();
    assert_eq!(in_contract, exports.len());
    for path in &exports {
        let separator = if path.contains('?') { '&' } else { '?' };
        let response = app.get(&format!("{path}{separator}format=xlsx")).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .ends_with(".xlsx\""),
            "{path}"
        );
        let rows = sheet(&response.bytes().await.unwrap());
        let headings: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
        assert!(
            headings.iter().all(|h| !h.is_ascii()),
            "{path}: every heading in Chinese: {headings:?}"
        );
        let wrong = app.get(&format!("{path}{separator}format=pdf")).await;
        assert_eq!(problem(wrong, 400).await["errors"][0]["field"], "format");
    }

    // The organization: its USCC as text, whole; the name not run; the count a number.
    let response = app
        .request(Method::GET, "/api/v1/organizations/export")
        .header(
            "accept",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .send()
        .await
        .unwrap();
    let rows = sheet(&response.bytes().await.unwrap());
    assert_eq!(rows.len(), 2);
    let column = |name: &str| rows[0].iter().position(|c| *c == name).unwrap();
    assert_eq!(rows[1][column("统一社会信用代码")], Data::String(uscc));
    assert_eq!(rows[1][column("名称")], Data::String("=1+1云帆".into()));
    assert_eq!(rows[1][column("职工人数")].as_f64(), Some(12.0));
    assert!(matches!(rows[1][column("创建时间")], Data::DateTime(_)));

    // The member: the ID number as text with all 18 digits, the date a date.
    let response = app.get("/api/v1/members/export?format=xlsx").await;
    let rows = sheet(&response.bytes().await.unwrap());
    let column = |name: &str| rows[0].iter().position(|c| *c == name).unwrap();
    assert_eq!(rows[1][column("编号")], Data::String(member));
    assert_eq!(
        rows[1][column("公民身份号码")],
        Data::String(crate::helpers::id_number("19900101", true, 1))
    );
    match &rows[1][column("入党日期")] {
        Data::DateTime(date) => assert_eq!(
            date.as_datetime().map(|d| d.date()),
            chrono::NaiveDate::from_ymd_opt(2020, 7, 1)
        ),
        other => panic!("a date: {other:?}"),
    }

    // A report: region codes as text, counts as numbers.
    let response = app
        .get("/api/v1/reports/coverage/export?region_code=35&group_by=region&format=xlsx")
        .await;
    let rows = sheet(&response.bytes().await.unwrap());
    assert_eq!(rows[0][0].to_string(), "分组");
    assert_eq!(rows[1][0], Data::String("350100".into()));
    assert_eq!(rows[1][2].as_f64(), Some(1.0));
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook of one sheet: `rows[r][c]` at row `r` (`None`: no row there), strings and booleans
/// as such, a `Date` as an Excel date.
#[derive(Clone)]
enum Typed {
    Text(String),
    Bool(bool),
    Date(&'static str),
}

fn workbook(rows: &[Option<Vec<Typed>>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().flatten().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Typed::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
                Typed::Bool(b) => sheet.write_boolean(r, c, *b).map(|_| ()),
                Typed::Date(d) => {
                    let d = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
                    sheet.write_date_with_format(r, c, d, &date).map(|_| ())
                }
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// A member import as a workbook: the header by field names, dates as Excel dates, booleans as
/// booleans, rows reported by the sheet's row numbers (a blank row counted); the same bytes sent
/// as `application/octet-stream` are told a workbook; an exported workbook (Chinese headings)
/// imports again; a body that is not a workbook, or one whose string table announces more than it
/// holds (a few bytes asking for terabytes), is a 400 and writes nothing.
async fn workbooks_import_like_csv_and_hostile_ones_are_refused(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let text = |t: &str| Typed::Text(t.to_owned());
    let header = Some(
        [
            "name",
            "gender",
            "birth_date",
            "id_number",
            "party_organization_id",
            "stage",
            "is_mobile",
        ]
        .into_iter()
        .map(text)
        .collect(),
    );
    let row = |n: u32, id: String| {
        Some(vec![
            text(&format!("党员{n}")),
            text("male"),
            Typed::Date("1990-01-01"),
            Typed::Text(id),
            text(&branch),
            text("full"),
            Typed::Bool(false),
        ])
    };
    let book = workbook(&[
        header.clone(),
        row(1, id_number("19900101", true, 1)),
        row(2, "350102199001010000".into()),
        None,
        row(3, id_number("19900101", true, 3)),
    ]);
    let response = import(
        &app,
        "/api/v1/imports/members?mode=valid_rows",
        XLSX,
        book.clone(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        statuses(&report),
        vec![
            (2, "accepted".into()),
            (3, "rejected".into()),
            (5, "accepted".into())
        ],
        "{report}"
    );
    assert_eq!(report["report"][1]["errors"][0]["field"], "id_number");
    let page: Value = app
        .get("/api/v1/members?q=党员3")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["birth_date"], "1990-01-01");
    assert_eq!(count_members(&app).await, 2);

    // The same kind of workbook as a generated client sends a file.
    let book = workbook(&[header.clone(), row(4, id_number("19900101", true, 4))]);
    let response = import(
        &app,
        "/api/v1/imports/members",
        "application/octet-stream",
        book,
    )
    .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let page: Value = app
        .get("/api/v1/members?q=党员4")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["is_mobile"], false);

    // An export, imported again: its Chinese headings are known; the members exist already.
    let exported = app
        .get("/api/v1/members/export?format=xlsx")
        .await
        .bytes()
        .await
        .unwrap();
    let response = import(
        &app,
        "/api/v1/imports/members?mode=valid_rows&dry_run=true",
        XLSX,
        exported.to_vec(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["rows"], 3, "{report}");
    assert_eq!(
        report["rejected"], 3,
        "each member exists already: {report}"
    );

    // Not a workbook at all.
    let response = import(&app, "/api/v1/imports/members", XLSX, b"name\nx\n".to_vec()).await;
    assert_eq!(problem(response, 400).await["errors"][0]["code"], "xlsx");
    // A real workbook whose string table announces 10^12 strings in a few bytes.
    let genuine = workbook(&[header.clone(), row(5, id_number("19900101", true, 5))]);
    let mut genuine = zip::ZipArchive::new(std::io::Cursor::new(genuine)).unwrap();
    let mut hostile = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for n in 0..genuine.len() {
        let mut part = genuine.by_index(n).unwrap();
        let name = part.name().unwrap().to_string();
        let mut content = String::new();
        std::io::Read::read_to_string(&mut part, &mut content).unwrap();
        if name.ends_with("sharedStrings.xml") {
            let at = content.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
            let end = at + content[at..].find('"').unwrap();
            content.replace_range(at..end, "1000000000000");
        }
        hostile
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut hostile, content.as_bytes()).unwrap();
    }
    let hostile = hostile.finish().unwrap().into_inner();
    let response = import(&app, "/api/v1/imports/members", XLSX, hostile).await;
    assert_eq!(problem(response, 400).await["errors"][0]["code"], "xlsx");
    assert_eq!(count_members(&app).await, 3);
}

/// An import sent again with its `Idempotency-Key` (its answer lost) gets its report again and
/// writes nothing more; another file with the key is a 422; a dry run keeps no key, so the real
/// run may use it.
async fn an_import_retried_with_its_key_is_written_once(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let send = |key: &'static str, path: &'static str, body: String| {
        app.request(Method::POST, path)
            .header("content-type", "text/csv")
            .header("idempotency-key", key)
            .body(body)
            .send()
    };
    let file = member_csv(&branch, &[(1, &id_number("19900101", true, 1))]);
    let checked = send(
        "import-1",
        "/api/v1/imports/members?dry_run=true",
        file.clone(),
    )
    .await
    .unwrap();
    assert_eq!(checked.status(), 200);
    assert_eq!(count_members(&app).await, 0);
    let first = send("import-1", "/api/v1/imports/members", file.clone())
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["written"], 1, "{first}");
    let again = send("import-1", "/api/v1/imports/members", file.clone())
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(count_members(&app).await, 1);
    let other = member_csv(&branch, &[(2, &id_number("19900101", true, 2))]);
    let refused = send("import-1", "/api/v1/imports/members", other)
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    assert_eq!(count_members(&app).await, 1);
}

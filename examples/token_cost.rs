//! Prints what issuing and verifying an access token costs, and a password check for scale.
//! Run: `cargo run --release --example token_cost`. Figures depend on the machine; compare them
//! with each other (ratios), not across machines.
use std::time::Instant;

use liangxin::auth::{JwtKeys, Role, RoleGrant, password};

fn per_op(label: &str, n: u32, mut f: impl FnMut()) {
    for _ in 0..n / 10 {
        f(); // warm up
    }
    let started = Instant::now();
    for _ in 0..n {
        f();
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("{label:<40} {micros:>10.1} µs/op   ({n} ops)");
}

fn main() {
    let keys = JwtKeys::new(
        b"a-benchmark-secret-of-reasonable-length-0123456789",
        "liangxin",
        "liangxin-api",
        900,
    );
    let grants = vec![RoleGrant {
        role: Role::OrgDepartment,
        region_code: Some("110105".into()),
        party_organization_id: None,
        member_id: None,
        instructor_id: None,
    }];
    let subject = "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11";
    per_op("issue an access token (HS256)", 50_000, || {
        keys.issue(subject, &grants).unwrap();
    });
    let token = keys.issue(subject, &grants).unwrap();
    per_op("verify an access token (HS256)", 50_000, || {
        keys.verify(&token).unwrap();
    });
    let stored = password::hash("correct horse battery staple").unwrap();
    per_op("check a password (argon2id, 19 MiB, t=2)", 20, || {
        assert!(password::verify("correct horse battery staple", &stored));
    });
}

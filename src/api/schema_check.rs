//! A body checked against its schema in the contract when it does not deserialize, so that a form
//! learns every field at fault in one answer (missing, wrong type, unknown enum value, bad
//! format, out of range, too long or short) instead of serde's first complaint.
//!
//! The schema is the request type's own (`utoipa::PartialSchema`), its `$ref`s resolved against
//! the served contract's components: the rules a client reads are the rules it is held to.
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::error::FieldError;

/// The contract's component schemas, built once.
fn components() -> &'static Map<String, Value> {
    static COMPONENTS: OnceLock<Map<String, Value>> = OnceLock::new();
    COMPONENTS.get_or_init(|| {
        let document = serde_json::to_value(super::openapi::document()).unwrap_or_default();
        document["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default()
    })
}

/// Every violation of `schema` in `value`, fields named by path (`commitments[2]`, `a.b`).
/// Fields the schema does not have are not reported here (serde's 400 names them).
pub fn violations(schema: &Value, value: &Value) -> Vec<FieldError> {
    let mut out = Vec::new();
    check(schema, value, "", &mut out, 0);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn resolve(schema: &Value) -> &Value {
    let mut schema = schema;
    for _ in 0..8 {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap_or_default();
                match components().get(name) {
                    Some(found) => schema = found,
                    None => return schema,
                }
            }
            None => return schema,
        }
    }
    schema
}

fn field(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn allows(types: &Value, actual: &str) -> bool {
    let fits = |t: &str| t == actual || (t == "number" && actual == "integer");
    match types {
        Value::String(t) => fits(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(fits),
        _ => true,
    }
}

fn check(schema: &Value, value: &Value, path: &str, out: &mut Vec<FieldError>, depth: u8) {
    if depth > 32 {
        return;
    }
    let schema = resolve(schema);
    for part in schema["allOf"].as_array().into_iter().flatten() {
        check(part, value, path, out, depth + 1);
    }
    if let Some(choices) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let fitting = choices.iter().any(|choice| {
            let mut found = Vec::new();
            check(choice, value, path, &mut found, depth + 1);
            found.is_empty()
        });
        if !fitting {
            // One shape besides null (an optional field): its own complaints are the clearest.
            let shapes: Vec<&Value> = choices
                .iter()
                .filter(|c| resolve(c)["type"] != "null")
                .collect();
            match shapes.as_slice() {
                [only] => check(only, value, path, out, depth + 1),
                _ => out.push(FieldError::new(
                    field(path),
                    "type",
                    "does not match any of the shapes this field takes",
                )),
            }
        }
        return;
    }
    let actual = type_name(value);
    if let Some(types) = schema.get("type")
        && !allows(types, actual)
    {
        let expected = match types {
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" or "),
            other => other.as_str().unwrap_or_default().to_owned(),
        };
        out.push(FieldError::new(
            field(path),
            "type",
            format!("must be {expected}, not {actual}"),
        ));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        let names: Vec<String> = allowed
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        out.push(FieldError::new(
            field(path),
            "enum",
            format!("must be one of: {}", names.join(", ")),
        ));
        return;
    }
    match value {
        Value::String(text) => check_string(schema, text, path, out),
        Value::Number(number) => check_number(schema, number, path, out),
        Value::Array(items) => {
            let count = items.len() as u64;
            let (min, max) = (schema["minItems"].as_u64(), schema["maxItems"].as_u64());
            if min.is_some_and(|m| count < m) || max.is_some_and(|m| count > m) {
                out.push(FieldError::new(
                    field(path),
                    "length",
                    bounds("items", min, max),
                ));
            }
            for (i, item) in items.iter().enumerate() {
                check(
                    &schema["items"],
                    item,
                    &format!("{path}[{i}]"),
                    out,
                    depth + 1,
                );
            }
        }
        Value::Object(fields) => {
            for name in schema["required"].as_array().into_iter().flatten() {
                let Some(name) = name.as_str() else { continue };
                if !fields.contains_key(name) {
                    out.push(FieldError::new(join(path, name), "required", "is required"));
                }
            }
            if let Some(properties) = schema["properties"].as_object() {
                for (name, item) in fields {
                    if let Some(property) = properties.get(name) {
                        check(property, item, &join(path, name), out, depth + 1);
                    }
                }
            }
        }
        _ => {}
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn bounds(unit: &str, min: Option<u64>, max: Option<u64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) if min == max => format!("must have exactly {min} {unit}"),
        (Some(min), Some(max)) => format!("must have {min} to {max} {unit}"),
        (Some(min), None) => format!("must have at least {min} {unit}"),
        (None, Some(max)) => format!("must have at most {max} {unit}"),
        (None, None) => String::new(),
    }
}

fn check_string(schema: &Value, text: &str, path: &str, out: &mut Vec<FieldError>) {
    let length = text.chars().count() as u64;
    let (min, max) = (schema["minLength"].as_u64(), schema["maxLength"].as_u64());
    if min.is_some_and(|m| length < m) || max.is_some_and(|m| length > m) {
        out.push(FieldError::new(
            field(path),
            "length",
            bounds("characters", min, max),
        ));
        return;
    }
    let format_ok = match schema["format"].as_str() {
        Some("date") => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
        Some("date-time") => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
        Some("uuid") => uuid::Uuid::parse_str(text).is_ok(),
        _ => true,
    };
    if !format_ok {
        let format = schema["format"].as_str().unwrap_or_default();
        let example = match format {
            "date" => "2026-07-01",
            "date-time" => "2026-07-01T09:30:00Z",
            _ => "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
        };
        out.push(FieldError::new(
            field(path),
            "format",
            format!("must be a {format}, such as {example}"),
        ));
        return;
    }
    if let Some(pattern) = schema["pattern"].as_str()
        && regex::Regex::new(pattern).is_ok_and(|re| !re.is_match(text))
    {
        out.push(FieldError::new(
            field(path),
            "format",
            format!("must match {pattern}"),
        ));
    }
}

fn check_number(
    schema: &Value,
    number: &serde_json::Number,
    path: &str,
    out: &mut Vec<FieldError>,
) {
    let Some(value) = number.as_f64() else { return };
    let (mut min, mut max) = (schema["minimum"].as_f64(), schema["maximum"].as_f64());
    match schema["format"].as_str() {
        Some("int32") => {
            min = min.or(Some(f64::from(i32::MIN)));
            max = max.or(Some(f64::from(i32::MAX)));
        }
        Some("int64") => {
            min = min.or(Some(-9.0e18));
            max = max.or(Some(9.0e18));
        }
        _ => {}
    }
    if min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
        let text = |v: f64| format!("{v}");
        let message = match (min, max) {
            (Some(a), Some(b)) => format!("must be between {} and {}", text(a), text(b)),
            (Some(a), None) => format!("must be at least {}", text(a)),
            (None, Some(b)) => format!("must be at most {}", text(b)),
            (None, None) => String::new(),
        };
        out.push(FieldError::new(field(path), "range", message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_violation_is_named_with_its_path() {
        let schema = json!({
            "type": "object",
            "required": ["name", "kind", "starts_on"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 5},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "starts_on": {"type": "string", "format": "date"},
                "count": {"type": "integer", "format": "int32", "minimum": 0},
                "code": {"type": ["string", "null"], "pattern": "^[0-9]{6}$"},
                "tags": {"type": "array", "maxItems": 2, "items": {"type": "string", "maxLength": 2}},
                "owner": {"oneOf": [{"type": "null"}, {"type": "string", "format": "uuid"}]}
            }
        });
        let found = violations(
            &schema,
            &json!({"name": "太长的名字了", "kind": "c", "count": -1, "code": "12",
                    "tags": ["abc", "x", "y"], "owner": "nope"}),
        );
        let pairs: Vec<(&str, &str)> = found
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("code", "format"),
                ("count", "range"),
                ("kind", "enum"),
                ("name", "length"),
                ("owner", "format"),
                ("starts_on", "required"),
                ("tags", "length"),
                ("tags[0]", "length"),
            ]
        );
        assert!(
            violations(
                &schema,
                &json!({"name": "x", "kind": "a", "starts_on": "2026-01-01",
            "code": null, "owner": null, "count": 3.0})
            )
            .is_empty()
        );
        let wrong = violations(
            &schema,
            &json!({"name": 5, "kind": "a", "starts_on": "2026-02-30"}),
        );
        let pairs: Vec<(&str, &str)> = wrong
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(pairs, [("name", "type"), ("starts_on", "format")]);
    }
}

//! The API contract, checked on every answer the tests receive: each JSON
//! answer of `/api/v1/…` that goes through a [`crate::Session`] must be
//! documented in the OpenAPI document (its route, method and status) and
//! validate against the documented schema. A test that receives anything
//! else fails, naming the route and the first errors.
//!
//! The document closes its objects (`additionalProperties: false`), so an
//! answer carrying a field it does not describe fails too.

use serde_json::{json, Value};
use std::sync::OnceLock;

/// One documented operation.
struct Operation {
    method: String,
    segments: Vec<Segment>,
    template: String,
    /// Status (`200`, `4XX`, `default`) → the JSON schema of its body, or
    /// `None` for an answer documented without a JSON body.
    responses: Vec<(String, Option<jsonschema::Validator>)>,
}

enum Segment {
    Literal(String),
    Parameter,
}

struct Contract {
    operations: Vec<Operation>,
    error: jsonschema::Validator,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let doc = serde_json::to_value(rampart_web::openapi()).expect("the document serialises");
        let components = doc["components"].clone();
        let validator = |schema: &Value| {
            let mut root = schema.clone();
            if let Value::Object(map) = &mut root {
                map.insert("components".into(), components.clone());
            } else {
                root = json!({"allOf": [schema], "components": components});
            }
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&root)
                .unwrap_or_else(|e| panic!("invalid schema in the OpenAPI document: {e}"))
        };
        let shared = |r: &Value| -> Value {
            // `{"$ref": "#/components/responses/Error"}`
            match r["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
                Some(name) => doc["components"]["responses"][name].clone(),
                None => r.clone(),
            }
        };
        let mut operations = Vec::new();
        for (template, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                let Some(responses) = op["responses"].as_object() else {
                    continue;
                };
                let responses = responses
                    .iter()
                    .map(|(status, r)| {
                        let r = shared(r);
                        let schema = &r["content"]["application/json"]["schema"];
                        let v = (!schema.is_null()).then(|| validator(schema));
                        (status.clone(), v)
                    })
                    .collect();
                operations.push(Operation {
                    method: method.to_uppercase(),
                    segments: template
                        .split('/')
                        .map(|s| {
                            if s.starts_with('{') {
                                Segment::Parameter
                            } else {
                                Segment::Literal(s.to_owned())
                            }
                        })
                        .collect(),
                    template: template.clone(),
                    responses,
                });
            }
        }
        let error = validator(&json!({"$ref": "#/components/schemas/ErrorBody"}));
        Contract { operations, error }
    })
}

fn matches(op: &Operation, method: &str, path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    op.method == method
        && parts.len() == op.segments.len()
        && op.segments.iter().zip(&parts).all(|(s, p)| match s {
            Segment::Literal(l) => l == p,
            Segment::Parameter => !p.is_empty(),
        })
}

/// Checks one answer against the document; panics with what is wrong.
pub(crate) fn check(method: &str, path: &str, status: u16, json: bool, body: &[u8]) {
    let path = path.split('?').next().unwrap_or(path);
    if !path.starts_with("/api/") {
        return;
    }
    let contract = contract();
    let what = format!("{method} {path} answered {status}");
    let parsed = || -> Value {
        serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("API contract: {what} with malformed JSON: {e}"))
    };
    let Some(op) = contract
        .operations
        .iter()
        .find(|op| matches(op, method, path))
    else {
        // Unknown routes and methods answer the documented error.
        assert!(
            status == 404 || status == 405,
            "API contract: {what}, but no such operation is documented"
        );
        if json {
            validate(&contract.error, &parsed(), &what);
        }
        return;
    };
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    // The exact status, then its range (`4XX`), then `default`.
    let Some((_, validator)) = [exact.as_str(), range.as_str(), "default"]
        .into_iter()
        .find_map(|key| op.responses.iter().find(|(s, _)| s == key))
    else {
        panic!(
            "API contract: {what}, a status not documented for {} {}",
            op.method, op.template
        );
    };
    match validator {
        Some(v) => {
            assert!(
                json,
                "API contract: {what} without JSON, documented as JSON for {} {}",
                op.method, op.template
            );
            validate(v, &parsed(), &what);
        }
        None => assert!(
            !json || body.is_empty(),
            "API contract: {what} with JSON, documented without a JSON body for {} {}",
            op.method,
            op.template
        ),
    }
}

fn validate(validator: &jsonschema::Validator, body: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "API contract: {what} with a body the document does not allow:\n  {}\nbody: {}",
        errors.join("\n  "),
        truncate(body)
    );
}

fn truncate(body: &Value) -> String {
    let mut s = body.to_string();
    if s.len() > 2000 {
        let mut end = 2000;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::check;
    use serde_json::json;

    fn me() -> serde_json::Value {
        json!({
            "email": "ana@example.org",
            "name": "Ana",
            "nation": "FRA",
            "roles": ["security"],
            "memberships": [{"community": "alpha/ops", "name": "Ops", "role": "reader"}],
        })
    }

    fn bytes(v: &serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(v).unwrap()
    }

    #[test]
    fn a_documented_answer_passes() {
        check("GET", "/api/v1/me", 200, true, &bytes(&me()));
        let error = json!({"error": {"code": "not_found", "message": "not found"}});
        check("GET", "/api/v1/documents/abc", 404, true, &bytes(&error));
        check("GET", "/api/v1/nothing/here", 404, true, &bytes(&error));
        check("DELETE", "/api/v1/account/tokens/t1", 204, false, b"");
    }

    #[test]
    #[should_panic(expected = "does not allow")]
    fn a_missing_field_fails() {
        let mut body = me();
        body.as_object_mut().unwrap().remove("nation");
        check("GET", "/api/v1/me", 200, true, &bytes(&body));
    }

    #[test]
    #[should_panic(expected = "does not allow")]
    fn an_undocumented_field_fails() {
        let mut body = me();
        body["password_hash"] = json!("$argon2id$…");
        check("GET", "/api/v1/me", 200, true, &bytes(&body));
    }

    #[test]
    #[should_panic(expected = "does not allow")]
    fn a_value_outside_an_enum_fails() {
        let mut body = me();
        body["memberships"][0]["role"] = json!("owner");
        check("GET", "/api/v1/me", 200, true, &bytes(&body));
    }

    #[test]
    #[should_panic(expected = "does not allow")]
    fn an_error_in_another_shape_fails() {
        let body = json!({"message": "nope"});
        check("GET", "/api/v1/me", 401, true, &bytes(&body));
    }

    #[test]
    #[should_panic(expected = "without JSON")]
    fn a_plain_text_error_fails() {
        check(
            "POST",
            "/api/v1/login",
            422,
            false,
            b"Failed to deserialize",
        );
    }

    #[test]
    #[should_panic(expected = "no such operation is documented")]
    fn an_undocumented_route_fails() {
        check("GET", "/api/v1/secret/export", 200, true, b"{}");
    }
}

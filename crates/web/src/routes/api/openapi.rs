//! The OpenAPI document: generated from the handlers' annotations and the
//! answers' types (utoipa), completed here with what every operation
//! shares: how to authenticate, and the error answer.

use crate::error::ErrorBody;
use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use std::sync::OnceLock;
use utoipa::{
    openapi::{
        path::Operation,
        schema::{AdditionalProperties, ArrayItems, Schema},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
        OpenApi as Document, Ref, RefOr, Response as ResponseDoc, ResponseBuilder,
        SecurityRequirement,
    },
    OpenApi, ToSchema,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rampart API",
        version = "1",
        description = "Document portal that contains bulk exfiltration and traces leaks. \
            Authenticate with the session cookie (unsafe methods need the X-CSRF-Token header) \
            or an Authorization: Bearer API token. Errors are {\"error\": {\"code\", \"message\"}}; \
            anything the caller may not see answers 404."
    ),
    servers((url = "/")),
    components(schemas(ErrorBody)),
)]
struct Base;

/// The complete document.
pub fn document() -> Document {
    let mut doc = Base::openapi();
    doc.merge(super::routes().merge(super::upload_routes()).into_openapi());
    complete(&mut doc);
    doc
}

/// Authentication and the error answer, the same for every operation.
fn complete(doc: &mut Document) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
            crate::auth::SESSION_COOKIE,
        ))),
    );
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    components.responses.insert(
        "Error".into(),
        RefOr::T(
            ResponseBuilder::new()
                .description("A refusal or failure: `{\"error\": {\"code\", \"message\"}}`")
                .content(
                    "application/json",
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                        .build(),
                )
                .build(),
        ),
    );
    doc.security = Some(vec![
        SecurityRequirement::new("session", Vec::<String>::new()),
        SecurityRequirement::new("bearer", Vec::<String>::new()),
    ]);
    close_objects(doc);
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            let error: RefOr<ResponseDoc> = RefOr::Ref(Ref::from_response_name("Error"));
            op.responses.responses.insert("default".into(), error);
        }
    }
}

/// Every object that lists its properties allows no others: the server
/// refuses unknown fields in every body it reads (`deny_unknown_fields`,
/// multipart included) and sends none it does not describe. utoipa says so
/// for structs but not for the variants of an untagged enum, so it is said
/// here, for every schema at once.
fn close_objects(doc: &mut Document) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for schema in components.schemas.values_mut() {
        close(schema);
    }
}

fn close(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(object) => {
            if !object.properties.is_empty() && object.additional_properties.is_none() {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
            for property in object.properties.values_mut() {
                close(property);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(close),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(close),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(close),
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                close(items);
            }
        }
        _ => {}
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// The document as served, rendered once.
fn rendered() -> &'static Result<String, String> {
    static RENDERED: OnceLock<Result<String, String>> = OnceLock::new();
    RENDERED.get_or_init(|| document().to_pretty_json().map_err(|e| e.to_string()))
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)),
)]
pub async fn openapi() -> Response {
    match rendered() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json.as_str()).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering the OpenAPI document");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

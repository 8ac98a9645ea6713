//! A signed-in (or anonymous) client of the server under test. Every JSON
//! answer of the API it receives is checked against the OpenAPI document
//! (see [`crate::contract`]).

use crate::TestApp;
use reqwest::multipart;
use serde_json::Value;

/// A client with a session cookie (or none) and its CSRF token.
#[derive(Clone)]
pub struct Session {
    /// HTTP client with a cookie jar.
    pub client: reqwest::Client,
    /// The session's CSRF token.
    pub csrf: String,
    pub(crate) base: String,
}

impl Session {
    /// The same session (client, cookies, credentials, CSRF token) sent to
    /// another node of the install.
    pub fn on(&self, node: &crate::TestApp) -> Self {
        Session {
            client: self.client.clone(),
            csrf: self.csrf.clone(),
            base: node.url(""),
        }
    }

    /// The same client with another CSRF token.
    pub fn with_csrf(self, csrf: &str) -> Self {
        Session {
            csrf: csrf.to_owned(),
            ..self
        }
    }

    /// GET with the session.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        checked("GET", path, response).await
    }

    /// POST JSON with the CSRF header.
    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap();
        checked("POST", path, response).await
    }

    /// PUT JSON with the CSRF header.
    pub async fn put_json(&self, path: &str, body: &Value) -> reqwest::Response {
        let response = self
            .client
            .put(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap();
        checked("PUT", path, response).await
    }

    /// DELETE with the CSRF header.
    pub async fn delete(&self, path: &str) -> reqwest::Response {
        let response = self
            .client
            .delete(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .send()
            .await
            .unwrap();
        checked("DELETE", path, response).await
    }

    /// POST an HTML form with the CSRF token in the query, as pages do.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let sep = if path.contains('?') { '&' } else { '?' };
        self.client
            .post(format!("{}{path}{sep}csrf={}", self.base, self.csrf))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// POST a multipart form with the CSRF header.
    pub async fn post_multipart(&self, path: &str, form: multipart::Form) -> reqwest::Response {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .multipart(form)
            .send()
            .await
            .unwrap();
        checked("POST", path, response).await
    }
}

/// `response`, after checking it against the API contract when it is a
/// JSON answer of the API (see [`contract`]); other answers pass untouched
/// (downloads stay streams).
async fn checked(method: &str, path: &str, response: reqwest::Response) -> reqwest::Response {
    let json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !path.starts_with("/api/") || !(json || response.status().as_u16() >= 400) {
        return response;
    }
    let status = response.status();
    let version = response.version();
    let url = response.url().clone();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap();
    crate::contract::check(method, path, status.as_u16(), json, &body);
    let mut rebuilt = http::Response::builder().status(status).version(version);
    if let Some(h) = rebuilt.headers_mut() {
        *h = headers;
    }
    use reqwest::ResponseBuilderExt;
    reqwest::Response::from(rebuilt.url(url).body(body).unwrap())
}

/// An upload form with a file and title, plus extra text fields.
pub fn upload_form(
    title: &str,
    filename: &str,
    content: Vec<u8>,
    extra: &[(&str, &str)],
) -> multipart::Form {
    let mut form = multipart::Form::new().text("title", title.to_owned()).part(
        "file",
        multipart::Part::bytes(content).file_name(filename.to_owned()),
    );
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    form
}

/// A client that sends a bearer token.
pub fn bearer(app: &TestApp, token: &str) -> Session {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    Session {
        client: reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        csrf: String::new(),
        base: app.url(""),
    }
}

/// The CSRF token of the first form on `page`.
pub async fn csrf_of(client: &reqwest::Client, app: &TestApp, page: &str) -> String {
    let html = client
        .get(app.url(page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // A form's hidden field, or (multipart forms) its action's query.
    let start = match html.find(r#"name="csrf" value=""#) {
        Some(at) => at + r#"name="csrf" value=""#.len(),
        None => html.find("csrf=").expect("a form with a CSRF token") + 5,
    };
    html[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

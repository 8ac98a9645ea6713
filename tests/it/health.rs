use rampart_testkit::TestApp;

#[tokio::test]
async fn health_ready_and_metrics() {
    let app = TestApp::spawn().await;
    let anon = app.anonymous();
    assert_eq!(anon.get("/healthz").await.status(), 200);
    assert_eq!(anon.get("/readyz").await.status(), 200);
    assert_eq!(anon.get("/api/v1/me").await.status(), 401);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(
            r#"rampart_http_requests_total{route="/api/v1/me",method="GET",status="401"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("rampart_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    for line in metrics
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        assert!(line.starts_with("rampart_"), "unprefixed series: {line}");
    }
}

#[tokio::test]
async fn every_response_has_security_headers_and_a_request_id() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/api/v1/nope", "/api/v1/me"] {
        let r = app.anonymous().get(path).await;
        let h = r.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
        assert_eq!(h.get("x-request-id").unwrap().len(), 16);
    }
    let r = app.anonymous().get("/api/v1/nope").await;
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn openapi_describes_every_api_route() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app
        .anonymous()
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/login", "post"),
        ("/api/v1/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/account/password", "post"),
        ("/api/v1/login/totp", "post"),
        ("/api/v1/login/recovery", "post"),
        ("/api/v1/account/totp", "post"),
        ("/api/v1/account/totp/confirm", "post"),
        ("/api/v1/account/sessions", "get"),
        ("/api/v1/account/sessions/{id}", "delete"),
        ("/api/v1/account/tokens", "get"),
        ("/api/v1/account/tokens", "post"),
        ("/api/v1/account/tokens/{id}", "delete"),
        ("/api/v1/account/confirm", "post"),
        ("/api/v1/account/webauthn", "get"),
        ("/api/v1/account/webauthn/{id}", "delete"),
        ("/api/v1/account/webauthn/register/start", "post"),
        ("/api/v1/account/webauthn/register/finish", "post"),
        ("/api/v1/login/webauthn/start", "post"),
        ("/api/v1/login/webauthn/finish", "post"),
        ("/api/v1/portals", "get"),
        ("/api/v1/portals/{portal}/communities", "get"),
        (
            "/api/v1/portals/{portal}/communities/{community}/documents",
            "get",
        ),
        (
            "/api/v1/portals/{portal}/communities/{community}/documents",
            "post",
        ),
        ("/api/v1/documents/{id}", "get"),
        ("/api/v1/documents/{id}/content", "get"),
        ("/api/v1/documents/{id}/versions", "post"),
        ("/api/v1/admin/budgets", "get"),
        (
            "/api/v1/admin/budgets/communities/{portal}/{community}/{role}",
            "put",
        ),
        (
            "/api/v1/admin/budgets/communities/{portal}/{community}/{role}",
            "delete",
        ),
        ("/api/v1/admin/budgets/accounts/{email}", "put"),
        ("/api/v1/admin/budgets/accounts/{email}", "delete"),
        ("/api/v1/security/alerts", "get"),
        ("/api/v1/security/accounts/{email}/unlock", "post"),
        ("/api/v1/security/canaries", "get"),
        ("/api/v1/security/canaries", "post"),
        ("/api/v1/security/canaries/{id}", "put"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
}

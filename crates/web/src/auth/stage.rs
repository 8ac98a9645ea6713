//! What a session part-way through sign-in may do. A session in a pending
//! stage reaches only the routes listed here for its stage (and sign-out);
//! everything else is refused by the authentication extractor. Deny by
//! default: a new route is closed to pending sessions until listed.

use axum::http::Method;
use rampart_store::SessionStage;

/// Routes (method, path) each pending stage may use, besides sign-out.
fn allowed(stage: SessionStage) -> &'static [(&'static str, &'static str)] {
    match stage {
        SessionStage::PasswordChange => &[
            ("POST", "/api/v1/account/password"),
            ("GET", "/account/password"),
            ("POST", "/account/password"),
        ],
        SessionStage::EnrollSecondFactor => &[
            ("POST", "/api/v1/account/totp"),
            ("POST", "/api/v1/account/totp/confirm"),
            ("GET", "/account/second-factor"),
            ("POST", "/account/second-factor"),
            ("POST", "/account/second-factor/new"),
        ],
        SessionStage::SecondFactor => &[
            ("POST", "/api/v1/login/totp"),
            ("POST", "/api/v1/login/recovery"),
            ("POST", "/api/v1/login/webauthn/start"),
            ("POST", "/api/v1/login/webauthn/finish"),
            ("GET", "/login/second-factor"),
            ("POST", "/login/second-factor"),
        ],
        SessionStage::Full => &[],
    }
}

/// Whether a session in `stage` may make this request.
pub(crate) fn permits(stage: SessionStage, method: &Method, path: &str) -> bool {
    if stage == SessionStage::Full {
        return true;
    }
    if method == Method::POST && (path == "/api/v1/logout" || path == "/logout") {
        return true;
    }
    allowed(stage)
        .iter()
        .any(|(m, p)| method.as_str() == *m && path == *p)
}

/// Where the web UI sends a session of this stage.
pub(crate) fn page_of(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::PasswordChange => "/account/password",
        SessionStage::EnrollSecondFactor => "/account/second-factor",
        SessionStage::SecondFactor => "/login/second-factor",
        SessionStage::Full => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_stages_reach_only_their_routes() {
        let post = Method::POST;
        let get = Method::GET;
        assert!(permits(
            SessionStage::SecondFactor,
            &post,
            "/api/v1/login/totp"
        ));
        assert!(!permits(SessionStage::SecondFactor, &get, "/api/v1/me"));
        assert!(!permits(
            SessionStage::SecondFactor,
            &post,
            "/api/v1/account/totp"
        ));
        assert!(!permits(SessionStage::EnrollSecondFactor, &get, "/d/abc"));
        assert!(!permits(
            SessionStage::PasswordChange,
            &post,
            "/api/v1/login/totp"
        ));
        assert!(permits(
            SessionStage::SecondFactor,
            &post,
            "/api/v1/login/webauthn/finish"
        ));
        assert!(
            !permits(
                SessionStage::SecondFactor,
                &post,
                "/api/v1/account/webauthn/register/start"
            ),
            "a half-signed-in session adds no passkey"
        );
        assert!(permits(SessionStage::PasswordChange, &post, "/logout"));
        assert!(permits(SessionStage::Full, &get, "/anything"));
    }
}

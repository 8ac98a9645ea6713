//! The stages of sign-in as the API names them, and what each offers.
//! Which routes a session in each stage may reach is the web layer's
//! (`rampart_web`'s `auth::stage`).

use rampart_store::SessionStage;

/// The sign-in API's name for a stage.
pub fn status_of(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::Full => "ok",
        SessionStage::PasswordChange => "password_change_required",
        SessionStage::EnrollSecondFactor => "enroll_second_factor",
        SessionStage::SecondFactor => "second_factor_required",
    }
}

/// The second-factor methods a stage offers.
pub fn methods_of(stage: SessionStage) -> Vec<&'static str> {
    match stage {
        SessionStage::SecondFactor => vec!["totp", "recovery"],
        SessionStage::EnrollSecondFactor => vec!["totp"],
        _ => vec![],
    }
}

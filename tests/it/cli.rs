//! The `rampart` binary as a user runs it: exit codes, what goes to stdout,
//! first-run behaviour, file modes.

use std::{os::unix::fs::PermissionsExt, path::Path, process::Command};

fn rampart(data: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rampart"));
    cmd.args(args)
        .arg("--data")
        .arg(data)
        .env("RAMPART_LOG", "warn");
    cmd.output().unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn admin_commands_print_only_secrets_and_use_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = rampart(&data, &["admin", "portal", "add", "alpha", "Alpha portal"]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("one-time password"),
        "first run announces the admin"
    );

    let out = rampart(
        &data,
        &[
            "admin",
            "user",
            "add",
            "--email",
            "ann@example.org",
            "--name",
            "Ann",
            "--nation",
            "NOR",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let password = stdout(&out);
    assert_eq!(
        password.trim().len(),
        20,
        "only the one-time password: {password:?}"
    );
    assert_eq!(password.lines().count(), 1);

    let out = rampart(
        &data,
        &[
            "admin",
            "token",
            "add",
            "--email",
            "ann@example.org",
            "--expires",
            "30d",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let token = stdout(&out);
    assert!(
        token.trim().starts_with("rmp_") && token.trim().len() == 68,
        "{token:?}"
    );

    let out = rampart(
        &data,
        &["admin", "token", "list", "--email", "ann@example.org"],
    );
    let listed = stdout(&out);
    assert!(!listed.contains(token.trim()), "secrets are never listed");
    let id = listed.split('\t').next().unwrap().to_owned();
    assert!(
        id.starts_with("t-") && listed.contains("active"),
        "{listed}"
    );
    assert!(rampart(
        &data,
        &[
            "admin",
            "token",
            "revoke",
            "--email",
            "ann@example.org",
            &id
        ]
    )
    .status
    .success());
    assert!(stdout(&rampart(
        &data,
        &["admin", "token", "list", "--email", "ann@example.org"]
    ))
    .contains("revoked"));
    assert_eq!(
        rampart(
            &data,
            &[
                "admin",
                "token",
                "revoke",
                "--email",
                "ann@example.org",
                &id
            ]
        )
        .status
        .code(),
        Some(1)
    );

    let out = rampart(&data, &["admin", "portal", "add", "alpha", "Again"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("portal already exists"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one-line cause: {err}");

    let out = rampart(
        &data,
        &[
            "admin",
            "user",
            "add",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--nation",
            "XXX",
        ],
    );
    assert_eq!(out.status.code(), Some(1));

    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["admin", "frobnicate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");

    for key in std::fs::read_dir(data.join("keys")).unwrap() {
        let mode = key.unwrap().metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert_eq!(
        std::fs::metadata(data.join("keys"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
}

#[test]
fn import_loads_a_directory_and_reports_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(
        rampart(&data, &["admin", "portal", "add", "alpha", "Alpha"])
            .status
            .success()
    );
    assert!(
        rampart(&data, &["admin", "community", "add", "alpha", "ops", "Ops"])
            .status
            .success()
    );
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("one.txt"), "first").unwrap();
    std::fs::write(src.join("sub/two.md"), "# second").unwrap();
    std::fs::write(src.join(".hidden"), "skip me").unwrap();
    let out = rampart(
        &data,
        &[
            "import",
            src.to_str().unwrap(),
            "--community",
            "alpha/ops",
            "--releasable",
            "NOR,FRA",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out).lines().count(), 2);
    let out = rampart(
        &data,
        &[
            "import",
            src.to_str().unwrap(),
            "--community",
            "alpha/ops",
            "--releasable",
            "XYZ",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "bad marking fails every file");
    let out = rampart(
        &data,
        &["import", src.to_str().unwrap(), "--community", "alpha/nope"],
    );
    assert_eq!(out.status.code(), Some(1));
}

/// `rampart demo` hands over what a new user needs: every account with its
/// one-time password and its communities and roles (also in a file of the
/// data dir, private to the service account), and the command that serves
/// the install with the binary it ran as. Logs carry no colour codes when
/// they go to a file.
#[test]
fn demo_lists_accounts_with_their_communities_and_names_the_serve_command() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rampart"));
    let out = cmd
        .args(["demo", "--data"])
        .arg(&data)
        .env("RAMPART_LOG", "info")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let saved = std::fs::read_to_string(data.join("demo-accounts.txt")).unwrap();
    assert!(text.contains(&saved), "the file holds the printed table");
    let mode = std::fs::metadata(data.join("demo-accounts.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let rows: Vec<&str> = saved.lines().skip(1).collect();
    assert!(rows.len() > 100, "{} accounts", rows.len());
    let communities = rows
        .iter()
        .filter(|r| {
            r.contains('/')
                && (r.contains(" reader") || r.contains(" contributor") || r.contains(" manager"))
        })
        .count();
    assert!(
        communities >= rows.len() - 2,
        "member rows name their communities"
    );
    assert!(
        text.contains(&format!("({} directory profiles)", rows.len())),
        "every demo account gets a profile: {text}"
    );
    assert!(rows.iter().any(|r| r.contains("install admin")));
    assert!(rows.iter().any(|r| r.contains("install security")));
    let serve = format!(
        "Serve it with:  {} serve --data {}",
        env!("CARGO_BIN_EXE_rampart"),
        data.display()
    );
    assert!(text.contains(&serve), "{text}");
    assert!(
        !out.stderr.contains(&0x1b),
        "no colour codes in a redirected log"
    );
}

/// The console's way back in: an account locked by the guard (or by an
/// administrator) is unlocked with `rampart admin user unlock`, and the
/// other account actions are there too, each audited with the console as
/// the actor.
#[test]
fn account_actions_run_from_the_console_and_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = rampart(
        &data,
        &[
            "admin",
            "user",
            "add",
            "--email",
            "ann@example.org",
            "--name",
            "Ann",
            "--nation",
            "NOR",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let act = |action: &str, email: &str| rampart(&data, &["admin", "user", action, email]);

    let out = act("suspend", "ann@example.org");
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("ann@example.org is suspended"),
        "{out:?}"
    );
    let again = act("suspend", "ann@example.org");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already suspended"));
    let out = act("unlock", "ann@example.org");
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("can sign in again"));
    for action in [
        "reset-second-factor",
        "force-password-change",
        "end-sessions",
    ] {
        let out = act(action, "ann@example.org");
        assert!(out.status.success(), "{action}: {out:?}");
    }
    let missing = act("unlock", "nobody@example.org");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no account with email"));

    let shown = rampart(&data, &["audit", "show", "--json"]);
    let events: Vec<serde_json::Value> = stdout(&shown)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for kind in [
        "admin.account_suspend",
        "admin.account_unlock",
        "admin.factors_reset",
        "admin.password_expire",
        "admin.sessions_end",
    ] {
        let e = events
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("{kind} audited: {events:?}"));
        assert_eq!(e["detail"]["email"], "ann@example.org", "{kind}");
    }
}

//! The real binary refuses a bad environment with one line that names the variable.

use std::process::Command;

fn run_with(var: &str, value: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .current_dir(dir.path())
        .env(var, value)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .output()
        .expect("the binary runs");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_bad_value_stops_start_up_naming_the_variable() {
    for (var, value) in [
        ("VITRINE_STORE_ADDR", "not-an-address"),
        ("VITRINE_DATABASE_URL", "mysql://localhost/vitrine"),
        ("VITRINE_CDN_BASE_URL", "cdn.example.com"),
        ("VITRINE_ADMIN_EMAIL", "not-an-email"),
    ] {
        let (code, stderr) = run_with(var, value);
        assert_eq!(code, Some(2), "{var}: {stderr}");
        let line = stderr.lines().find(|l| l.contains("configuration error")).expect("an error line");
        assert!(line.contains(var), "{line}");
        assert_eq!(stderr.lines().filter(|l| l.contains("configuration error")).count(), 1);
    }
}

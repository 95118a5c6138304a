//! The `vitrine` command line, run as the real binary against a real server: import a folder
//! (hostile entries reported by name), again (nothing sent twice), killed mid-way and again
//! (every file once), a read token refused, export and import into a fresh instance.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Output;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, test_app, TestApp, TestDatabase};

pub(crate) fn png(shade: u8, size: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(size, size, |x, y| image::Rgb([shade, (x % 251) as u8, (y % 241) as u8]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

fn vitrine(app: &TestApp, token: &str, args: &[&std::ffi::OsStr]) -> tokio::process::Command {
    with_env(tokio::process::Command::new(env!("CARGO_BIN_EXE_vitrine")), app, token, args)
}

/// `command` (the binary, or a wrapper that runs it) pointed at `app` with `token`.
fn with_env(
    mut command: tokio::process::Command,
    app: &TestApp,
    token: &str,
    args: &[&std::ffi::OsStr],
) -> tokio::process::Command {
    command.args(args).env("VITRINE_SERVER", app.url("/")).env("VITRINE_TOKEN", token).env("NO_COLOR", "1");
    command
}

pub(crate) async fn run(app: &TestApp, token: &str, args: &[&std::ffi::OsStr]) -> (Output, String) {
    let output = vitrine(app, token, args).output().await.unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output, text)
}

pub(crate) fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

pub(crate) async fn library_names(app: &TestApp) -> Vec<String> {
    let page: Value =
        app.api("/api/media/list", json!({"query": {"sort": "name", "limit": 200}})).await.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["media"]["original_filename"].as_str().unwrap().to_string())
        .collect()
}

fn folder(dir: &Path) {
    std::fs::write(dir.join("a.png"), png(10, 64)).unwrap();
    std::fs::write(dir.join("b.png"), png(20, 64)).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/c.png"), png(30, 64)).unwrap();
    std::fs::write(dir.join("sub/copy-of-a.png"), png(10, 64)).unwrap();
    std::fs::write(dir.join("notes.txt"), b"not media").unwrap();
    std::fs::write(dir.join("empty.png"), b"").unwrap();
    std::fs::write(dir.join(std::ffi::OsStr::from_bytes(b"bad-\xff-name.png")), png(40, 64)).unwrap();
    std::os::unix::fs::symlink(dir, dir.join("sub/loop")).unwrap();
}

#[tokio::test]
async fn import_sends_each_content_once_and_reports_the_rest_by_name() {
    let app = spawn_app().await.signed_in().await;
    let token = app.token_for(&app.client, "write", None).await;
    let dir = tempfile::tempdir().unwrap();
    folder(dir.path());
    let path = dir.path().as_os_str();

    let (dry, text) = run(&app, &token, &[os("import"), path, os("--dry-run")]).await;
    assert!(dry.status.success(), "{text}");
    assert!(text.contains("summary: 3 to send (dry run)"), "{text}");
    assert!(library_names(&app).await.is_empty(), "a dry run sends nothing");

    let (first, text) = run(&app, &token, &[os("import"), path, os("--collection"), os("Trip")]).await;
    assert!(first.status.success(), "{text}");
    for line in ["imported       ", "already there  "] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(text.contains("notes.txt: the type text/plain is not accepted"), "{text}");
    assert!(text.contains("empty.png: an empty file"), "{text}");
    assert!(text.contains("not valid UTF-8"), "{text}");
    assert!(text.contains("a symlink loop"), "{text}");
    assert!(text.contains("summary: 3 imported, 1 already there, 4 skipped, 0 failed"), "{text}");
    assert_eq!(library_names(&app).await, ["a.png", "b.png", "c.png"]);
    // The collection holds every file given, in path order (the copy is a.png's item).
    let collections: Value = app.api("/api/collections/list", json!({})).await.json().await.unwrap();
    assert_eq!(collections[0]["collection"]["title"], "Trip");
    assert_eq!(collections[0]["item_count"], 3);
    assert!(text.contains("collection     Trip (/c/trip): 3 item(s)"), "{text}");

    // Again: nothing is sent.
    let (again, text) = run(&app, &token, &[os("import"), path]).await;
    assert!(again.status.success(), "{text}");
    assert!(text.contains("summary: 0 imported, 4 already there"), "{text}");
    assert_eq!(library_names(&app).await.len(), 3);
}

#[tokio::test]
async fn a_killed_import_run_again_sends_every_file_exactly_once() {
    let app = spawn_app().await.signed_in().await;
    let token = app.token_for(&app.client, "write", None).await;
    let dir = tempfile::tempdir().unwrap();
    for i in 0..24u8 {
        std::fs::write(dir.path().join(format!("photo-{i:02}.png")), png(i, 256)).unwrap();
    }
    let path = dir.path().as_os_str();
    for signal in ["KILL", "INT"] {
        let mut child = vitrine(&app, &token, &[os("import"), path, os("--jobs"), os("1")])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Killed as soon as the first file is reported imported: the rest is cut off mid-way.
        let stdout = child.stdout.take().unwrap();
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("imported") {
                break;
            }
        }
        let pid = child.id().unwrap().to_string();
        std::process::Command::new("kill").args([format!("-{signal}"), pid]).status().unwrap();
        let _ = child.wait().await;
        let so_far = library_names(&app).await.len();
        assert!(so_far < 24, "{signal} came before the end ({so_far} of 24 sent)");
    }
    let (rest, text) = run(&app, &token, &[os("import"), path]).await;
    assert!(rest.status.success(), "{text}");
    let names = library_names(&app).await;
    assert_eq!(names.len(), 24, "every file once: {names:?}");
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(unique.len(), 24, "no duplicates");
}

#[tokio::test]
async fn a_read_token_is_refused_with_a_clear_message() {
    let app = spawn_app().await.signed_in().await;
    let token = app.token_for(&app.client, "read", None).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.png"), png(1, 16)).unwrap();
    let (refused, text) = run(&app, &token, &[os("import"), dir.path().as_os_str()]).await;
    assert!(!refused.status.success());
    assert!(text.contains("write token"), "{text}");
    let (missing, text) = run(&app, "", &[os("import"), dir.path().as_os_str()]).await;
    assert!(!missing.status.success());
    assert!(text.contains("A token is needed"), "{text}");
}

#[tokio::test]
async fn an_exported_collection_imported_into_a_fresh_instance_is_the_same_collection() {
    let app = spawn_app().await.signed_in().await;
    let token = app.token_for(&app.client, "write", None).await;
    let source = tempfile::tempdir().unwrap();
    for (name, shade) in [("one.png", 1u8), ("two.png", 2), ("three.png", 3)] {
        std::fs::write(source.path().join(name), png(shade, 32)).unwrap();
    }
    let (done, text) =
        run(&app, &token, &[os("import"), source.path().as_os_str(), os("--collection"), os("Holiday")]).await;
    assert!(done.status.success(), "{text}");
    let list: Value = app.api("/api/collections/list", json!({})).await.json().await.unwrap();
    let id = list[0]["collection"]["id"].clone();
    let slug = list[0]["collection"]["slug"].as_str().unwrap().to_string();
    // A new order, a title and an alt text to carry over.
    let whole: Value = app.api("/api/collections/get", json!({"id": id})).await.json().await.unwrap();
    let mut ids: Vec<Value> = whole["items"].as_array().unwrap().iter().map(|i| i["media"]["id"].clone()).collect();
    ids.reverse();
    assert_eq!(app.api("/api/collections/reorder", json!({"id": id, "media_ids": ids})).await.status(), 200);
    let update = json!({"id": ids[0], "title": "The first", "alt_text": "A grey square"});
    assert_eq!(app.api("/api/media/update", update).await.status(), 200);
    assert_eq!(
        app.api("/api/collections/update", json!({"id": id, "title": "Holiday", "description": "Sun"})).await.status(),
        200
    );

    let export = tempfile::tempdir().unwrap();
    let (exported, text) = run(&app, &token, &[os("export"), os(&slug), export.path().as_os_str()]).await;
    assert!(exported.status.success(), "{text}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(export.path().join("collection.json")).unwrap()).unwrap();
    assert_eq!(manifest["title"], "Holiday");

    let fresh = spawn_app().await.signed_in().await;
    let fresh_token = fresh.token_for(&fresh.client, "write", None).await;
    let (imported, text) = run(&fresh, &fresh_token, &[os("import"), export.path().as_os_str()]).await;
    assert!(imported.status.success(), "{text}");
    assert_eq!(shape(&fresh).await, shape(&app).await);
}

/// A collection as people see it: title, description, and each item's name, title and alt text
/// in order.
async fn shape(app: &TestApp) -> (Value, Value, Vec<(String, String, String)>) {
    let list: Value = app.api("/api/collections/list", json!({})).await.json().await.unwrap();
    let whole: Value =
        app.api("/api/collections/get", json!({"id": list[0]["collection"]["id"]})).await.json().await.unwrap();
    let items = whole["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let m = &i["media"];
            let text = |k: &str| m[k].as_str().unwrap().to_string();
            (text("original_filename"), text("title"), text("alt_text"))
        })
        .collect();
    (whole["collection"]["title"].clone(), whole["collection"]["description"].clone(), items)
}

#[tokio::test]
async fn operators_add_list_and_reset_people_on_the_database() {
    let db = TestDatabase::sqlite();
    let user = |args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"));
        command.arg("user").args(args).env("VITRINE_DATABASE_URL", &db.config.url).env("RUST_LOG", "off");
        let output = command.output().unwrap();
        (
            output.status.success(),
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
        )
    };
    // A team starts with an owner.
    let (ok, text) = user(&["add", "vera@example.test", "--role", "viewer"]);
    assert!(!ok && text.contains("must be an owner"), "{text}");
    // With a server's owner in the database, a viewer can be added.
    let app = test_app().database(db.shared()).spawn().await;
    let (ok, text) = user(&["add", "vera@example.test", "--role", "viewer"]);
    assert!(ok, "{text}");
    let password = text.trim().rsplit(' ').next().unwrap().to_string();
    assert_eq!(password.len(), 20, "{text}");
    let (ok, text) = user(&["add", "vera@example.test"]);
    assert!(!ok && text.contains("already has an account"), "{text}");
    let (ok, text) = user(&["add", "x@example.test", "--role", "admin"]);
    assert!(!ok && text.contains("Unknown role"), "{text}");
    let (ok, listed) = user(&["list"]);
    assert!(ok && listed.contains("vera@example.test") && listed.contains("viewer"), "{listed}");
    // The printed password signs in on the server using the same database.
    let login = json!({"email": "vera@example.test", "password": password});
    assert_eq!(app.api("/api/auth/login", login.clone()).await.status(), 200);
    let (ok, text) = user(&["reset-password", "vera@example.test"]);
    assert!(ok, "{text}");
    assert_eq!(app.api("/api/auth/me", json!({})).await.status(), 401, "signed out everywhere");
    assert_eq!(app.api("/api/auth/login", login).await.status(), 401, "the old password is gone");
}

#[tokio::test]
async fn a_big_file_goes_up_in_parts_and_an_interrupted_one_goes_on_from_the_store() {
    const MIB: usize = 1024 * 1024;
    let app = test_app().uploads(|u| u.multipart_threshold = 5 * MIB as u64).spawn().await.signed_in().await;
    let token = app.token_for(&app.client, "write", None).await;
    let dir = tempfile::tempdir().unwrap();
    // 12 MiB of a real PNG followed by padding: three 5 MiB parts (the last one short).
    let mut big = png(7, 64);
    big.resize(12 * MIB, 0x5a);
    std::fs::write(dir.path().join("big.png"), &big).unwrap();
    // An earlier run (or a browser) that sent the first part and was cut off: started with the
    // fingerprint both compute (the SHA-256 of the first and last MiB) and no content hash.
    let fingerprint = hex_sha256(&[&big[..MIB], &big[big.len() - MIB..]].concat());
    let spec = json!({"name": "big.png", "size": big.len(), "content_type": "image/png", "fingerprint": fingerprint});
    let started: Value =
        app.api_with_token(&token, "/api/uploads/start", json!({"files": [spec]})).await.json().await.unwrap();
    let file_id = started["files"][0]["file"]["id"].clone();
    assert!(started["files"][0]["upload"].is_null(), "a multipart upload: {started}");
    let part: Value = app
        .api_with_token(&token, "/api/uploads/part", json!({"file_id": file_id, "part_number": 1}))
        .await
        .json()
        .await
        .unwrap();
    let mut put = reqwest::Client::new().put(part["url"].as_str().unwrap()).body(big[..5 * MIB].to_vec());
    for header in part["headers"].as_array().unwrap() {
        put = put.header(header[0].as_str().unwrap(), header[1].as_str().unwrap());
    }
    let etag = put.send().await.unwrap().headers()["etag"].to_str().unwrap().to_string();
    let recorded = app
        .api_with_token(&token, "/api/uploads/part_done", json!({"file_id": file_id, "part_number": 1, "etag": etag}))
        .await;
    assert_eq!(recorded.status(), 200);

    let (done, text) = run(&app, &token, &[os("import"), dir.path().as_os_str()]).await;
    assert!(done.status.success(), "{text}");
    assert!(text.contains("summary: 1 imported"), "{text}");
    // The same upload was finished (not a new one), and the stored object is the whole file.
    let job: Value = app.api("/api/uploads/get", json!({"job_id": started["job"]["id"]})).await.json().await.unwrap();
    assert_eq!(job["job"]["status"], "completed", "{job}");
    let media_id = job["files"][0]["media_id"].clone();
    let download: Value = app.api("/api/media/download", json!({"id": media_id})).await.json().await.unwrap();
    let stored = reqwest::get(download["url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap();
    assert_eq!(stored.len(), big.len());
    assert!(stored[..] == big[..], "the parts were put together in order");
    assert_eq!(library_names(&app).await, ["big.png"]);
    // Hashed on the way (the part already in the store read, not sent), reported at completion:
    // the library knows the content, and a run again sends nothing.
    let known: Value = app.api("/api/uploads/known", json!({"sha256": [hex_sha256(&big)]})).await.json().await.unwrap();
    assert_eq!(known[0]["media_id"], media_id);
    let (again, text) = run(&app, &token, &[os("import"), dir.path().as_os_str()]).await;
    assert!(again.status.success() && text.contains("summary: 0 imported, 1 already there"), "{text}");
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// An unreadable file is reported by name with the reason, the others go on, and the run
/// ends non-zero. (As root, the binary runs without the capabilities that read any file.)
#[tokio::test]
async fn an_unreadable_file_is_reported_by_name_and_the_rest_go_on() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await.signed_in().await;
    let token = app.token_for(&app.client, "write", None).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fine.png"), png(1, 32)).unwrap();
    let locked = dir.path().join("locked.png");
    std::fs::write(&locked, png(2, 48)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let args = [os("import"), dir.path().as_os_str()];
    let mut command = if unsafe { libc::geteuid() } == 0 {
        let mut setpriv = tokio::process::Command::new("setpriv");
        setpriv.args(["--bounding-set=-dac_override,-dac_read_search", "--", env!("CARGO_BIN_EXE_vitrine")]);
        with_env(setpriv, &app, &token, &args)
    } else {
        vitrine(&app, &token, &args)
    };
    let output = command.output().await.unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success(), "a failed file makes the run fail: {text}");
    assert!(text.contains("locked.png: unreadable: Permission denied"), "{text}");
    assert!(text.contains("summary: 1 imported, 0 already there, 0 skipped, 1 failed"), "{text}");
    assert_eq!(library_names(&app).await, ["fine.png"]);
}

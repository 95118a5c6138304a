use crate::helpers::{spawn_app, test_app};

#[tokio::test]
async fn signed_in_pages_redirect_to_sign_in_without_a_session() {
    let app = spawn_app().await;
    for path in ["/library", "/uploads", "/collections"] {
        let response = app.client.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(response.status(), 302, "{path}");
        assert_eq!(response.headers()["location"], "/login", "{path}");
    }
}

#[tokio::test]
async fn signed_in_pages_render_on_the_server_with_the_nav() {
    let app = spawn_app().await.signed_in().await;
    let response = app.client.get(app.url("/library")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>Library</h1>"), "{html}");
    for link in ["href=\"/library\"", "href=\"/uploads\"", "href=\"/collections\""] {
        assert!(html.contains(link), "nav has {link}");
    }
    assert!(html.contains("/pkg/vitrine"), "the page loads the hydration bundle");
}

#[tokio::test]
async fn public_pages_need_no_session_and_unknown_paths_are_404() {
    let app = spawn_app().await;
    let front = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(front.status(), 200);
    let login = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
    assert!(login.text().await.unwrap().contains("type=\"password\""));
    let missing = app.client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn static_files_come_from_memory_encoded_and_cacheable_for_ever_by_their_hash() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    let css = "main { margin: 0 auto; max-width: 70rem; }\n".repeat(50);
    std::fs::write(site.path().join("pkg/vitrine.css"), &css).unwrap();
    std::fs::write(site.path().join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let app = test_app().site_root(site.path()).spawn().await;
    // Pages link the stylesheet by its content hash.
    let login = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let at = login.find("/pkg/vitrine.css?v=").expect("a hashed stylesheet link");
    let href: String = login[at..].chars().take_while(|c| *c != '"').collect();
    let hashed = app.client.get(app.url(&href)).send().await.unwrap();
    assert_eq!(hashed.status(), 200);
    assert_eq!(hashed.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(hashed.headers()["content-type"], "text/css; charset=utf-8");
    assert!(hashed.headers().contains_key("content-security-policy"), "security headers on every response");
    assert_eq!(hashed.text().await.unwrap(), css);
    // Without the hash it is revalidated by its tag; gzip when asked for.
    let gz = app.client.get(app.url("/pkg/vitrine.css")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gz.headers()["cache-control"], "public, no-cache");
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let etag = gz.headers()["etag"].clone();
    assert!(gz.bytes().await.unwrap().len() < css.len() / 4);
    let again = app.client.get(app.url("/pkg/vitrine.css")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(app.client.get(app.url("/favicon.svg")).send().await.unwrap().status(), 200);
    // Anything else is the 404 page, not a file from elsewhere.
    assert_eq!(app.client.get(app.url("/pkg/nothing.js")).send().await.unwrap().status(), 404);
}

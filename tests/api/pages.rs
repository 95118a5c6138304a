use crate::helpers::spawn_app;

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

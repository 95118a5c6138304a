//! Tags over HTTP: tagging many items at once, filtering the library by tags (with search and
//! kind), bulk alt text, renaming and merging (as JSON and as the no-JavaScript form), and the
//! refusals: bad names, nothing to do, viewers.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

fn png(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(16, 16, image::Rgb([shade, 120, 200]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

async fn three_items(app: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for (name, shade) in [("a.png", 10), ("b.png", 80), ("c.png", 160)] {
        ids.push(app.upload(name, "image/png", png(shade)).await["media_id"].as_str().unwrap().to_string());
    }
    ids
}

/// File names of what `/api/media/list` returns for `query`, by name.
async fn listed(app: &TestApp, query: Value) -> Vec<String> {
    let mut query = query;
    query["sort"] = json!("name");
    let page: Value = app.api("/api/media/list", json!({ "query": query })).await.json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(|i| i["media"]["original_filename"].as_str().unwrap().into()).collect()
}

async fn tags(app: &TestApp) -> Vec<(String, u64)> {
    let list: Value = app.api("/api/tags/list", json!({})).await.json().await.unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().into(), t["item_count"].as_u64().unwrap()))
        .collect()
}

#[tokio::test]
async fn many_items_are_tagged_at_once_and_the_library_filters_by_every_tag_named() {
    let app = spawn_app().await.signed_in().await;
    let ids = three_items(&app).await;
    let tagged =
        app.api("/api/media/tag", json!({"ids": [ids[0], ids[1]], "add": ["Beach", "2024"], "remove": []})).await;
    assert_eq!(tagged.status(), 200);
    assert_eq!(tagged.json::<Value>().await.unwrap(), json!({"added": 4, "removed": 0}));
    app.api("/api/media/tag", json!({"ids": [ids[2]], "add": ["beach"], "remove": []})).await;
    assert_eq!(tags(&app).await, [("2024".into(), 2), ("Beach".into(), 3)]);

    assert_eq!(listed(&app, json!({"tags": ["BEACH"]})).await, ["a.png", "b.png", "c.png"]);
    assert_eq!(listed(&app, json!({"tags": ["beach", "2024"]})).await, ["a.png", "b.png"]);
    assert_eq!(listed(&app, json!({"tags": ["beach"], "search": "c.png"})).await, ["c.png"]);
    assert_eq!(listed(&app, json!({"tags": ["beach"], "kind": "video"})).await, Vec::<String>::new());
    assert_eq!(listed(&app, json!({"search": "2024"})).await, ["a.png", "b.png"], "tags are searched");
    let page: Value = app.api("/api/media/list", json!({"query": {"sort": "name"}})).await.json().await.unwrap();
    assert_eq!(page["items"][0]["tags"], json!(["2024", "Beach"]), "each item lists its tags");

    let removed = app.api("/api/media/tag", json!({"ids": [ids[0]], "add": [], "remove": ["beach"]})).await;
    assert_eq!(removed.json::<Value>().await.unwrap(), json!({"added": 0, "removed": 1}));
    assert_eq!(listed(&app, json!({"tags": ["beach"]})).await, ["b.png", "c.png"]);

    let alt = app.api("/api/media/set_alt", json!({"ids": [ids[1], ids[2]], "alt_text": "Sand and sea"})).await;
    assert_eq!(alt.json::<Value>().await.unwrap(), json!(2));
    let page: Value = app.api("/api/media/list", json!({"query": {"sort": "name"}})).await.json().await.unwrap();
    let alts: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|i| i["media"]["alt_text"].as_str().unwrap()).collect();
    assert_eq!(alts, ["", "Sand and sea", "Sand and sea"]);
    // `uploaded_by` is the filter's stable name.
    let me: Value = app.api("/api/auth/me", json!({})).await.json().await.unwrap();
    assert_eq!(listed(&app, json!({"uploaded_by": me["id"]})).await.len(), 3);
}

#[tokio::test]
async fn bad_tagging_is_refused_with_a_reason_and_changes_nothing() {
    let app = spawn_app().await.signed_in().await;
    let ids = three_items(&app).await;
    app.api("/api/media/tag", json!({"ids": [ids[0]], "add": ["keep"], "remove": []})).await;
    for (body, reason) in [
        (json!({"ids": [], "add": ["x"], "remove": []}), "items to tag"),
        (json!({"ids": [ids[0]], "add": [], "remove": []}), "No tag"),
        (json!({"ids": [ids[0]], "add": ["a,b"], "remove": []}), "comma"),
        (json!({"ids": [ids[0]], "add": ["two\nlines"], "remove": []}), "one line"),
        (json!({"ids": [ids[0]], "add": ["x".repeat(51)], "remove": []}), "50 characters"),
        (json!({"ids": [ids[0]], "add": ["x"], "remove": ["X"]}), "added and removed"),
        (json!({"ids": [ids[0]], "add": ["fine", ""], "remove": []}), "needs a name"),
    ] {
        let refused = app.api("/api/media/tag", body.clone()).await;
        assert_eq!(refused.status(), 400, "{body}");
        let text = refused.text().await.unwrap();
        assert!(text.contains(reason), "{body}: {text}");
    }
    assert_eq!(tags(&app).await, [("keep".into(), 1)], "nothing was added by a refused request");
    let alt = app.api("/api/media/set_alt", json!({"ids": [ids[0]], "alt_text": "x".repeat(2000)})).await;
    assert_eq!(alt.status(), 400);
    let filter = app.api("/api/media/list", json!({"query": {"tags": ["a,b"]}})).await;
    assert_eq!(filter.status(), 400);

    let viewer = app.member("viewer@example.test", "viewer").await;
    let body = json!({"ids": [ids[0]], "add": ["mine"], "remove": []});
    assert_eq!(app.api_as(&viewer.client, "/api/media/tag", body).await.status(), 403);
    assert_eq!(app.api_as(&viewer.client, "/api/tags/list", json!({})).await.status(), 200, "viewers see tags");
}

#[tokio::test]
async fn tags_are_renamed_and_merged_as_json_and_as_plain_forms() {
    let app = spawn_app().await.signed_in().await;
    let ids = three_items(&app).await;
    app.api("/api/media/tag", json!({"ids": [ids[0], ids[1]], "add": ["Beach"], "remove": []})).await;
    app.api("/api/media/tag", json!({"ids": [ids[1], ids[2]], "add": ["Beahc"], "remove": []})).await;
    app.api("/api/media/tag", json!({"ids": [ids[2]], "add": ["sunset"], "remove": []})).await;
    let list: Value = app.api("/api/tags/list", json!({})).await.json().await.unwrap();
    let id_of = |name: &str| list.as_array().unwrap().iter().find(|t| t["name"] == name).unwrap()["id"].clone();

    let taken = app.api("/api/tags/rename", json!({"id": id_of("Beahc"), "name": "beach"})).await;
    assert_eq!(taken.status(), 409);
    assert!(taken.text().await.unwrap().contains("merge the two"));
    let merged = app.api("/api/tags/merge", json!({"from": [id_of("Beahc")], "into": id_of("Beach")})).await;
    assert_eq!(merged.status(), 200);
    assert_eq!(merged.json::<Value>().await.unwrap()["item_count"], 3, "b.png carried both: counted once");
    assert_eq!(tags(&app).await, [("Beach".into(), 3), ("sunset".into(), 1)]);

    // The page's forms, without JavaScript.
    let post = |fields: Vec<(&'static str, String)>| {
        let request = app.client.post(app.url("/tags")).header("origin", app.origin()).form(&fields);
        async move { request.send().await.unwrap() }
    };
    let location = |r: &reqwest::Response| r.headers()["location"].to_str().unwrap().to_string();
    let sunset = id_of("sunset").as_str().unwrap().to_string();
    let renamed = post(vec![("action", "rename".into()), ("id", sunset.clone()), ("name", "Sunset glow".into())]).await;
    assert_eq!((renamed.status().as_u16(), location(&renamed)), (303, "/tags?done=renamed".into()));
    let bad = post(vec![("action", "rename".into()), ("id", sunset.clone()), ("name", "a,b".into())]).await;
    assert_eq!(location(&bad), "/tags?error=invalid");
    let nonsense = post(vec![("action", "merge".into()), ("id", sunset.clone()), ("into", "x".into())]).await;
    assert_eq!(location(&nonsense), "/tags?error=invalid");
    let into = id_of("Beach").as_str().unwrap().to_string();
    let merged = post(vec![("action", "merge".into()), ("id", sunset), ("into", into)]).await;
    assert_eq!(location(&merged), "/tags?done=merged");
    assert_eq!(tags(&app).await, [("Beach".into(), 3)]);
    let page = app.client.get(app.url("/tags?done=merged")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Merged.") && page.contains("action=\"/tags\""), "the page says so and has its forms");

    let viewer = app.member("viewer@example.test", "viewer").await;
    let refused = viewer
        .client
        .post(app.url("/tags"))
        .header("origin", app.origin())
        .form(&[("action", "rename"), ("id", id_of("Beach").as_str().unwrap()), ("name", "Mine")])
        .send()
        .await
        .unwrap();
    assert!(refused.url().as_str().ends_with("/tags?error=forbidden"), "{}", refused.url());
    assert_eq!(tags(&app).await, [("Beach".into(), 3)]);
}

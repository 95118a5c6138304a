//! Focal points as data: set and cleared through the API (bad input refused, nothing changed),
//! kept in frame by the share card a gallery hands out (Bunny's `focus_crop`), which the local
//! origin crops the same way.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

/// A portrait 2000×3000: the top half red, the bottom half blue.
fn halves() -> Vec<u8> {
    let img = image::RgbImage::from_fn(2000, 3000, |_, y| {
        if y < 1500 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

async fn focus(app: &TestApp, id: &Value, focus: Value) -> reqwest::Response {
    app.api("/api/media/focus", json!({"id": id, "focus": focus})).await
}

#[tokio::test]
async fn a_focal_point_is_set_checked_and_cleared() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("halves.png", "image/png", halves()).await;
    let id = &file["media_id"];
    let set: Value = focus(&app, id, json!({"x": 0.9, "y": 0.25})).await.json().await.unwrap();
    assert_eq!(set["media"]["focus"], json!({"x": 0.9, "y": 0.25}));
    for bad in [json!({"x": 1.5, "y": 0.5}), json!({"x": -0.1, "y": 0.5}), json!({"x": "left", "y": 0.5})] {
        let refused = focus(&app, id, bad.clone()).await;
        assert_eq!(refused.status(), 400, "{bad}");
    }
    let message = focus(&app, id, json!({"x": 1.5, "y": 0.5})).await.text().await.unwrap();
    assert!(message.contains("fraction from 0 to 1"), "{message}");
    let detail: Value = app.api("/api/media/get", json!({"id": id})).await.json().await.unwrap();
    assert_eq!(detail["item"]["media"]["focus"], json!({"x": 0.9, "y": 0.25}), "a refusal changes nothing");
    let cleared: Value = focus(&app, id, Value::Null).await.json().await.unwrap();
    assert_eq!(cleared["media"]["focus"], Value::Null);
    let unknown = focus(&app, &json!(uuid::Uuid::new_v4()), json!({"x": 0.5, "y": 0.5})).await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_share_card_keeps_the_focal_point_in_frame() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("halves.png", "image/png", halves()).await;
    let id = file["media_id"].clone();
    let collection: Value = app.api("/api/collections/create", json!({"title": "Focus"})).await.json().await.unwrap();
    app.api("/api/collections/add", json!({"id": collection["id"], "media_ids": [id]})).await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;

    let card = |html: String| {
        let at = html.find("property=\"og:image\" content=\"").expect("a share card") + 29;
        html[at..].split('"').next().unwrap().replace("&amp;", "&")
    };
    let centred = card(reqwest::get(app.url("/c/focus")).await.unwrap().text().await.unwrap());
    assert!(centred.contains("width=1200&focus_crop=2000,1050,0.5,0.5"), "{centred}");

    // The eye is near the bottom: the card, 1200×630, is all blue.
    assert_eq!(focus(&app, &id, json!({"x": 0.5, "y": 0.95})).await.status(), 200);
    let url = card(reqwest::get(app.url("/c/focus")).await.unwrap().text().await.unwrap());
    assert!(url.contains("focus_crop=2000,1050,0.5,0.95"), "the gallery's page changed with it: {url}");
    let bytes = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    let image = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!((image.width(), image.height()), (1200, 630));
    assert!(image.get_pixel(600, 3)[2] > 150, "the top edge is blue: the crop moved down");
    // Centred, the same card's top is red.
    let bytes = reqwest::get(&centred).await.unwrap().bytes().await.unwrap();
    assert!(image::load_from_memory(&bytes).unwrap().to_rgb8().get_pixel(600, 3)[0] > 150);
}

//! AVIF from the local origin: `format=avif`, and `format=auto` choosing AVIF, else WebP, else
//! the original's format from the browser's `Accept`, each cached apart; AVIF above its cap
//! comes as WebP.

use crate::helpers::spawn_app;

fn photo(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

#[tokio::test]
async fn avif_is_served_when_asked_and_when_the_browser_takes_it() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("photo.jpg", "image/jpeg", photo(3000, 2000)).await;
    let key = file["object_key"].as_str().unwrap();
    let get = |query: &str, accept: &str| {
        let url = app.url(&format!("/cdn/{key}?{query}"));
        let request = app.client.get(url).header("accept", accept.to_string());
        async move { request.send().await.unwrap() }
    };
    let avif = get("width=640&format=avif", "*/*").await;
    assert_eq!(avif.headers()["content-type"], "image/avif");
    let bytes = avif.bytes().await.unwrap();
    let decoded = vitrine::server::images::decode::decode(&bytes, |_, _| 1.0).unwrap();
    assert_eq!((decoded.width, decoded.height), (640, 427), "a real AVIF of the asked size");

    for (accept, expected) in [
        ("image/avif,image/webp,image/apng,*/*;q=0.8", "image/avif"),
        ("image/webp,*/*", "image/webp"),
        ("image/png,*/*", "image/jpeg"),
    ] {
        for _ in 0..2 {
            // Twice: the second answer comes from the cache, and must not be another browser's.
            let response = get("width=320&format=auto", accept).await;
            assert_eq!(response.headers()["content-type"], expected, "{accept}");
            assert_eq!(response.headers()["vary"], "Accept");
        }
    }
    // 2600×1733 is 4.5 MP: above the cap, asked as AVIF, it comes as WebP.
    let capped = get("width=2600&format=avif", "*/*").await;
    assert_eq!(capped.headers()["content-type"], "image/webp");
}

//! Photo metadata: EXIF read at completion from a real camera-style JPEG made here (date with
//! offset, camera, lens, exposure, rotation, GPS, serial), shown to the library's people,
//! kept from public pages, absent from resized variants, searchable and sortable; a malformed
//! EXIF block costs the photo nothing.

use exif::{Field, In, Tag, Value as ExifValue};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

fn ascii(tag: Tag, text: &str) -> Field {
    Field { tag, ifd_num: In::PRIMARY, value: ExifValue::Ascii(vec![text.as_bytes().to_vec()]) }
}

fn rational(tag: Tag, parts: &[(u32, u32)]) -> Field {
    Field { tag, ifd_num: In::PRIMARY, value: ExifValue::Rational(parts.iter().map(|&p| p.into()).collect()) }
}

/// A 64×32 JPEG (left half dark, right half light) with `fields` in an EXIF APP1 segment, as
/// a camera writes it.
fn camera_jpeg(fields: &[Field]) -> Vec<u8> {
    let mut writer = exif::experimental::Writer::new();
    for field in fields {
        writer.push_field(field);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    with_app1(&[b"Exif\0\0".as_slice(), tiff.get_ref()].concat())
}

fn with_app1(payload: &[u8]) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(
            64,
            32,
            |x, _| if x < 32 { image::Rgb([20, 20, 20]) } else { image::Rgb([235, 235, 235]) },
        );
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&img).unwrap();
    let length = u16::try_from(payload.len() + 2).unwrap().to_be_bytes();
    [&jpeg[..2], &[0xFF, 0xE1], &length, payload, &jpeg[2..]].concat()
}

fn full_camera_fields() -> Vec<Field> {
    vec![
        ascii(Tag::Make, "Canon"),
        ascii(Tag::Model, "Canon EOS R5"),
        ascii(Tag::LensModel, "RF24-70mm F2.8 L IS USM"),
        ascii(Tag::DateTimeOriginal, "2023:08:14 18:30:00"),
        ascii(Tag::OffsetTimeOriginal, "+02:00"),
        rational(Tag::ExposureTime, &[(1, 250)]),
        rational(Tag::FNumber, &[(28, 10)]),
        Field { tag: Tag::PhotographicSensitivity, ifd_num: In::PRIMARY, value: ExifValue::Short(vec![400]) },
        rational(Tag::FocalLength, &[(50, 1)]),
        // "Turn 90° clockwise to show": the upright photo is 32 wide, 64 high.
        Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: ExifValue::Short(vec![6]) },
        rational(Tag::GPSLatitude, &[(48, 1), (51, 1), (2950, 100)]),
        ascii(Tag::GPSLatitudeRef, "N"),
        rational(Tag::GPSLongitude, &[(2, 1), (17, 1), (4020, 100)]),
        ascii(Tag::GPSLongitudeRef, "E"),
        ascii(Tag::BodySerialNumber, "032021001234"),
    ]
}

async fn media_of(app: &TestApp, id: &Value) -> Value {
    let detail: Value = app.api("/api/media/get", json!({"id": id})).await.json().await.unwrap();
    detail["item"]["media"].clone()
}

#[tokio::test]
async fn camera_facts_are_read_shown_to_the_team_and_kept_from_the_public() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("IMG_0420.JPG", "image/jpeg", camera_jpeg(&full_camera_fields())).await;
    let media = media_of(&app, &file["media_id"]).await;
    let photo = &media["photo"];
    assert_eq!(photo["taken"], "2023-08-14 18:30:00 +02:00");
    assert_eq!(media["taken_at"], "2023-08-14T16:30:00Z");
    assert_eq!((photo["camera_make"].as_str(), photo["camera_model"].as_str()), (Some("Canon"), Some("Canon EOS R5")));
    assert_eq!(photo["lens"], "RF24-70mm F2.8 L IS USM");
    assert_eq!((photo["exposure_s"].as_f64(), photo["f_number"].as_f64()), (Some(0.004), Some(2.8)));
    assert_eq!((photo["iso"].as_u64(), photo["focal_length_mm"].as_f64()), (Some(400), Some(50.0)));
    assert_eq!(photo["orientation"], 6);
    let (lat, lon) = (photo["gps"]["latitude"].as_f64().unwrap(), photo["gps"]["longitude"].as_f64().unwrap());
    assert!((lat - 48.858_194).abs() < 1e-5 && (lon - 2.294_5).abs() < 1e-5, "{lat}, {lon}");
    assert_eq!(photo["camera_serial"], "032021001234");
    // Shown upright: the stored sizes are the turned ones.
    assert_eq!((media["width"].as_u64(), media["height"].as_u64()), (Some(32), Some(64)));

    // Found by camera and lens.
    for search in ["eos r5", "rf24"] {
        let found: Value = app.api("/api/media/list", json!({"query": {"search": search}})).await.json().await.unwrap();
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{search}");
    }

    // The variant the origin serves is upright and carries no EXIF at all.
    let library = app.library().await;
    let url = library["items"][0]["url"].as_str().unwrap().to_string();
    let variant = app.client.get(&url).send().await.unwrap().bytes().await.unwrap();
    assert!(!variant.windows(6).any(|w| w == b"Exif\0\0"), "no EXIF in {url}");
    let upright = image::load_from_memory(&variant).unwrap().to_rgb8();
    assert_eq!((upright.width(), upright.height()), (32, 64));
    // Turned clockwise, the dark left half is now the top.
    assert!(upright.get_pixel(16, 8)[0] < 80 && upright.get_pixel(16, 56)[0] > 180);

    // A public gallery shows neither the position nor the serial number, in its page or its data.
    let collection: Value = app.api("/api/collections/create", json!({"title": "Paris"})).await.json().await.unwrap();
    app.api("/api/collections/add", json!({"id": collection["id"], "media_ids": [file["media_id"]]})).await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let visitor = reqwest::Client::new();
    let page = visitor.get(app.url("/c/paris")).send().await.unwrap().text().await.unwrap();
    let data = visitor.post(app.url("/api/gallery/get")).json(&json!({"slug": "paris"})).send().await.unwrap();
    let data = data.text().await.unwrap();
    assert!(data.contains("Canon EOS R5"), "the camera is not private: {data}");
    for public in [&page, &data] {
        assert!(!public.contains("48.85") && !public.contains("gps"), "the position leaked");
        assert!(!public.contains("032021001234") && !public.contains("camera_serial"), "the serial leaked");
    }
}

#[tokio::test]
async fn the_taken_sort_falls_back_to_the_upload_time() {
    let app = spawn_app().await.signed_in().await;
    let taken = |date: &str| camera_jpeg(&[ascii(Tag::DateTimeOriginal, date)]);
    let old = app.upload("old.jpg", "image/jpeg", taken("2019:05:01 10:00:00")).await["media_id"].clone();
    let undated = app.upload("undated.jpg", "image/jpeg", camera_jpeg(&[ascii(Tag::Model, "X100V")])).await;
    let recent = app.upload("recent.jpg", "image/jpeg", taken("2024:01:01 10:00:00")).await["media_id"].clone();
    // Newest upload first would be recent, undated, old; by date taken, undated (taken
    // "now", as uploaded) leads.
    let mut order = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let page: Value = app
            .api("/api/media/list", json!({"query": {"sort": "taken", "limit": 1, "cursor": cursor}}))
            .await
            .json()
            .await
            .unwrap();
        order.extend(page["items"].as_array().unwrap().iter().map(|i| i["media"]["id"].clone()));
        cursor = page["next_cursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    assert_eq!(order, [undated["media_id"].clone(), recent, old]);
}

#[tokio::test]
async fn a_malformed_exif_block_costs_the_photo_nothing() {
    let app = spawn_app().await.signed_in().await;
    let broken = with_app1(b"Exif\0\0MM\0*\0\0\0\x08\xFF\xFF\x01\x0f\0\x02\xFF\xFF\xFF\xFF");
    let file = app.upload("broken.jpg", "image/jpeg", broken).await;
    assert_eq!(file["status"], "completed");
    let media = media_of(&app, &file["media_id"]).await;
    assert_eq!(media["photo"], Value::Null);
    assert_eq!((media["width"].as_u64(), media["height"].as_u64()), (Some(64), Some(32)));
    // A date from a wrong clock is no date.
    let future = app
        .upload("future.jpg", "image/jpeg", camera_jpeg(&[ascii(Tag::DateTimeOriginal, "2199:01:01 00:00:00")]))
        .await;
    let media = media_of(&app, &future["media_id"]).await;
    assert_eq!(media["taken_at"], Value::Null);
}

//! The URL builder and the parameter parser, both ways round.

use super::*;

#[test]
fn a_crop_around_a_focal_point_asks_for_the_largest_window_there() {
    let point = FocalPoint::parse(0.25, 0.75).unwrap();
    let card = Transform::crop_around(Some(point), Some((4000, 3000)), (1200, 630), 1200);
    assert_eq!(card.query(), "width=1200&focus_crop=4000,2100,0.25,0.75");
    assert_eq!(Transform::parse_query(&card.query()).unwrap(), card, "the origin reads what the builder writes");
    let unmeasured = Transform::crop_around(Some(point), None, (1, 1), 320);
    assert_eq!(unmeasured.query(), "width=320&aspect_ratio=1:1");
    let huge = Transform::crop_around(None, Some((20000, 10000)), (1, 1), 640);
    assert_eq!(huge.focus_crop.map(|c| (c.width, c.height)), Some((8192, 8192)));
}

const BASE: &str = "https://zone.b-cdn.net";

#[test]
fn every_parameter_is_spelled_as_bunny_spells_it() {
    let t = Transform {
        width: Some(640),
        height: Some(480),
        aspect_ratio: Some((16, 9)),
        quality: Some(80),
        format: Some(Format::Webp),
        crop_gravity: Some(Gravity::NorthEast),
        focus_crop: Some(FocusCrop {
            width: 400,
            height: 300,
            x: FocusCoordinate::Relative(0.25),
            y: FocusCoordinate::Pixels(120),
        }),
    };
    assert_eq!(
        image_url(BASE, "media/a/b.jpg", &t),
        "https://zone.b-cdn.net/media/a/b.jpg?width=640&height=480&aspect_ratio=16:9&quality=80&format=webp\
         &crop_gravity=northeast&focus_crop=400,300,0.25,120"
    );
    assert_eq!(Transform::parse_query(&t.query()).unwrap(), t, "the origin reads what the builder writes");
}

#[test]
fn the_original_has_no_query() {
    assert_eq!(
        image_url("http://127.0.0.1:3000/cdn/", "media/x.png", &Transform::default()),
        "http://127.0.0.1:3000/cdn/media/x.png"
    );
}

#[test]
fn odd_keys_are_escaped_per_segment() {
    assert_eq!(encode_key("media/a b/ü?#%.png"), "media/a%20b/%C3%BC%3F%23%25.png");
    assert_eq!(
        image_url(BASE, "media/a b.png", &Transform::width(320)),
        "https://zone.b-cdn.net/media/a%20b.png?width=320"
    );
}

#[test]
fn the_ladder_never_upscales() {
    assert_eq!(ladder(DEFAULT_WIDTHS, Some(1000)), vec![320, 640, 960, 1000]);
    assert_eq!(ladder(DEFAULT_WIDTHS, Some(640)), vec![320, 640]);
    assert_eq!(ladder(DEFAULT_WIDTHS, Some(200)), vec![200]);
    assert_eq!(ladder(DEFAULT_WIDTHS, Some(6000)), vec![320, 640, 960, 1280, 1920, 2560, 6000]);
    assert_eq!(ladder(DEFAULT_WIDTHS, None), DEFAULT_WIDTHS.to_vec());
    assert_eq!(ladder(&[640, 320, 640], Some(5000)), vec![320, 640, 5000]);
}

#[test]
fn bad_queries_are_refused_with_a_reason() {
    for (query, needle) in [
        ("width=0", "width"),
        ("width=99999", "width"),
        ("width=-5", "width"),
        ("width=abc", "width"),
        ("height=1.5", "height"),
        ("quality=0", "quality"),
        ("quality=101", "quality"),
        ("format=gif", "format"),
        ("aspect_ratio=16x9", "aspect_ratio"),
        ("aspect_ratio=0:9", "aspect_ratio"),
        ("crop_gravity=up", "crop_gravity"),
        ("focus_crop=1,2,3", "focus_crop"),
        ("focus_crop=100,100,1.5,0.5", "relative"),
        ("blur=10", "unknown parameter"),
        ("width=10&width=20", "twice"),
    ] {
        let err = Transform::parse_query(query).unwrap_err();
        assert!(err.contains(needle), "{query}: {err}");
    }
    assert!(Transform::parse_query("").unwrap().is_identity());
    assert_eq!(Transform::parse_query("width=640").unwrap(), Transform::width(640));
    assert_eq!(Transform::parse_query("format=jpg").unwrap().format, Some(Format::Jpeg));
}

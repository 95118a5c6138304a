//! A photo's focal point: where the eye goes, as fractions of its width and height from the top
//! left, set by an editor in the detail panel. Every crop Vitrine asks for keeps it in frame:
//! URL crops through `cdn::Transform::crop_around` (Bunny's `focus_crop`, which the local origin
//! imitates), CSS cover crops through `object_position`.

use serde::{Deserialize, Serialize};

/// Kept in ten-thousandths, so items stay comparable (`Eq`); spoken as fractions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Fractions", into = "Fractions")]
pub struct FocalPoint {
    x: u16,
    y: u16,
}

/// The focal point as the API speaks it: `{"x": 0.25, "y": 0.4}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fractions {
    pub x: f64,
    pub y: f64,
}

const ONE: f64 = 10_000.0;

impl FocalPoint {
    pub const CENTRE: FocalPoint = FocalPoint { x: 5_000, y: 5_000 };

    /// From fractions of the width and height, each 0 to 1.
    pub fn parse(x: f64, y: f64) -> Result<FocalPoint, String> {
        let part = |v: f64, axis: &str| {
            if v.is_finite() && (0.0..=1.0).contains(&v) {
                Ok((v * ONE).round() as u16)
            } else {
                Err(format!("The focal point's {axis} must be a fraction from 0 to 1, not {v}."))
            }
        };
        Ok(FocalPoint { x: part(x, "x")?, y: part(y, "y")? })
    }

    pub fn x(self) -> f64 {
        f64::from(self.x) / ONE
    }

    pub fn y(self) -> f64 {
        f64::from(self.y) / ONE
    }

    /// Moved by `dx`, `dy` (fractions), staying on the picture: what an arrow key does.
    pub fn moved(self, dx: f64, dy: f64) -> FocalPoint {
        let clamp = |v: f64| (v.clamp(0.0, 1.0) * ONE).round() as u16;
        FocalPoint { x: clamp(self.x() + dx), y: clamp(self.y() + dy) }
    }

    /// CSS `object-position` for an `object-fit: cover` box of any shape: the point's place in
    /// the picture lines up with the same place in the box, so it is always inside the box.
    pub fn object_position(self) -> String {
        format!("{:.2}% {:.2}%", self.x() * 100.0, self.y() * 100.0)
    }

    /// CSS `object-position` that shows exactly the crop `crop_window` takes for a box of
    /// `ratio` (the detail panel's previews of the share card and a square).
    pub fn preview_position(self, image: (u32, u32), ratio: (u32, u32)) -> String {
        let (w, h) = (f64::from(image.0), f64::from(image.1));
        let (x, y, cw, ch) = crop_window(w, h, ratio, self);
        let percent = |offset: f64, room: f64| if room > 0.5 { offset / room * 100.0 } else { 50.0 };
        format!("{:.2}% {:.2}%", percent(x, w - cw), percent(y, h - ch))
    }
}

/// The largest `ratio` window of a `w`×`h` picture: `(width, height)`.
pub fn largest_window(w: f64, h: f64, ratio: (u32, u32)) -> (f64, f64) {
    let r = f64::from(ratio.0.max(1)) / f64::from(ratio.1.max(1));
    if w / h > r {
        ((h * r).round().max(1.0), h)
    } else {
        (w, (w / r).round().max(1.0))
    }
}

/// Where a `cw`×`ch` window of a `w`×`h` picture goes to be centred on `focus` where it can,
/// kept inside: `(x, y)` of its top left. Bunny's `focus_crop` rule; the local origin's too.
pub fn centre_window(w: f64, h: f64, cw: f64, ch: f64, fx: f64, fy: f64) -> (f64, f64) {
    ((fx - cw / 2.0).clamp(0.0, (w - cw).max(0.0)).floor(), (fy - ch / 2.0).clamp(0.0, (h - ch).max(0.0)).floor())
}

/// The `ratio` crop of a `w`×`h` picture around `focus`: `(x, y, width, height)`.
pub fn crop_window(w: f64, h: f64, ratio: (u32, u32), focus: FocalPoint) -> (f64, f64, f64, f64) {
    let (cw, ch) = largest_window(w, h, ratio);
    let (x, y) = centre_window(w, h, cw, ch, focus.x() * w, focus.y() * h);
    (x, y, cw, ch)
}

impl TryFrom<Fractions> for FocalPoint {
    type Error = String;
    fn try_from(value: Fractions) -> Result<Self, String> {
        FocalPoint::parse(value.x, value.y)
    }
}

impl From<FocalPoint> for Fractions {
    fn from(value: FocalPoint) -> Self {
        Fractions { x: value.x(), y: value.y() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_outside_the_picture_are_refused() {
        assert!(FocalPoint::parse(0.0, 1.0).is_ok());
        for (x, y) in [(-0.01, 0.5), (0.5, 1.01), (f64::NAN, 0.5), (0.5, f64::INFINITY)] {
            assert!(FocalPoint::parse(x, y).is_err(), "{x}, {y}");
        }
        let json: Result<FocalPoint, _> = serde_json::from_str(r#"{"x": 2, "y": 0.5}"#);
        assert!(json.is_err(), "the API refuses it too");
        let point: FocalPoint = serde_json::from_str(r#"{"x": 0.25, "y": 0.4}"#).unwrap();
        assert_eq!((point.x(), point.y()), (0.25, 0.4));
        assert_eq!(serde_json::to_string(&point).unwrap(), r#"{"x":0.25,"y":0.4}"#);
    }

    #[test]
    fn arrow_keys_stay_on_the_picture() {
        let edge = FocalPoint::parse(0.99, 0.0).unwrap().moved(0.05, -0.05);
        assert_eq!((edge.x(), edge.y()), (1.0, 0.0));
    }

    #[test]
    fn a_crop_is_centred_on_the_point_but_stays_inside() {
        // 4000×3000, a 1200:630 card: the whole width, 2100 high; the point near the bottom.
        let near_bottom = FocalPoint::parse(0.5, 0.9).unwrap();
        assert_eq!(crop_window(4000.0, 3000.0, (1200, 630), near_bottom), (0.0, 900.0, 4000.0, 2100.0));
        // A square of a landscape photo, point at a quarter of the width: centred on x = 1000.
        let left = FocalPoint::parse(0.25, 0.5).unwrap();
        assert_eq!(crop_window(4000.0, 3000.0, (1, 1), left), (0.0, 0.0, 3000.0, 3000.0), "kept inside");
        let right = FocalPoint::parse(0.6, 0.5).unwrap();
        assert_eq!(crop_window(4000.0, 3000.0, (1, 1), right), (900.0, 0.0, 3000.0, 3000.0));
    }

    #[test]
    fn the_preview_shows_the_crop_the_url_asks_for() {
        let right = FocalPoint::parse(0.6, 0.5).unwrap();
        // The square's window starts 900 of the 1000 pixels of room: 90 %.
        assert_eq!(right.preview_position((4000, 3000), (1, 1)), "90.00% 50.00%");
        assert_eq!(FocalPoint::CENTRE.object_position(), "50.00% 50.00%");
    }
}

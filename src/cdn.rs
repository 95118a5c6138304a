//! The one image URL builder, shared by the server and the browser so both render the same
//! `src`/`srcset`. URLs speak Bunny Optimizer's query parameters; the local image origin
//! (`/cdn/<key>`) parses the same parameters with `Transform::parse_query`.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::model::focus::{largest_window, FocalPoint};

/// Widths offered in a `srcset` unless configured otherwise.
pub const DEFAULT_WIDTHS: &[u32] = &[320, 640, 960, 1280, 1920, 2560];

/// Largest width or height a variant may ask for.
pub const MAX_DIMENSION: u32 = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Avif,
    /// AVIF, else WebP, when the browser says it accepts it; the original's format otherwise.
    Auto,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Avif => "avif",
            Format::Auto => "auto",
        }
    }

    fn parse(value: &str) -> Option<Format> {
        Some(match value {
            "jpeg" | "jpg" => Format::Jpeg,
            "png" => Format::Png,
            "webp" => Format::Webp,
            "avif" => Format::Avif,
            "auto" => Format::Auto,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gravity {
    Center,
    North,
    South,
    East,
    West,
    NorthEast,
    NorthWest,
    SouthEast,
    SouthWest,
}

impl Gravity {
    pub const ALL: [Gravity; 9] = [
        Gravity::Center,
        Gravity::North,
        Gravity::South,
        Gravity::East,
        Gravity::West,
        Gravity::NorthEast,
        Gravity::NorthWest,
        Gravity::SouthEast,
        Gravity::SouthWest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Gravity::Center => "center",
            Gravity::North => "north",
            Gravity::South => "south",
            Gravity::East => "east",
            Gravity::West => "west",
            Gravity::NorthEast => "northeast",
            Gravity::NorthWest => "northwest",
            Gravity::SouthEast => "southeast",
            Gravity::SouthWest => "southwest",
        }
    }

    /// Where the crop window sits, as fractions (0 = left/top, 1 = right/bottom).
    pub fn anchor(self) -> (f64, f64) {
        match self {
            Gravity::Center => (0.5, 0.5),
            Gravity::North => (0.5, 0.0),
            Gravity::South => (0.5, 1.0),
            Gravity::East => (1.0, 0.5),
            Gravity::West => (0.0, 0.5),
            Gravity::NorthEast => (1.0, 0.0),
            Gravity::NorthWest => (0.0, 0.0),
            Gravity::SouthEast => (1.0, 1.0),
            Gravity::SouthWest => (0.0, 1.0),
        }
    }
}

/// A focal-point crop: a `width`×`height` window centred on (x, y) where possible.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FocusCrop {
    pub width: u32,
    pub height: u32,
    pub x: FocusCoordinate,
    pub y: FocusCoordinate,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum FocusCoordinate {
    Pixels(u32),
    /// 0.0 ..= 1.0 of the image's size.
    Relative(f64),
}

/// The transformations one image URL asks for. Empty = the original.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transform {
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// `(w, h)` of `aspect_ratio=w:h`.
    pub aspect_ratio: Option<(u32, u32)>,
    pub quality: Option<u8>,
    pub format: Option<Format>,
    pub crop_gravity: Option<Gravity>,
    pub focus_crop: Option<FocusCrop>,
}

impl Transform {
    pub fn width(width: u32) -> Transform {
        Transform { width: Some(width), ..Transform::default() }
    }

    /// A `ratio` crop, `width` wide, that keeps `focus` in frame: the largest such window of
    /// the `size`d picture, centred on the point where it can be (Bunny's `focus_crop`). A
    /// picture never measured gets the centre's `aspect_ratio` crop.
    pub fn crop_around(
        focus: Option<FocalPoint>,
        size: Option<(u32, u32)>,
        ratio: (u32, u32),
        width: u32,
    ) -> Transform {
        let crop = match size {
            Some((w, h)) if w > 0 && h > 0 => {
                let (cw, ch) = largest_window(f64::from(w), f64::from(h), ratio);
                // A crop window is at most MAX_DIMENSION on a side (a smaller one, same shape).
                let fit = (f64::from(MAX_DIMENSION) / cw.max(ch)).min(1.0);
                let (cw, ch) = ((cw * fit).floor().max(1.0), (ch * fit).floor().max(1.0));
                let focus = focus.unwrap_or(FocalPoint::CENTRE);
                Transform {
                    focus_crop: Some(FocusCrop {
                        width: cw as u32,
                        height: ch as u32,
                        x: FocusCoordinate::Relative(focus.x()),
                        y: FocusCoordinate::Relative(focus.y()),
                    }),
                    ..Transform::default()
                }
            }
            _ => Transform { aspect_ratio: Some(ratio), ..Transform::default() },
        };
        Transform { width: Some(width), ..crop }
    }

    pub fn is_identity(&self) -> bool {
        *self == Transform::default()
    }

    /// The query string, parameters in one fixed order (so equal transforms give equal URLs
    /// and one cache entry).
    pub fn query(&self) -> String {
        let mut q = String::new();
        let mut add = |name: &str, value: &dyn std::fmt::Display| {
            let _ = write!(q, "{}{name}={value}", if q.is_empty() { "" } else { "&" });
        };
        if let Some(w) = self.width {
            add("width", &w);
        }
        if let Some(h) = self.height {
            add("height", &h);
        }
        if let Some((w, h)) = self.aspect_ratio {
            add("aspect_ratio", &format!("{w}:{h}"));
        }
        if let Some(quality) = self.quality {
            add("quality", &quality);
        }
        if let Some(format) = self.format {
            add("format", &format.as_str());
        }
        if let Some(gravity) = self.crop_gravity {
            add("crop_gravity", &gravity.as_str());
        }
        if let Some(f) = self.focus_crop {
            let coordinate = |c: FocusCoordinate| match c {
                FocusCoordinate::Pixels(p) => p.to_string(),
                FocusCoordinate::Relative(r) => format!("{r:.4}").trim_end_matches('0').to_string(),
            };
            add("focus_crop", &format!("{},{},{},{}", f.width, f.height, coordinate(f.x), coordinate(f.y)));
        }
        q
    }

    /// Parses a query string of Bunny parameters. Unknown parameters, repeated ones and values
    /// out of range are refused with a reason (the local origin answers 400 with it).
    pub fn parse_query(query: &str) -> Result<Transform, String> {
        let mut t = Transform::default();
        let mut seen: Vec<&str> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if seen.contains(&name) {
                return Err(format!("parameter {name} is given twice"));
            }
            seen.push(name);
            match name {
                "width" => t.width = Some(dimension(name, value)?),
                "height" => t.height = Some(dimension(name, value)?),
                "aspect_ratio" => {
                    let bad = || format!("aspect_ratio must look like 16:9, not {value:?}");
                    let (w, h) = value.split_once(':').ok_or_else(bad)?;
                    let (w, h) = (w.parse::<u32>().map_err(|_| bad())?, h.parse::<u32>().map_err(|_| bad())?);
                    if !(1..=100).contains(&w) || !(1..=100).contains(&h) {
                        return Err("aspect_ratio terms must be 1 to 100".into());
                    }
                    t.aspect_ratio = Some((w, h));
                }
                "quality" => match value.parse::<u8>() {
                    Ok(q) if (1..=100).contains(&q) => t.quality = Some(q),
                    _ => return Err(format!("quality must be 1 to 100, not {value:?}")),
                },
                "format" => {
                    t.format = Some(Format::parse(value).ok_or_else(|| {
                        format!("format must be one of jpeg, png, webp, auto, not {value:?}")
                    })?)
                }
                "crop_gravity" => {
                    t.crop_gravity = Some(Gravity::ALL.into_iter().find(|g| g.as_str() == value).ok_or_else(|| {
                        format!("crop_gravity must be a compass point (center, north, …, southwest), not {value:?}")
                    })?)
                }
                "focus_crop" => t.focus_crop = Some(parse_focus_crop(value)?),
                other => {
                    return Err(format!(
                        "unknown parameter {:?} (known: width, height, aspect_ratio, quality, format, crop_gravity, focus_crop)",
                        other.chars().take(40).collect::<String>()
                    ))
                }
            }
        }
        Ok(t)
    }
}

fn dimension(name: &str, value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if (1..=MAX_DIMENSION).contains(&n) => Ok(n),
        _ => Err(format!("{name} must be a whole number from 1 to {MAX_DIMENSION}, not {value:?}")),
    }
}

fn parse_focus_crop(value: &str) -> Result<FocusCrop, String> {
    let parts: Vec<&str> = value.split(',').collect();
    let bad = || format!("focus_crop must be width,height,x,y, not {value:?}");
    if parts.len() != 4 {
        return Err(bad());
    }
    let width = dimension("focus_crop width", parts[0])?;
    let height = dimension("focus_crop height", parts[1])?;
    let coordinate = |s: &str| -> Result<FocusCoordinate, String> {
        // Bunny treats any decimal as a relative offset.
        if s.contains('.') {
            match s.parse::<f64>() {
                Ok(r) if (0.0..=1.0).contains(&r) => Ok(FocusCoordinate::Relative(r)),
                _ => Err(format!("a relative focus_crop coordinate must be 0.0 to 1.0, not {s:?}")),
            }
        } else {
            s.parse::<u32>().map(FocusCoordinate::Pixels).map_err(|_| bad())
        }
    };
    Ok(FocusCrop { width, height, x: coordinate(parts[2])?, y: coordinate(parts[3])? })
}

/// Percent-encodes each path segment of an object key (our keys are plain ASCII, but a key
/// from elsewhere may hold spaces, `#`, `?` or non-ASCII).
pub fn encode_key(key: &str) -> String {
    key.split('/')
        .map(|segment| {
            let mut out = String::with_capacity(segment.len());
            for byte in segment.bytes() {
                if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                    out.push(byte as char);
                } else {
                    let _ = write!(out, "%{byte:02X}");
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `<base>/<key>?<transform>`; `base` is the CDN zone, or the app's own `/cdn` origin.
pub fn image_url(base: &str, key: &str, transform: &Transform) -> String {
    let mut url = format!("{}/{}", base.trim_end_matches('/'), encode_key(key));
    let query = transform.query();
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    url
}

/// The widths worth offering for an image `original_width` wide: the ladder's widths below it,
/// plus the original width itself, so nothing is ever upscaled. Unknown width: the whole ladder.
pub fn ladder(widths: &[u32], original_width: Option<u32>) -> Vec<u32> {
    let mut out: Vec<u32> = match original_width {
        Some(original) => {
            let mut below: Vec<u32> = widths.iter().copied().filter(|w| *w < original).collect();
            below.push(original.min(MAX_DIMENSION));
            below
        }
        None => widths.to_vec(),
    };
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests;

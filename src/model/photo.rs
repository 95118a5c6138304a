//! What a photo's EXIF block says about it, once checked (see `server::media::exif`): when it
//! was taken, with what, how, and where. Where it was taken and the camera's serial number say
//! more about a person than about a picture, so they are kept apart and shown only to the
//! library's own people (`PhotoFacts::public` drops them).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhotoFacts {
    /// The moment the shutter opened, as the camera's clock wrote it ("2024-07-03 14:22:05",
    /// with "+02:00" when the camera recorded its offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_make: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lens: Option<String>,
    /// Exposure time in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f_number: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iso: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focal_length_mm: Option<f64>,
    /// EXIF orientation, 1 to 8 (1: as stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<u8>,
    /// Private: where it was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<GpsPosition>,
    /// Private: the camera body's serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_serial: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GpsPosition {
    pub latitude: f64,
    pub longitude: f64,
}

// Every number here was checked finite when it was read (no NaN), so equality is total and
// `Media`, which holds these, stays `Eq`.
impl Eq for PhotoFacts {}
impl Eq for GpsPosition {}

impl PhotoFacts {
    /// What anyone may see: everything but the position and the serial number.
    pub fn public(&self) -> PhotoFacts {
        PhotoFacts { gps: None, camera_serial: None, ..self.clone() }
    }

    pub fn is_empty(&self) -> bool {
        self == &PhotoFacts::default()
    }

    /// "Apple iPhone 15 Pro": the make left out when the model already begins with it (as
    /// "Canon EOS R5" does).
    pub fn camera(&self) -> Option<String> {
        match (self.camera_make.as_deref(), self.camera_model.as_deref()) {
            (Some(make), Some(model)) if model.to_lowercase().starts_with(&make.to_lowercase()) => {
                Some(model.to_string())
            }
            (Some(make), Some(model)) => Some(format!("{make} {model}")),
            (make, model) => make.or(model).map(str::to_string),
        }
    }

    /// What a search finds the photo by: the camera and the lens.
    pub fn search_words(&self) -> String {
        [self.camera(), self.lens.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ")
    }

    /// "1/250 s · f/2.8 · ISO 400 · 26 mm", whatever of it is known.
    pub fn exposure_summary(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(s) = self.exposure_s {
            parts.push(if s < 1.0 { format!("1/{} s", (1.0 / s).round()) } else { format!("{} s", trim(s)) });
        }
        if let Some(f) = self.f_number {
            parts.push(format!("f/{}", trim(f)));
        }
        if let Some(iso) = self.iso {
            parts.push(format!("ISO {iso}"));
        }
        if let Some(mm) = self.focal_length_mm {
            parts.push(format!("{} mm", trim(mm)));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// 2.8 as "2.8", 50.0 as "50".
fn trim(n: f64) -> String {
    let text = format!("{:.1}", n);
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_view_has_no_position_and_no_serial() {
        let facts = PhotoFacts {
            camera_make: Some("Canon".into()),
            camera_model: Some("Canon EOS R5".into()),
            gps: Some(GpsPosition { latitude: 48.85, longitude: 2.35 }),
            camera_serial: Some("0123456".into()),
            ..PhotoFacts::default()
        };
        let public = facts.public();
        assert_eq!(public.gps, None);
        assert_eq!(public.camera_serial, None);
        assert_eq!(public.camera().as_deref(), Some("Canon EOS R5"));
        let json = serde_json::to_string(&public).unwrap();
        assert!(!json.contains("gps") && !json.contains("serial"), "{json}");
    }

    #[test]
    fn exposure_reads_as_photographers_write_it() {
        let facts = PhotoFacts {
            exposure_s: Some(0.004),
            f_number: Some(2.8),
            iso: Some(400),
            focal_length_mm: Some(26.0),
            camera_make: Some("Apple".into()),
            camera_model: Some("iPhone 15 Pro".into()),
            ..PhotoFacts::default()
        };
        assert_eq!(facts.exposure_summary().as_deref(), Some("1/250 s · f/2.8 · ISO 400 · 26 mm"));
        assert_eq!(facts.camera().as_deref(), Some("Apple iPhone 15 Pro"));
        assert_eq!(
            PhotoFacts { exposure_s: Some(2.5), ..PhotoFacts::default() }.exposure_summary().as_deref(),
            Some("2.5 s")
        );
        assert_eq!(PhotoFacts::default().exposure_summary(), None);
    }
}

//! Names made from what people type: collection slugs from titles, storage keys from file
//! names. Pure functions (std, `deunicode`, `slug`, `uuid` only), so the fuzz targets in
//! `fuzz/` compile this file on its own.

use uuid::Uuid;

pub const MAX_SLUG_LEN: usize = 80;

/// A URL slug from a title: letters and digits transliterated to ASCII ("Café Zürich 2024" →
/// `cafe-zurich-2024`), lower case, every run of anything else one `-`, trimmed, at most 80
/// characters. A title with nothing usable (emoji only, punctuation only) gets a short random slug.
pub fn slugify(title: &str) -> String {
    let mut ascii = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_alphanumeric() {
            ascii.push_str(deunicode::deunicode_char(c).unwrap_or("-"));
        } else {
            ascii.push('-');
        }
    }
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    if slug.len() > MAX_SLUG_LEN {
        slug.truncate(MAX_SLUG_LEN);
    }
    let slug = slug.trim_matches('-').to_string();
    if slug.is_empty() {
        format!("c-{}", &Uuid::new_v4().simple().to_string()[..8])
    } else {
        slug
    }
}

/// Room a suffix takes at most: `-` and six digits.
const SUFFIX_ROOM: usize = 7;

/// What suffixes are appended to: `base` itself, or for a long one the part that leaves room for
/// `-N` within `MAX_SLUG_LEN`. The query for taken slugs looks for `base` and `root-…`.
pub fn suffix_root(base: &str) -> &str {
    let keep = (MAX_SLUG_LEN - SUFFIX_ROOM).min(base.len());
    if keep == base.len() {
        base
    } else {
        base[..keep].trim_end_matches('-')
    }
}

/// `base` while it is free, then `root-2`, `root-3`… after the highest taken (see
/// `suffix_root`), never one of `taken`. The candidate is only a guess: the unique index decides.
pub fn next_candidate(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_string();
    }
    let root = suffix_root(base);
    let suffix_of = |slug: &str| -> Option<u32> {
        if slug == base {
            return Some(1);
        }
        slug.strip_prefix(root)?.strip_prefix('-')?.parse::<u32>().ok().filter(|n| *n >= 2)
    };
    // `base` itself is taken, so this is at least 1.
    let mut n = taken.iter().filter_map(|s| suffix_of(s)).max().unwrap_or(1);
    // A long base can itself read as `root-N`: step past anything taken.
    loop {
        n = n.saturating_add(1);
        let candidate = format!("{root}-{n}");
        if !taken.contains(&candidate) || n == u32::MAX {
            return candidate;
        }
    }
}

/// `media/<uuid>/<ascii-slug>.<ext>` for a file name (already checked by `FileName::parse`):
/// chosen by us, unique by construction, readable in a
/// bucket listing, and free of anything a path or a URL could trip on.
pub fn object_key(id: Uuid, raw: &str) -> String {
    let (stem, ext) = match raw.rsplit_once('.') {
        Some((stem, ext)) if !stem.trim_matches('.').is_empty() => (stem, ext),
        _ => (raw, ""),
    };
    let mut stem = slug::slugify(stem);
    if stem.len() > 100 {
        stem.truncate(100);
        stem = stem.trim_end_matches('-').to_string();
    }
    if stem.is_empty() {
        stem = "file".into();
    }
    let ext: String =
        ext.chars().filter(|c| c.is_ascii_alphanumeric()).take(10).collect::<String>().to_ascii_lowercase();
    if ext.is_empty() {
        format!("media/{id}/{stem}")
    } else {
        format!("media/{id}/{stem}.{ext}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::file_name::FileName;

    #[test]
    fn slugs_read_like_their_titles() {
        assert_eq!(slugify("Summer Camp 2024"), "summer-camp-2024");
        assert_eq!(slugify("Café Zürich 2024"), "cafe-zurich-2024");
        assert_eq!(slugify("  --Hello,   World!!  "), "hello-world");
        assert_eq!(slugify("Ærøskøbing & Ōsaka"), "aeroskobing-osaka");
        assert_eq!(slugify("Crème brûlée 🍮 night"), "creme-brulee-night");
        assert_eq!(slugify("ÀÉÎÕÜ"), "aeiou");
        assert_eq!(slugify("new"), "new", "no route lives under /c/, so no word is reserved");
    }

    #[test]
    fn emoji_or_punctuation_only_titles_get_a_short_random_slug() {
        for title in ["🎉🎉🎉", "!!!", "   ", "🍕 & 🍺"] {
            let slug = slugify(title);
            assert!(slug.starts_with("c-") && slug.len() == 10, "{title:?} -> {slug}");
            assert!(slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        }
        assert_ne!(slugify("🎉"), slugify("🎉"));
    }

    #[test]
    fn slugs_are_capped_without_a_trailing_dash() {
        let slug = slugify(&"word ".repeat(40));
        assert!(slug.len() <= MAX_SLUG_LEN);
        assert!(!slug.ends_with('-'));
        let long = slugify(&"a".repeat(200));
        assert_eq!(long.len(), MAX_SLUG_LEN);
        let taken = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let second = next_candidate(&long, &taken(&[&long]));
        assert!(second.len() <= MAX_SLUG_LEN && second.ends_with("-2"), "{second}");
        // The third long title must not be offered the second one's slug again.
        let third = next_candidate(&long, &taken(&[&long, &second]));
        assert!(third.ends_with("-3") && third.len() <= MAX_SLUG_LEN, "{third}");
    }

    #[test]
    fn a_long_base_that_reads_like_a_suffixed_slug_still_gets_a_new_one() {
        // Found by `make fuzz`: an 80-character slug ending in `-9-2`, once taken, was offered
        // again (its truncated, re-suffixed form was itself), so creation looped.
        let base = slugify(
            "\u{1}9 2#9\u{1}25#9 2 52 8#2#9\u{1}25#9 2 52 8#99 9\n29 2#9 25#9 2 52 8 2#9 25#9 2 52 8#99 9\n299",
        );
        assert_eq!(base, "9-2-9-25-9-2-52-8-2-9-25-9-2-52-8-99-9-29-2-9-25-9-2-52-8-2-9-25-9-2-52-8-99-9-2");
        let taken = vec![base.clone()];
        let next = next_candidate(&base, &taken);
        assert_ne!(next, base);
        assert!(next.len() <= MAX_SLUG_LEN);
        let root = suffix_root(&base);
        let both = vec![base.clone(), format!("{root}-2"), format!("{root}-3")];
        assert_eq!(next_candidate(&base, &both), format!("{root}-4"));
    }

    #[test]
    fn collisions_count_up_from_two() {
        let taken = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(next_candidate("summer", &taken(&[])), "summer");
        assert_eq!(next_candidate("summer", &taken(&["summer"])), "summer-2");
        assert_eq!(next_candidate("summer", &taken(&["summer", "summer-2"])), "summer-3");
        assert_eq!(next_candidate("summer", &taken(&["summer", "summer-2", "summer-10"])), "summer-11");
        // Other slugs that merely start alike do not count.
        assert_eq!(next_candidate("summer", &taken(&["summer-camp", "summer-1"])), "summer");
        // A free base is the best slug, whatever numbered ones exist.
        assert_eq!(next_candidate("summer", &taken(&["summer-2", "summer-3"])), "summer");
    }

    #[test]
    fn keys_are_ours_and_safe_whatever_the_name() {
        let id = Uuid::nil();
        let key = |name: &str| object_key(id, FileName::parse(name).unwrap().as_str());
        assert_eq!(key("Café Zürich 2024.JPG"), format!("media/{id}/cafe-zurich-2024.jpg"));
        assert_eq!(key("photo"), format!("media/{id}/photo"));
        assert_eq!(key(".hidden.png"), format!("media/{id}/hidden.png"));
        assert_eq!(key("🎉🎉.png"), format!("media/{id}/tada-tada.png"));
        assert_eq!(key("___.png"), format!("media/{id}/file.png"));
        assert_eq!(key("a.b.c.tar.gz"), format!("media/{id}/a-b-c-tar.gz"));
        let long = key(&format!("{}.png", "x".repeat(240)));
        assert!(long.len() < 160, "{long}");
        for name in ["..weird..name..", "%2e%2e.png", "x?y#z.png", "名前.png"] {
            let k = key(name);
            assert!(k.starts_with(&format!("media/{id}/")));
            let tail = &k[format!("media/{id}/").len()..];
            assert!(tail.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'), "{k}");
            assert!(!tail.contains(".."), "{k}");
        }
    }
}

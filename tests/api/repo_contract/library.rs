//! The library's listing: keyset paging in every sort, kinds, titles and alt text, and search
//! on the index (word prefixes, ranked, paged).

#[allow(unused_imports)]
use super::*;

pub(super) fn cursor_of(m: &Media) -> MediaCursor {
    MediaCursor::after(m, 0)
}

/// Uploads `names` (one job each, sizes as given) and returns the media ids in upload order.
pub(crate) async fn add_media(repo: &dyn Repo, files: &[(&str, u64, &str)]) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for (name, size, content_type) in files {
        let mut job = new_job(&[name], Duration::hours(1));
        job.files[0].size = *size;
        job.files[0].content_type = ContentType::parse(content_type).unwrap();
        repo.create_upload_job(&job).await.unwrap();
        let media = media();
        repo.complete_upload_file(job.files[0].id, None, &media).await.unwrap();
        ids.push(media.id);
    }
    ids
}

/// Every page of `query` in turn, `page_size` a page, following the cursor each page hands on:
/// the ids seen, with their rank.
async fn all_pages(repo: &dyn Repo, mut query: MediaQuery, page_size: u32) -> Vec<(Uuid, u8)> {
    let mut seen = Vec::new();
    loop {
        let page = repo.list_media_ranked(&query, page_size).await.unwrap();
        seen.extend(page.iter().map(|(m, rank)| (m.id, *rank)));
        match page.last() {
            Some((last, rank)) if page.len() == page_size as usize => {
                query.cursor = Some(MediaCursor::after(last, *rank))
            }
            _ => return seen,
        }
    }
}

pub(super) async fn paging_neither_skips_nor_repeats_while_uploads_arrive(db: &TestDatabase) {
    let repo = db.repo().await;
    let names: Vec<String> = (0..25).map(|i| format!("p{i:02}.png")).collect();
    let files: Vec<(&str, u64, &str)> = names.iter().map(|n| (n.as_str(), 10, "image/png")).collect();
    let original = add_media(repo.as_ref(), &files).await;
    for sort in [MediaSort::Newest, MediaSort::Name, MediaSort::Largest] {
        let mut seen = Vec::new();
        let mut query = MediaQuery { sort, ..MediaQuery::default() };
        let mut round = 0;
        loop {
            let page = repo.list_media(&query, 7).await.unwrap();
            seen.extend(page.iter().map(|m| m.id));
            // New uploads land between page loads; they sort before the cursor (newest) or
            // anywhere (name, size) but never make an old item repeat or vanish.
            let extra = format!("new-{sort:?}-{round}.png");
            add_media(repo.as_ref(), &[(&extra, 10, "image/png")]).await;
            round += 1;
            match page.last() {
                Some(last) if page.len() == 7 => query.cursor = Some(cursor_of(last)),
                _ => break,
            }
        }
        let unique: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{sort:?}: an item repeated");
        for id in &original {
            assert!(seen.contains(id), "{sort:?}: an item was skipped");
        }
    }
}

pub(super) async fn search_kind_and_sorts(db: &TestDatabase) {
    let repo = db.repo().await;
    add_media(
        repo.as_ref(),
        &[
            ("Beach Day.JPG", 300, "image/jpeg"),
            ("beach-video.mp4", 900, "video/mp4"),
            ("mountain.png", 100, "image/png"),
            ("100%_done.png", 200, "image/png"),
        ],
    )
    .await;
    let names = |media: Vec<Media>| media.into_iter().map(|m| m.original_filename).collect::<Vec<_>>();
    let search = |s: &str| MediaQuery { search: Some(s.into()), sort: MediaSort::Name, ..MediaQuery::default() };
    assert_eq!(names(repo.list_media(&search("BEACH"), 10).await.unwrap()), ["Beach Day.JPG", "beach-video.mp4"]);
    // Punctuation separates words and is never query syntax, on either database.
    assert_eq!(names(repo.list_media(&search("100%_d"), 10).await.unwrap()), ["100%_done.png"]);
    assert!(repo.list_media(&search("%_"), 10).await.unwrap().is_empty());
    assert!(repo.list_media(&search("\" * OR :& !"), 10).await.unwrap().is_empty());
    // Words match from their start: "each" is not "beach".
    assert!(repo.list_media(&search("each"), 10).await.unwrap().is_empty());
    let videos = MediaQuery { kind: Some(MediaKind::Video), ..MediaQuery::default() };
    assert_eq!(names(repo.list_media(&videos, 10).await.unwrap()), ["beach-video.mp4"]);
    let images = MediaQuery { kind: Some(MediaKind::Image), sort: MediaSort::Largest, ..MediaQuery::default() };
    assert_eq!(names(repo.list_media(&images, 10).await.unwrap()), ["Beach Day.JPG", "100%_done.png", "mountain.png"]);
    let by_name = MediaQuery { sort: MediaSort::Name, ..MediaQuery::default() };
    assert_eq!(
        names(repo.list_media(&by_name, 10).await.unwrap()),
        ["100%_done.png", "Beach Day.JPG", "beach-video.mp4", "mountain.png"]
    );
}

pub(super) async fn titles_and_alt_text_are_saved_and_searchable(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = add_media(repo.as_ref(), &[("IMG_0001.jpg", 10, "image/jpeg"), ("zebra.jpg", 10, "image/jpeg")]).await;
    let updated = repo
        .update_media(ids[0], &title("Aardvark at dawn"), &alt("An aardvark <b>sniffing</b>"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.title, "Aardvark at dawn");
    assert_eq!(updated.alt_text, "An aardvark <b>sniffing</b>");
    let found = repo.find_media(ids[0]).await.unwrap().unwrap();
    assert_eq!(found, updated);
    let by_alt = MediaQuery { search: Some("sniffing".into()), ..MediaQuery::default() };
    assert_eq!(repo.list_media(&by_alt, 10).await.unwrap()[0].id, ids[0]);
    // The title now decides the name order.
    let by_name = MediaQuery { sort: MediaSort::Name, ..MediaQuery::default() };
    assert_eq!(repo.list_media(&by_name, 10).await.unwrap()[0].id, ids[0]);
    assert!(repo.update_media(Uuid::new_v4(), &title("x"), &alt("y")).await.unwrap().is_none());
    assert!(repo.media_collections(ids[0]).await.unwrap().is_empty());
}

/// Items named `names` (file names) with alt texts, uploaded one second apart, oldest first.
async fn named(db: &TestDatabase, items: &[(&str, &str)]) -> (std::sync::Arc<dyn Repo>, Vec<Uuid>) {
    let clock = Clock::frozen();
    let repo = db.repo_with_clock(clock.clone()).await;
    let mut ids = Vec::new();
    for (name, alt_text) in items {
        clock.advance(Duration::seconds(1));
        let id = add_media(repo.as_ref(), &[(name, 1, "image/jpeg")]).await[0];
        if !alt_text.is_empty() {
            repo.update_media(id, &title(""), &alt(alt_text)).await.unwrap();
        }
        ids.push(id);
    }
    (repo, ids)
}

pub(super) async fn search_matches_word_prefixes_in_every_field(db: &TestDatabase) {
    let (repo, ids) = named(
        db,
        &[("IMG_2034.JPG", "A dog running on the sand"), ("sunset-over-sea.png", ""), ("Été à Nice.jpg", "")],
    )
    .await;
    repo.tag_media(&ids[1..2], &[vitrine::model::tag::TagName::parse("Holiday 2024").unwrap()], &[]).await.unwrap();
    let found = |text: &str| {
        let repo = repo.clone();
        let query = MediaQuery { search: Some(text.into()), ..MediaQuery::default() };
        async move { repo.list_media(&query, 10).await.unwrap().into_iter().map(|m| m.id).collect::<Vec<_>>() }
    };
    // As typed, a letter at a time: the file name's words, its number, the alt text's words.
    assert_eq!(found("img_20").await, [ids[0]]);
    assert_eq!(found("2034").await, [ids[0]]);
    assert_eq!(found("ru").await, [ids[0]]);
    assert_eq!(found("DOG SAN").await, [ids[0]]);
    // Every word must match somewhere; the order of the words does not matter.
    assert!(found("dog sunset").await.is_empty());
    assert_eq!(found("sea sunset").await, [ids[1]]);
    // Tags are found too, and a renamed title is found by its new words only.
    assert_eq!(found("holi").await, [ids[1]]);
    repo.update_media(ids[1], &title("Evening light"), &alt("")).await.unwrap();
    assert_eq!(found("evening").await, [ids[1]]);
    assert_eq!(found("sunset").await, [ids[1]], "the file name still counts");
    // Letters beyond ASCII, in any case.
    assert_eq!(found("été").await, [ids[2]]);
    assert_eq!(found("ÉTÉ nic").await, [ids[2]]);
    // A trashed item is not found.
    repo.trash_media(&[ids[0]], None).await.unwrap();
    assert!(found("dog").await.is_empty());
}

pub(super) async fn best_matches_come_first_and_page_by_keyset(db: &TestDatabase) {
    // Seven items name "river"; six others mention it only in their alt text; one does not.
    let mut items: Vec<(String, String)> = Vec::new();
    for i in 0..13 {
        if i % 2 == 0 {
            items.push((format!("river-{i:02}.jpg"), String::new()));
        } else {
            items.push((format!("photo-{i:02}.jpg"), "down by the river".into()));
        }
    }
    items.push(("lake.jpg".into(), "no flowing water".into()));
    let refs: Vec<(&str, &str)> = items.iter().map(|(n, a)| (n.as_str(), a.as_str())).collect();
    let (repo, ids) = named(db, &refs).await;
    let in_name: Vec<Uuid> = (0..13).rev().filter(|i| i % 2 == 0).map(|i| ids[i]).collect();
    let in_alt: Vec<Uuid> = (0..13).rev().filter(|i| i % 2 == 1).map(|i| ids[i]).collect();
    let query = MediaQuery { search: Some("riv".into()), sort: MediaSort::Relevance, ..MediaQuery::default() };
    let seen = all_pages(repo.as_ref(), query, 4).await;
    let expected: Vec<(Uuid, u8)> = in_name.iter().map(|id| (*id, 0)).chain(in_alt.iter().map(|id| (*id, 1))).collect();
    assert_eq!(seen, expected, "name matches first, then the rest, each newest first, none repeated");
    // Without a search, best match is newest first.
    let all = repo.list_media(&MediaQuery { sort: MediaSort::Relevance, ..MediaQuery::default() }, 100).await.unwrap();
    assert_eq!(all.first().map(|m| m.id), ids.last().copied());
    assert_eq!(all.len(), ids.len());
}

/// Search pages come in exactly the library's order even when items share a timestamp, sit a
/// millisecond apart or arrive with older timestamps than items already there (a clock set
/// back): SQLite's index is read newest key first, and keys follow time only to the millisecond.
pub(super) async fn search_pages_exactly_through_ties_and_out_of_order_arrivals(db: &TestDatabase) {
    let clock = Clock::frozen();
    let repo = db.repo_with_clock(clock.clone()).await;
    // Steps in ms between uploads: ties (0), neighbours (1), and jumps back.
    let steps = [0, 0, 1, 0, 1, -5, 0, 0, 2, -1, 0, 3, 0, -2, 1, 0, 0, 1, -3, 0, 0, 4, 0, 1, 0, 0];
    let mut ids = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        clock.advance(Duration::milliseconds(*step));
        let name = if i % 3 == 0 { format!("photo-{i:02}.jpg") } else { format!("river-{i:02}.jpg") };
        let id = add_media(repo.as_ref(), &[(&name, 1, "image/jpeg")]).await[0];
        if i % 3 == 0 {
            repo.update_media(id, &title(""), &alt("down by the river")).await.unwrap();
        }
        ids.push((id, i % 3 == 0));
    }
    let newest: Vec<Uuid> = repo.list_media(&MediaQuery::default(), 100).await.unwrap().iter().map(|m| m.id).collect();
    let by_name: Vec<(Uuid, u8)> = newest.iter().filter(|id| ids.contains(&(**id, false))).map(|id| (*id, 0)).collect();
    let by_alt: Vec<(Uuid, u8)> = newest.iter().filter(|id| ids.contains(&(**id, true))).map(|id| (*id, 1)).collect();
    for (sort, expected) in [
        (MediaSort::Relevance, by_name.iter().chain(&by_alt).copied().collect::<Vec<_>>()),
        (MediaSort::Newest, newest.iter().map(|id| (*id, 0)).collect()),
    ] {
        for page_size in [3, 4, 7, 100] {
            let query = MediaQuery { search: Some("riv".into()), sort, ..MediaQuery::default() };
            let seen = all_pages(repo.as_ref(), query, page_size).await;
            assert_eq!(seen, expected, "{sort:?}, {page_size} a page");
        }
    }
}

/// Pages through a search whose few hits are all older than the items a page's newest-first
/// walk reads on PostgreSQL (333 per item on the page for names, 33 for the rest): the hits then
/// come from the word index and must still page newest first, exactly, in both ranks.
pub(super) async fn rare_words_older_than_the_walk_page_exactly(db: &TestDatabase) {
    let clock = Clock::frozen();
    let repo = db.repo_with_clock(clock.clone()).await;
    let mut hits = Vec::new();
    // Seven old hits, ties among them: four by name (rank 0), three by alt text (rank 1).
    for (i, step) in [0, 1, 0, 2, 0, 0, 1].iter().enumerate() {
        clock.advance(Duration::milliseconds(*step));
        let by_name = i % 2 == 0;
        let name = if by_name { format!("river-{i}.jpg") } else { format!("stone-{i}.jpg") };
        let id = add_media(repo.as_ref(), &[(&name, 1, "image/jpeg")]).await[0];
        if !by_name {
            repo.update_media(id, &title(""), &alt("down by the river")).await.unwrap();
        }
        hits.push((id, u8::from(!by_name)));
    }
    // Then more newer items than a page of one walks, none of them a hit.
    clock.advance(Duration::seconds(1));
    let names: Vec<String> = (0..340).map(|i| format!("photo-{i:03}.jpg")).collect();
    let files: Vec<(&str, u64, &str)> = names.iter().map(|n| (n.as_str(), 1, "image/jpeg")).collect();
    add_media(repo.as_ref(), &files).await;
    let newest: Vec<Uuid> = repo.list_media(&MediaQuery::default(), 400).await.unwrap().iter().map(|m| m.id).collect();
    let in_order = |rank: Option<u8>| -> Vec<(Uuid, u8)> {
        let ranked = newest.iter().filter_map(|id| hits.iter().find(|(hit, _)| hit == id).copied());
        ranked.filter(|(_, r)| rank.is_none_or(|rank| rank == *r)).collect()
    };
    let best_match: Vec<(Uuid, u8)> = in_order(Some(0)).into_iter().chain(in_order(Some(1))).collect();
    let newest_hits: Vec<(Uuid, u8)> = in_order(None).into_iter().map(|(id, _)| (id, 0)).collect();
    assert_eq!(best_match.len(), 7);
    for (sort, expected) in [(MediaSort::Relevance, best_match), (MediaSort::Newest, newest_hits)] {
        for page_size in [1, 2, 3] {
            let query = MediaQuery { search: Some("river".into()), sort, ..MediaQuery::default() };
            let seen = all_pages(repo.as_ref(), query, page_size).await;
            assert_eq!(seen, expected, "{sort:?}, {page_size} a page");
        }
    }
}

/// A search in both streamed orders keeps the library's other filters: kind and tags narrow
/// the hits of each rank, on every page.
pub(super) async fn search_keeps_the_kind_and_tag_filters(db: &TestDatabase) {
    let clock = Clock::frozen();
    let repo = db.repo_with_clock(clock.clone()).await;
    let mut ids = Vec::new();
    for file in [
        ("river-a.jpg", 1, "image/jpeg"),
        ("river-b.mp4", 1, "video/mp4"),
        ("stone-c.jpg", 1, "image/jpeg"),
        ("river-d.jpg", 1, "image/jpeg"),
        ("lake-e.jpg", 1, "image/jpeg"),
    ] {
        clock.advance(Duration::milliseconds(1));
        ids.extend(add_media(repo.as_ref(), &[file]).await);
    }
    repo.update_media(ids[2], &title(""), &alt("down by the river")).await.unwrap();
    let wet = [vitrine::model::tag::TagName::parse("wet").unwrap()];
    repo.tag_media(&[ids[0], ids[2], ids[4]], &wet, &[]).await.unwrap();
    let images = |tags: Vec<String>, sort| MediaQuery {
        search: Some("river".into()),
        kind: Some(MediaKind::Image),
        tags,
        sort,
        ..MediaQuery::default()
    };
    for page_size in [1, 2, 10] {
        let all = |query| all_pages(repo.as_ref(), query, page_size);
        assert_eq!(
            all(images(vec![], MediaSort::Relevance)).await,
            [(ids[3], 0), (ids[0], 0), (ids[2], 1)],
            "images only, names first, {page_size} a page"
        );
        assert_eq!(
            all(images(vec!["Wet".into()], MediaSort::Relevance)).await,
            [(ids[0], 0), (ids[2], 1)],
            "tagged images only, {page_size} a page"
        );
        assert_eq!(
            all(images(vec!["wet".into()], MediaSort::Newest)).await,
            [(ids[2], 0), (ids[0], 0)],
            "tagged images, newest first, {page_size} a page"
        );
    }
}

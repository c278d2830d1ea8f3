mod helpers;

use std::collections::BTreeSet;

use debrief_library::{ClipQuery, LibraryError};
use debrief_protocol::{OpBody, Tag};
use helpers::*;
use proptest::prelude::*;

#[test]
fn tags_match_case_insensitively_and_keep_the_latest_display_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let a = add(&mut lib, "a", at(0), &["pricing"], b"a");
    let b = add(&mut lib, "b", at(1), &["  PRICING  "], b"b");
    add(&mut lib, "c", at(2), &["Compliance"], b"c");
    // Same key, so one chip; the display is the latest add's.
    let counts = lib.tag_counts().unwrap();
    assert_eq!(counts.len(), 2);
    assert_eq!((counts[0].name.as_str(), counts[0].count), ("PRICING", 2));
    assert_eq!(
        (counts[1].name.as_str(), counts[1].count),
        ("Compliance", 1)
    );
    // Filtering by any case finds both.
    let q = ClipQuery {
        tags: tags(&["Pricing"]),
        ..ClipQuery::page(10, 0)
    };
    let ids: Vec<_> = lib.list(&q).unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![b.id, a.id]);
    // Re-adding with the same display is a no-op; another case re-adds.
    let n = lib.outbox_len().unwrap();
    let same = lib.tag(a.id, &tags(&["pricing"]), &[]).unwrap();
    assert_eq!(same.tags, vec!["pricing"]);
    assert_eq!(lib.outbox_len().unwrap(), n);
    let recased = lib.tag(a.id, &tags(&["Pricing"]), &[]).unwrap();
    assert_eq!(recased.tags, vec!["Pricing"]);
    assert_eq!(lib.outbox_len().unwrap(), n + 1);
}

#[test]
fn removing_a_tag_names_every_add_it_saw() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let c = add(&mut lib, "a", at(0), &["pricing"], b"a");
    lib.tag(c.id, &tags(&["Pricing"]), &[]).unwrap();
    let adds: Vec<_> = lib
        .outbox(100)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.op.body, OpBody::TagAdded { .. }))
        .map(|e| e.op.op_id)
        .collect();
    assert_eq!(adds.len(), 2);
    let after = lib.tag(c.id, &[], &tags(&["PRICING"])).unwrap();
    assert!(after.tags.is_empty());
    let last = lib.outbox(100).unwrap().pop().unwrap();
    match last.op.body {
        OpBody::TagRemoved {
            clip_id,
            tag,
            removes,
        } => {
            assert_eq!(clip_id, c.id);
            assert_eq!(tag, "Pricing");
            assert_eq!(
                removes.into_iter().collect::<BTreeSet<_>>(),
                adds.into_iter().collect()
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = lib.tag(c.id, &[], &tags(&["pricing"])).unwrap_err();
    assert!(matches!(err, LibraryError::InvalidInput(_)));
    assert!(err.to_string().contains("has no tag 'pricing'"), "{err}");
}

#[test]
fn every_change_writes_exactly_its_ops_to_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let c = add(&mut lib, "title", at(0), &["one", "two"], b"a");
    lib.edit(c.id, None, Some("n")).unwrap();
    lib.tag(c.id, &tags(&["three"]), &tags(&["one"])).unwrap();
    lib.delete(c.id).unwrap();
    let ops = lib.outbox(100).unwrap();
    let kinds: Vec<_> = ops.iter().map(|e| e.op.body.kind_name()).collect();
    assert_eq!(
        kinds,
        [
            "clip_created",
            "tag_added",
            "tag_added",
            "clip_edited",
            "tag_added",
            "tag_removed",
            "clip_deleted"
        ]
    );
    // Every op is about this clip, op ids are unique, and HLCs strictly increase.
    assert!(ops.iter().all(|e| e.op.body.clip_id() == Some(c.id)));
    let ids: BTreeSet<_> = ops.iter().map(|e| e.op.op_id).collect();
    assert_eq!(ids.len(), ops.len());
    for pair in ops.windows(2) {
        assert!(pair[0].op.hlc < pair[1].op.hlc);
        assert!(pair[0].seq < pair[1].seq);
    }
    assert!(ops.iter().all(|e| e.op.hlc.node == lib.device_id()));
    match &ops[0].op.body {
        OpBody::ClipCreated {
            title,
            sha256,
            bytes,
            ..
        } => {
            assert_eq!(title, "title");
            assert_eq!(sha256, &c.sha256);
            assert_eq!(*bytes, 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn search_finds_prefixes_across_fields_and_ignores_diacritics() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    let c1 = add(
        &mut lib,
        "How I handled the compliance questions",
        at(0),
        &["Objections"],
        b"1",
    );
    let c2 = add(&mut lib, "Pricing at the café", at(1), &[], b"2");
    let c3 = add(&mut lib, "Renewal call", at(2), &["pricing"], b"3");
    let find = |lib: &debrief_library::Library, text: &str, tag: &[&str]| -> Vec<_> {
        let q = ClipQuery {
            text: Some(text.into()),
            tags: tags(tag),
            ..ClipQuery::page(50, 0)
        };
        lib.list(&q).unwrap().into_iter().map(|c| c.id).collect()
    };
    assert_eq!(find(&lib, "compl", &[]), vec![c1.id]);
    assert_eq!(find(&lib, "COMPL quest", &[]), vec![c1.id]);
    assert_eq!(
        find(&lib, "compl renewal", &[]),
        Vec::<debrief_protocol::ClipId>::new(),
        "terms are ANDed"
    );
    assert_eq!(
        find(&lib, "pric", &[]),
        vec![c3.id, c2.id],
        "title or tag, newest first"
    );
    assert_eq!(find(&lib, "pric", &["pricing"]), vec![c3.id]);
    assert_eq!(find(&lib, "cafe", &[]), vec![c2.id], "diacritics removed");
    assert_eq!(
        find(&lib, "object", &[]),
        vec![c1.id],
        "tags are searchable"
    );
    assert_eq!(
        find(&lib, "riley", &[]),
        vec![c3.id, c2.id, c1.id],
        "author is searchable"
    );
    // FTS syntax typed by a user is just text.
    assert!(find(&lib, "\"unbalanced AND (", &[]).is_empty());
    lib.edit(c3.id, Some("Renegotiation"), None).unwrap();
    assert_eq!(
        find(&lib, "renewal", &[]),
        Vec::<debrief_protocol::ClipId>::new(),
        "the index follows edits"
    );
    assert_eq!(find(&lib, "reneg", &[]), vec![c3.id]);
}

#[test]
fn listing_is_newest_first_and_pages_without_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = open(dir.path());
    // Insert out of order, with ties on recorded_at.
    let mut expected = Vec::new();
    for (i, secs) in [5, 1, 9, 5, 3, 9, 0].into_iter().enumerate() {
        let c = add(
            &mut lib,
            &format!("clip {i}"),
            at(secs),
            &[],
            format!("{i}").as_bytes(),
        );
        expected.push((c.recorded_at, c.id));
    }
    let page1 = lib.list(&ClipQuery::page(4, 0)).unwrap();
    let page2 = lib.list(&ClipQuery::page(4, 4)).unwrap();
    assert_eq!(page1.len(), 4);
    assert_eq!(page2.len(), 3);
    let all: Vec<_> = page1.iter().chain(&page2).map(|c| c.recorded_at).collect();
    let mut sorted = all.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(all, sorted);
    let ids: BTreeSet<_> = page1.iter().chain(&page2).map(|c| c.id).collect();
    assert_eq!(ids.len(), 7);
}

// --- property test: FTS agrees with a brute-force filter ---------------

const WORDS: &[&str] = &[
    "pricing",
    "price",
    "objection",
    "compliance",
    "complex",
    "renewal",
    "discount",
    "budget",
    "champion",
    "legal",
    "security",
    "procurement",
    "onboarding",
    "demo",
    "closing",
    "pilot",
    "competitor",
    "timeline",
];

#[derive(Debug, Clone)]
struct Doc {
    title: Vec<usize>,
    notes: Vec<usize>,
    tags: Vec<usize>,
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        proptest::collection::vec(0..WORDS.len(), 1..4),
        proptest::collection::vec(0..WORDS.len(), 0..4),
        proptest::collection::btree_set(0..WORDS.len(), 0..3).prop_map(|s| s.into_iter().collect()),
    )
        .prop_map(|(title, notes, tags)| Doc { title, notes, tags })
}

fn words_of(d: &Doc) -> Vec<&'static str> {
    d.title
        .iter()
        .chain(&d.notes)
        .chain(&d.tags)
        .map(|&i| WORDS[i])
        .chain(["riley", "rep"])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn fts_matches_brute_force(
        docs in proptest::collection::vec(doc(), 1..25),
        queries in proptest::collection::vec((proptest::collection::vec((0..WORDS.len(), 1..6usize), 0..3), proptest::option::of(0..WORDS.len())), 1..8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut lib = open(dir.path());
        let mut clips = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            let title: Vec<_> = d.title.iter().map(|&w| WORDS[w]).collect();
            let tag_names: Vec<_> = d.tags.iter().map(|&w| WORDS[w]).collect();
            let c = add(&mut lib, &title.join(" "), at(i as i64 % 7), &tag_names, format!("{i}").as_bytes());
            let notes: Vec<_> = d.notes.iter().map(|&w| WORDS[w]).collect();
            lib.edit(c.id, None, Some(&notes.join(" "))).unwrap();
            clips.push((lib.clip(c.id).unwrap(), d.clone()));
        }
        for (terms, tag) in queries {
            let prefixes: Vec<String> = terms.iter().map(|&(w, len)| WORDS[w].chars().take(len).collect()).collect();
            let mut expected: Vec<_> = clips
                .iter()
                .filter(|(_, d)| prefixes.iter().all(|p| words_of(d).iter().any(|w| w.starts_with(p.as_str()))))
                .filter(|(_, d)| tag.is_none_or(|t| d.tags.contains(&t)))
                .map(|(c, _)| c.clone())
                .collect();
            expected.sort_by(|a, b| b.recorded_at.cmp(&a.recorded_at).then(b.created_at.cmp(&a.created_at)));
            let q = ClipQuery {
                text: if prefixes.is_empty() { None } else { Some(prefixes.join(" ")) },
                tags: tag.map(|t| vec![Tag::parse(WORDS[t]).unwrap()]).unwrap_or_default(),
                ..ClipQuery::page(1000, 0)
            };
            let got = lib.list(&q).unwrap();
            let got_ids: BTreeSet<_> = got.iter().map(|c| c.id).collect();
            let exp_ids: BTreeSet<_> = expected.iter().map(|c| c.id).collect();
            prop_assert_eq!(&got_ids, &exp_ids, "query {:?} tag {:?}", prefixes, tag);
            // Newest first.
            for pair in got.windows(2) {
                prop_assert!(pair[0].recorded_at >= pair[1].recorded_at);
            }
        }
    }
}

use super::*;

#[test]
fn updates_keep_the_history_and_need_a_new_sign_off() {
    let mut c = TestChain::new();
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::NotOpen)),
    );
    let review = |version, approve, note: &str| {
        Payload::ReviewCatalogEntry(ReviewCatalogEntry {
            entry_id: 1,
            version,
            approve,
            note: note.into(),
        })
    };
    assert_eq!(
        c.rejected("health-cdo", review(1, true, "")).0,
        "not_authorized",
        "only designated reviewers sign off"
    );
    c.ok("health-reviewer", review(1, true, ""));
    assert!(matches!(c.entry(1).review, ReviewStatus::Approved { .. }));
    let mut s = spec(ShareType::Unconditional, OpenMode::Open);
    s.name = "Birth registrations (v2)".into();
    assert_eq!(
        c.rejected(
            "police-cdo",
            Payload::UpdateCatalogEntry(UpdateCatalogEntry {
                entry_id: 1,
                spec: s.clone()
            })
        )
        .0,
        "wrong_organization"
    );
    assert_eq!(
        c.rejected(
            "health-app",
            Payload::UpdateCatalogEntry(UpdateCatalogEntry {
                entry_id: 1,
                spec: s.clone()
            })
        )
        .0,
        "not_authorized"
    );
    c.ok(
        "health-reviewer",
        Payload::UpdateCatalogEntry(UpdateCatalogEntry {
            entry_id: 1,
            spec: s,
        }),
    );
    let e = c.entry(1);
    assert_eq!(
        (e.version, e.spec.name.as_str(), e.review.clone()),
        (2, "Birth registrations (v2)", ReviewStatus::Pending)
    );
    let v1: CatalogEntryVersion = c.read(&keys::entry_version(1, 1));
    assert_eq!(v1.spec.name, "Birth registrations");
    assert!(matches!(v1.review, ReviewStatus::Approved { .. }));
    assert_eq!(
        c.rejected("health-reviewer", review(1, true, "")).0,
        "version_mismatch"
    );
    assert_eq!(
        c.rejected("health-reviewer", review(2, false, "")).1,
        "note: must not be empty"
    );
    c.ok(
        "health-reviewer",
        review(2, false, "classification is wrong"),
    );
    assert!(matches!(
        c.entry(1).review,
        ReviewStatus::ChangesRequested { .. }
    ));
}

#[test]
fn one_datum_one_source() {
    let mut c = TestChain::new();
    let mut s = spec(ShareType::Conditional, OpenMode::NotOpen);
    s.fields[0].element_code = Some("DE-0001-ID".into());
    c.ok("health-cdo", publish(s.clone()));
    c.ok("health-cdo", publish(s.clone()));
    let (code_, reason) = c.rejected("police-cdo", publish(s));
    assert_eq!(code_, "data_element_taken");
    assert!(
        reason.contains(&code(1)) && reason.contains("catalog entry 1"),
        "names the existing source: {reason}"
    );
    let de: DataElement = c.read(&keys::data_element("DE-0001-ID"));
    assert_eq!((de.source.as_str(), de.entry_id), (code(1).as_str(), 1));
}

#[test]
fn declared_changes_must_be_reflected_within_two_working_days() {
    let mut c = TestChain::new();
    c.advance_to(at("2025-10-10", 9));
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::NotOpen)),
    );
    let declare = |kind| {
        Payload::DeclareChange(DeclareChange {
            entry_id: 1,
            kind,
            note: "new field".into(),
        })
    };
    c.ok("health-cdo", declare(ChangeKind::Data));
    // Friday 10 October: Saturday 11 is a make-up working day, then Monday 13.
    assert_eq!(c.entry(1).update_due, Some(at("2025-10-14", 0)));
    c.ok("health-cdo", declare(ChangeKind::LawOrDuty));
    assert_eq!(
        c.entry(1).update_due,
        Some(at("2025-10-14", 0)),
        "a later declaration does not extend an open deadline"
    );
    c.advance_to(at("2025-10-14", 0));
    c.block(&[]);
    assert!(c.entry(1).update_overdue);
    assert_eq!(
        c.block_events,
        vec![Event::EntryUpdateOverdue {
            entry_id: 1,
            due: at("2025-10-14", 0)
        }]
    );
    assert_eq!(c.scorecard(1).entries_update_overdue, 1);
    assert_eq!(c.scorecard(1).entries_up_to_date(), 0);
    c.ok(
        "health-cdo",
        Payload::UpdateCatalogEntry(UpdateCatalogEntry {
            entry_id: 1,
            spec: spec(ShareType::Conditional, OpenMode::NotOpen),
        }),
    );
    let e = c.entry(1);
    assert_eq!((e.update_due, e.update_overdue), (None, false));
    assert_eq!(c.scorecard(1).entries_update_overdue, 0);
}

#[test]
fn every_entry_is_reviewed_yearly() {
    let mut c = TestChain::new();
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::NotOpen)),
    );
    let due = c.entry(1).review_due;
    c.advance_to(due - 5000);
    c.block(&[]);
    assert!(!c.entry(1).review_overdue);
    c.advance_to(due);
    c.block(&[]);
    assert!(c.entry(1).review_overdue);
    assert_eq!(
        c.block_events,
        vec![Event::EntryReviewOverdue { entry_id: 1, due }]
    );
    c.ok(
        "health-reviewer",
        Payload::ReviewCatalogEntry(ReviewCatalogEntry {
            entry_id: 1,
            version: 1,
            approve: true,
            note: String::new(),
        }),
    );
    let e = c.entry(1);
    assert!(!e.review_overdue);
    assert!(e.review_due > due + 360 * DAY_MS);
    assert_eq!(c.scorecard(1).entries_review_overdue, 0);
}

#[test]
fn the_negative_list_is_the_cdos() {
    let mut c = TestChain::new();
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::Open)),
    );
    let set = |basis: Option<&str>| {
        Payload::SetNegativeList(SetNegativeList {
            entry_id: 1,
            basis: basis.map(String::from),
        })
    };
    assert_eq!(
        c.rejected("health-reviewer", set(Some("x"))).0,
        "not_authorized"
    );
    c.ok(
        "health-cdo",
        set(Some("Personal Information Protection Law art. 28")),
    );
    assert!(c.entry(1).negative_list_basis.is_some());
    c.ok("health-cdo", set(None));
    assert!(c.entry(1).negative_list_basis.is_none());
}

use super::*;
use crate::deadlines::Due;

#[test]
fn a_block_of_access_events_commits_them_in_one_bucket() {
    let mut c = with_pending_request();
    c.ok("health-reviewer", approve(1, Some(100)));
    let txs = vec![
        c.sign(&key("health-cdo"), access(1, "police-app", &["name"], 5)),
        c.sign(&key("health-cdo"), access(1, "police-app", &["name"], 6)),
        c.sign(&key("health-cdo"), access(1, "police-app", &["name"], 7)),
    ];
    let receipts = c.block(&txs);
    assert!(receipts.iter().all(|r| r.is_success()));
    let bucket: AccessBucket = c.read(&keys::access_bucket(c.height));
    assert_eq!(
        (bucket.height, bucket.first_id, bucket.count),
        (c.height, 1, 3)
    );
    let records: Vec<(u64, Vec<u8>)> = (1..=3)
        .map(|id| (id, c.state.0[&keys::access_event(id)].clone()))
        .collect();
    let refs: Vec<(u64, &[u8])> = records.iter().map(|(i, b)| (*i, b.as_slice())).collect();
    assert_eq!(AccessBucket::of(c.height, &refs), Some(bucket.clone()));
    for (id, bytes) in &refs {
        let m = BucketMembership::prove(&bucket, &refs, *id).unwrap();
        assert_eq!(m.check(*id, c.height, bytes), Ok(()));
    }
    // A block without access events has no bucket.
    c.block(&[]);
    assert!(!c.state.0.contains_key(&keys::access_bucket(c.height)));
}

#[test]
fn the_whole_flow_from_entry_to_access() {
    let mut c = with_pending_request();
    let r = c.request(1);
    assert_eq!(
        (r.status.clone(), r.channel, r.required_approvals),
        (RequestStatus::Pending, RequestChannel::Sharing, 1)
    );
    c.ok("health-reviewer", approve(1, Some(100)));
    assert_eq!(c.request(1).status, RequestStatus::Granted { grant_id: 1 });
    let g = c.grant(1);
    assert_eq!(g.grantee, code(2));
    assert_eq!(g.expires_at, c.time + 30 * DAY_MS);
    assert_eq!(
        g.masking,
        vec![
            FieldMasking {
                field: "name".into(),
                rule: MaskingRule::Name
            },
            FieldMasking {
                field: "district".into(),
                rule: MaskingRule::None
            }
        ]
    );
    c.ok("health-cdo", access(1, "police-app", &["name"], 60));
    let ev: AccessEvent = c.read(&keys::access_event(1));
    assert_eq!(
        (ev.rows, ev.accessor_org.as_str(), ev.provider.as_str()),
        (60, code(2).as_str(), code(1).as_str())
    );
    assert_eq!(c.grant(1).rows_used, 60);
    let health = c.scorecard(1);
    assert_eq!(
        (
            health.requests_received,
            health.requests_answered_on_time,
            health.accesses_served,
            health.rows_served
        ),
        (1, 1, 1, 60)
    );
    assert_eq!(c.scorecard(2).accesses_made, 1);
}

#[test]
fn unconditional_entries_are_granted_at_once() {
    let mut c = TestChain::new();
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Unconditional, OpenMode::Open)),
    );
    let events = c.ok("police-app", request(1, &["district"]));
    assert!(matches!(events[1], Event::GrantIssued { grant_id: 1, .. }));
    assert_eq!(c.request(1).status, RequestStatus::Granted { grant_id: 1 });
}

#[test]
fn approval_may_need_k_of_n_provider_signers() {
    let mut c = TestChain::new();
    let mut s = spec(ShareType::Conditional, OpenMode::NotOpen);
    s.approval_threshold = Some(2);
    c.ok("health-cdo", publish(s));
    c.ok("police-app", request(1, &["name"]));
    let ev = c.ok("health-reviewer", approve(1, None));
    assert_eq!(
        ev,
        vec![Event::ShareRequestApproved {
            request_id: 1,
            approvals: 1,
            required: 2
        }]
    );
    assert_eq!(
        c.request(1).status,
        RequestStatus::Pending,
        "one approval of two grants nothing"
    );
    assert!(c.try_read::<Grant>(&keys::grant(1)).is_none());
    let (code_, _) = c.rejected("health-reviewer", approve(1, None));
    assert_eq!(code_, "already_approved");
    c.ok("health-reviewer-2", approve(1, Some(5)));
    assert_eq!(c.request(1).status, RequestStatus::Granted { grant_id: 1 });
    assert_eq!(c.grant(1).quota_rows, Some(5));
}

#[test]
fn a_department_threshold_applies_to_entries_without_their_own() {
    let mut c = TestChain::new();
    c.ok(
        "health-cdo",
        Payload::SetApprovalThreshold(SetApprovalThreshold { threshold: 3 }),
    );
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::NotOpen)),
    );
    c.ok("police-app", request(1, &["name"]));
    assert_eq!(c.request(1).required_approvals, 3);
    let (code_, reason) = c.rejected(
        "health-cdo",
        Payload::SetApprovalThreshold(SetApprovalThreshold { threshold: 4 }),
    );
    assert_eq!(code_, "invalid_field");
    assert!(reason.contains("1 to 3"), "{reason}");
}

#[test]
fn withdraw_reject_and_revoke() {
    let mut c = with_pending_request();
    assert_eq!(
        c.rejected(
            "civil-app",
            Payload::WithdrawShareRequest(WithdrawShareRequest { request_id: 1 })
        )
        .0,
        "wrong_organization"
    );
    c.ok(
        "police-app",
        Payload::WithdrawShareRequest(WithdrawShareRequest { request_id: 1 }),
    );
    assert_eq!(c.request(1).status, RequestStatus::Withdrawn);
    assert_eq!(
        c.rejected("health-cdo", approve(1, None)),
        (
            "request_not_pending".into(),
            "share request 1 is withdrawn, not pending".into()
        )
    );

    c.ok("police-app", request(1, &["name"]));
    assert_eq!(
        c.rejected("health-cdo", reject(2, " ")).1,
        "reason: must not be empty"
    );
    c.ok("health-cdo", reject(2, "purpose not covered by law"));
    assert_eq!(
        c.request(2).status,
        RequestStatus::Rejected {
            reason: "purpose not covered by law".into()
        }
    );

    c.ok("police-app", request(1, &["name"]));
    c.ok("health-cdo", approve(3, None));
    c.ok("health-cdo", access(1, "police-app", &["name"], 1));
    assert_eq!(
        c.rejected(
            "police-cdo",
            Payload::RevokeGrant(RevokeGrant {
                grant_id: 1,
                reason: "x".into()
            })
        )
        .0,
        "wrong_organization"
    );
    c.ok(
        "health-reviewer",
        Payload::RevokeGrant(RevokeGrant {
            grant_id: 1,
            reason: "misuse reported".into(),
        }),
    );
    let (code_, reason) = c.rejected("health-cdo", access(1, "police-app", &["name"], 1));
    assert_eq!(code_, "grant_revoked");
    assert!(reason.contains("misuse reported"));
    assert_eq!(
        c.rejected(
            "health-cdo",
            Payload::RevokeGrant(RevokeGrant {
                grant_id: 1,
                reason: "again".into()
            })
        )
        .0,
        "grant_revoked"
    );
}

#[test]
fn an_unanswered_request_is_overdue_at_the_first_block_past_ten_working_days() {
    let mut c = TestChain::new();
    c.advance_to(at("2025-09-26", 10));
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::NotOpen)),
    );
    c.ok("police-app", request(1, &["name"]));
    assert_eq!(
        c.request(1).answer_due,
        at("2025-10-17", 0),
        "National Day week and its make-up days counted"
    );
    c.advance_to(at("2025-10-16", 23) - 1000);
    c.block(&[]);
    assert!(!c.request(1).overdue, "still within the tenth working day");
    assert!(c.block_events.is_empty());
    c.advance_to(at("2025-10-17", 0));
    c.block(&[]);
    assert!(c.request(1).overdue);
    assert_eq!(
        c.block_events,
        vec![Event::ShareRequestOverdue {
            request_id: 1,
            due: at("2025-10-17", 0)
        }]
    );
    assert_eq!(c.scorecard(1).requests_overdue, 1);
    c.block(&[]);
    assert!(c.block_events.is_empty(), "marked once");
    c.ok("health-cdo", approve(1, None));
    let card = c.scorecard(1);
    assert_eq!(
        (
            card.requests_overdue,
            card.requests_answered_late,
            card.requests_answered_on_time
        ),
        (0, 1, 0)
    );
}

#[test]
fn an_answer_in_time_is_never_marked_overdue() {
    let mut c = with_pending_request();
    c.ok("health-cdo", reject(1, "no basis"));
    c.advance_days(40);
    c.block(&[]);
    assert!(!c.request(1).overdue);
    assert!(c.block_events.is_empty());
    assert_eq!(c.scorecard(1).requests_answered_on_time, 1);
}

#[test]
fn grants_expire_by_block_time() {
    let mut c = with_grant();
    let g = c.grant(1);
    c.advance_to(g.expires_at - 2000);
    c.ok("health-cdo", access(1, "police-app", &["name"], 1));
    let (code_, _) = c.rejected("health-cdo", access(1, "police-app", &["name"], 1));
    assert_eq!(code_, "grant_expired");
}

#[test]
fn outside_applicants_follow_the_open_mode() {
    let mut c = TestChain::new();
    register_applicant(&mut c);
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::Open)),
    );
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Unconditional, OpenMode::OnApplication)),
    );
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Unconditional, OpenMode::NotOpen)),
    );
    let ev = c.ok("applicant-app", request(1, &["district"]));
    assert!(
        matches!(ev[1], Event::GrantIssued { .. }),
        "open entries are granted at once"
    );
    assert_eq!(c.request(1).channel, RequestChannel::Opening);
    c.ok("applicant-app", request(2, &["district"]));
    assert_eq!(
        c.request(2).status,
        RequestStatus::Pending,
        "open on application waits for the provider"
    );
    let (code_, reason) = c.rejected("applicant-app", request(3, &["district"]));
    assert_eq!(code_, "entry_not_open");
    assert!(reason.contains("Statistics Law"), "{reason}");
    c.ok(
        "health-cdo",
        Payload::SetNegativeList(SetNegativeList {
            entry_id: 1,
            basis: Some("national security".into()),
        }),
    );
    let (code_, reason) = c.rejected("applicant-app", request(1, &["district"]));
    assert_eq!(code_, "entry_not_open");
    assert!(reason.contains("negative list: national security"));
}

#[test]
fn contract_based_opening_needs_all_three_signatures() {
    let mut c = TestChain::new();
    register_applicant(&mut c);
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::OnApplication)),
    );
    let digest = Hash::tagged(b"agreement", &[b"text of the agreement"]);
    let propose = Payload::ProposeAgreement(ProposeAgreement {
        entry_id: 1,
        applicant: code(5),
        digest,
        fields: vec!["district".into()],
        purpose: "research on population density".into(),
        period_days: 90,
        quota_rows: Some(1000),
    });
    assert_eq!(
        c.rejected("health-cdo", propose.clone()).0,
        "wrong_organization"
    );
    c.ok("operator", propose);
    let sign = |d: Hash| {
        Payload::SignAgreement(SignAgreement {
            agreement_id: 1,
            digest: d,
        })
    };
    assert_eq!(c.rejected("police-cdo", sign(digest)).0, "not_a_party");
    assert_eq!(
        c.rejected("health-cdo", sign(Hash::ZERO)).0,
        "agreement_mismatch"
    );
    c.ok("health-cdo", sign(digest));
    assert_eq!(c.rejected("health-cdo", sign(digest)).0, "already_signed");
    assert!(
        c.try_read::<Grant>(&keys::grant(1)).is_none(),
        "two of three signatures grant nothing"
    );
    let ev = c.ok("applicant-app", sign(digest));
    assert!(matches!(
        ev[1],
        Event::GrantIssued {
            grant_id: 1,
            request_id: 0,
            ..
        }
    ));
    let g = c.grant(1);
    assert_eq!(
        (g.agreement_id, g.grantee.as_str(), g.quota_rows),
        (Some(1), code(5).as_str(), Some(1000))
    );
    let a: Agreement = c.read(&keys::agreement(1));
    assert_eq!(a.status, AgreementStatus::Active { grant_id: 1 });
}

#[test]
fn objections_are_answered_or_marked_overdue() {
    let mut c = with_grant();
    let raise = |field: &str| {
        Payload::RaiseObjection(RaiseObjection {
            grant_id: 1,
            field: field.into(),
            record_ref: "row 17".into(),
            description: "name misspelt".into(),
        })
    };
    assert_eq!(
        c.rejected("civil-app", raise("name")).0,
        "wrong_organization"
    );
    assert_eq!(
        c.rejected("police-app", raise("salary")).0,
        "field_not_in_entry"
    );
    c.ok("police-app", raise("name"));
    c.ok("police-app", raise("district"));
    let answer = |id, corrected, note: &str| {
        Payload::AnswerObjection(AnswerObjection {
            objection_id: id,
            corrected,
            note: note.into(),
        })
    };
    assert_eq!(
        c.rejected("police-cdo", answer(1, true, "fixed")).0,
        "wrong_organization"
    );
    c.ok(
        "health-reviewer",
        answer(1, true, "corrected at the source"),
    );
    assert_eq!(
        c.rejected("health-reviewer", answer(1, false, "again")).0,
        "objection_closed"
    );
    let o: Objection = c.read(&keys::objection(1));
    assert_eq!(
        o.status,
        ObjectionStatus::Corrected {
            note: "corrected at the source".into()
        }
    );
    c.advance_days(14);
    c.block(&[]);
    let o2: Objection = c.read(&keys::objection(2));
    assert!(o2.overdue);
    assert!(c.block_events.contains(&Event::ObjectionOverdue {
        objection_id: 2,
        due: o2.answer_due
    }));
    let card = c.scorecard(1);
    assert_eq!(
        (
            card.objections_received,
            card.objections_resolved,
            card.objections_overdue
        ),
        (2, 1, 1)
    );
}

#[test]
fn an_access_event_indexes_its_subjects_by_keyed_hash_only() {
    let mut c = with_grant();
    let key = [7u8; 32];
    let person = kuai_types::identifiers::complete_resident_id("11010519491231002");
    let subject = kuai_types::identifiers::subject_hash(&key, &person).unwrap();
    let mut p = access(1, "police-app", &["name"], 1);
    if let Payload::RecordAccess(r) = &mut p {
        r.subjects = vec![subject];
    }
    c.ok("health-cdo", p);
    let ev: AccessEvent = c.read(&keys::access_event(1));
    assert_eq!(ev.subjects, 1);
    assert!(c.state.0.contains_key(&keys::subject_access(&subject, 1)));
    assert!(
        !c.state
            .0
            .values()
            .any(|v| v.windows(person.len()).any(|w| w == person.as_bytes())),
        "no raw ID number in state"
    );
    let mut too_many = access(1, "police-app", &["name"], 1);
    if let Payload::RecordAccess(r) = &mut too_many {
        r.subjects = vec![subject; kuai_types::payload::MAX_SUBJECTS + 1];
    }
    let (code, reason) = c.rejected("health-cdo", too_many);
    assert_eq!(code, "invalid_field");
    assert!(reason.contains("subjects"), "{reason}");
}

#[test]
fn deadline_filings_are_one_group_per_block_and_day_and_fall_due_alike() {
    for groups in [0, 1, 3] {
        let mut c = TestChain::from_spec(GenesisSpec {
            deadline_groups_from: groups,
            ..genesis_spec()
        });
        c.advance_to(at("2025-09-26", 10));
        c.ok(
            "health-cdo",
            publish(spec(ShareType::Conditional, OpenMode::NotOpen)),
        );
        let app = key("police-app");
        let three: Vec<SignedTransaction> = (0..3)
            .map(|_| c.sign(&app, request(1, &["name"])))
            .collect();
        assert!(c.block(&three).iter().all(Receipt::is_success));
        c.ok("police-app", request(1, &["name"]));
        let due = at("2025-10-17", 0);
        assert!((1..=4).all(|id| c.request(id).answer_due == due));
        let day = crate::calendar::day_of(due - 1);
        let raw = |key: Vec<u8>| c.state.0.get(&key).cloned();
        let group = |first: u64| {
            raw(keys::deadline_group(day, first))
                .map(|b| kuai_types::codec::decode::<Vec<Due>>(&b, 1 << 20).unwrap())
        };
        let want = |ids: std::ops::RangeInclusive<u64>| Some(ids.map(Due::RequestAnswer).collect());
        let items = |n: std::ops::Range<u64>| {
            n.map(|n| raw(keys::deadline_item(day, n)).is_some())
                .collect::<Vec<_>>()
        };
        match groups {
            // Heights 2 (three requests) and 3 (one) both group.
            1 => {
                assert_eq!(group(0), want(1..=3), "one value for the block's three");
                assert_eq!(group(3), want(4..=4));
                assert_eq!(items(0..4), [false; 4]);
            }
            // Groups from height 3: the day holds both forms.
            3 => {
                assert_eq!(group(0), None);
                assert_eq!(items(0..4), [true, true, true, false]);
                assert_eq!(group(3), want(4..=4));
            }
            _ => {
                assert_eq!(group(0), None);
                assert_eq!(group(3), None);
                assert_eq!(items(0..4), [true; 4]);
            }
        }
        assert_eq!(
            raw(keys::deadlines(day)),
            Some(kuai_types::codec::encode(&4u64)),
            "the day's counter counts items either way"
        );
        c.advance_to(due);
        c.block(&[]);
        let overdue: Vec<Event> = (1..=4)
            .map(|request_id| Event::ShareRequestOverdue { request_id, due })
            .collect();
        assert_eq!(c.block_events, overdue, "groups {groups}");
        assert_eq!(c.scorecard(1).requests_overdue, 4);
        let raw = |key: Vec<u8>| c.state.0.get(&key).cloned();
        assert_eq!(raw(keys::deadlines(day)), None, "the sweep removes the day");
        for n in 0..4 {
            assert_eq!(raw(keys::deadline_item(day, n)), None);
            assert_eq!(raw(keys::deadline_group(day, n)), None);
        }
    }
}

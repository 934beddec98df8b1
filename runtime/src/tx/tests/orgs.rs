use super::*;

#[test]
fn register_applicants_only_through_the_operator() {
    let mut c = TestChain::new();
    let reg = |cc: String, kind: OrgKind, k: &str| {
        Payload::RegisterOrganization(RegisterOrganization {
            credit_code: cc,
            name: "Qianxing Data".into(),
            kind,
            members: vec![member(&key(k), Role::Cdo)],
        })
    };
    assert_eq!(
        c.rejected("health-cdo", reg(code(5), OrgKind::ExternalApplicant, "a"))
            .0,
        "wrong_organization"
    );
    assert_eq!(
        c.rejected("operator", reg(code(5), OrgKind::Department, "a"))
            .0,
        "requires_governance"
    );
    let mut bad = code(5);
    bad.replace_range(17..18, if bad.ends_with('0') { "1" } else { "0" });
    let (code_, reason) = c.rejected("operator", reg(bad, OrgKind::ExternalApplicant, "a"));
    assert_eq!(code_, "invalid_identifier");
    assert!(reason.contains("check character"));
    assert_eq!(
        c.rejected("operator", reg(code(1), OrgKind::ExternalApplicant, "a"))
            .0,
        "organization_exists"
    );
    assert_eq!(
        c.rejected(
            "operator",
            reg(code(5), OrgKind::ExternalApplicant, "health-cdo")
        )
        .0,
        "key_already_member"
    );
    c.ok("operator", reg(code(5), OrgKind::ExternalApplicant, "a"));
    assert_eq!(
        c.rejected("stranger", reg(code(6), OrgKind::ExternalApplicant, "b"))
            .0,
        "unknown_signer"
    );
}

#[test]
fn keys_rotate_with_history() {
    let mut c = TestChain::new();
    let new_key = key("police-app-2026");
    let h = c.height + 1;
    c.ok(
        "police-app",
        Payload::RotateKey(RotateKey {
            new_key: new_key.public(),
        }),
    );
    let org: Organization = c.read(&keys::organization(&code(2)));
    let old = org
        .members
        .iter()
        .find(|m| m.key == key("police-app").public())
        .unwrap();
    let new = org
        .members
        .iter()
        .find(|m| m.key == new_key.public())
        .unwrap();
    assert!(
        old.valid_at(h - 1) && !old.valid_at(h),
        "the old key signed validly until the rotation"
    );
    assert!(
        new.valid_at(h)
            && new.role == Role::App
            && new.rotated_from == Some(key("police-app").public())
    );
    assert_eq!(
        c.rejected("police-app", request(1, &["x"])).0,
        "unknown_signer"
    );
    c.ok(
        "health-cdo",
        publish(spec(ShareType::Conditional, OpenMode::NotOpen)),
    );
    c.ok("police-app-2026", request(1, &["name"]));
    assert_eq!(
        c.rejected(
            "police-cdo",
            Payload::AddMember(AddMember {
                member: member(&key("police-app"), Role::App)
            })
        )
        .0,
        "key_already_member",
        "keys are never reused"
    );
}

#[test]
fn members_are_added_and_removed_by_the_cdo() {
    let mut c = TestChain::new();
    let add = |k: &str, role| {
        Payload::AddMember(AddMember {
            member: member(&key(k), role),
        })
    };
    assert_eq!(
        c.rejected("police-app", add("x", Role::App)).0,
        "not_authorized"
    );
    c.ok("police-cdo", add("police-reviewer", Role::Reviewer));
    assert_eq!(
        c.rejected(
            "police-cdo",
            Payload::RemoveMember(RemoveMember {
                key: key("health-app").public()
            })
        )
        .0,
        "not_a_member"
    );
    assert_eq!(
        c.rejected(
            "police-cdo",
            Payload::RemoveMember(RemoveMember {
                key: key("police-cdo").public()
            })
        )
        .0,
        "last_cdo"
    );
    c.ok(
        "police-cdo",
        Payload::RemoveMember(RemoveMember {
            key: key("police-reviewer").public(),
        }),
    );
    assert_eq!(
        c.rejected("police-reviewer", request(1, &["x"])).0,
        "unknown_signer"
    );
}

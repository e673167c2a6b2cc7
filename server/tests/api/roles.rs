//! One person, several roles: a small station's head inspects, answers for the station's
//! rectifications and re-checks — each step allowed by one of the roles, and the one who
//! rectified a hazard still never re-checks it.

use reqwest::StatusCode;
use saferounds_shared::api::Bootstrap;
use saferounds_shared::hazard::{Event, Status};
use saferounds_shared::ids::{Reason, UserId};
use saferounds_shared::org::{Role, User};
use saferounds_shared::sync::{OpBody, Outcome, PushResponse};

use crate::helpers::*;
use crate::stories::{registration, walk_through};

const PASSWORD: &str = "east-station-head-7";

pub async fn one_person_holds_several_roles(app: &TestApp) {
    let admin = app.login("admin").await;
    let owner = app.login("owner").await;
    let head = User {
        id: UserId::from_uuid(uuid::Uuid::now_v7()),
        username: "east.head".into(),
        display_name: "站长 周宁".into(),
        role: Role::Inspector,
        extra_roles: vec![Role::RectificationOwner, Role::Verifier],
        department_id: owner.user.department_id,
        site_id: owner.user.site_id,
        active: true,
    };
    // An owner's role needs a department, whichever of the roles it is.
    let no_dept = User {
        department_id: None,
        ..head.clone()
    };
    let path = format!("/api/v1/admin/users/{}", head.id);
    let r = app
        .put(
            &admin,
            &path,
            &serde_json::json!({"user": no_dept, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .put(
            &admin,
            &path,
            &serde_json::json!({"user": head, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let users: Vec<User> = app.get_json(&admin, "/api/v1/admin/users").await;
    assert_eq!(
        users
            .iter()
            .find(|u| u.id == head.id)
            .map(|u| &u.extra_roles),
        Some(&head.extra_roles)
    );

    let me = app.login_with("east.head", PASSWORD).await;
    assert_eq!(me.user.extra_roles, head.extra_roles);
    // As an inspector: a walk-through, its finding reported.
    let (ops, hazards, b) = walk_through(app, &me, 1).await;
    app.push(&me, ops).await;
    let h = hazards[0];
    // The registering supervisor is offered the head among the station's owners.
    let sup = app.login("supervisor").await;
    let sb: Bootstrap = app.get_json(&sup, "/api/v1/bootstrap").await;
    assert!(
        sb.owners_for(head.department_id)
            .iter()
            .any(|p| p.id == head.id),
        "the head answers for the station's rectifications"
    );
    let applied = |r: PushResponse| r.results[0].outcome.clone();
    let mut reg = registration(&b, &owner);
    reg.owner_id = head.id;
    assert_eq!(
        applied(
            app.push(
                &sup,
                vec![sup.op(
                    h.0,
                    1,
                    OpBody::Transition {
                        from: Status::Reported,
                        event: Event::Register(reg),
                    },
                )],
            )
            .await
        ),
        Outcome::Applied
    );
    // As the owner: starts and submits the rectification.
    let (_, after) = app.upload(&me, &jpeg(77)).await;
    let steps = [
        (2, Status::Registered, Event::StartRectification),
        (
            3,
            Status::Rectifying,
            Event::SubmitRectification {
                what_was_done: Reason::parse("已更换插线板").unwrap(),
                photos_after: vec![after],
            },
        ),
    ];
    for (version, from, event) in steps {
        assert_eq!(
            applied(
                app.push(
                    &me,
                    vec![me.op(h.0, version, OpBody::Transition { from, event })]
                )
                .await
            ),
            Outcome::Applied
        );
    }
    // As a verifier: not their own rectification.
    let pass = OpBody::Transition {
        from: Status::AwaitingRecheck,
        event: Event::RecheckPass {
            note: None,
            photos: vec![],
        },
    };
    let Outcome::Rejected { error } =
        applied(app.push(&me, vec![me.op(h.0, 4, pass.clone())]).await)
    else {
        panic!("the rectifier re-checked their own work")
    };
    assert_eq!(error.code, "verifier_is_rectifier");
    let verifier = app.login("verifier").await;
    assert_eq!(
        applied(app.push(&verifier, vec![verifier.op(h.0, 4, pass)]).await),
        Outcome::Applied
    );
}

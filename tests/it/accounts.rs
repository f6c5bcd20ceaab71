//! Accounts through the Lambda handlers, on both storage backends:
//! invitations, sign-in with rotating refresh tokens, password reset and
//! change, profile and email change, and sign-in throttling.

use crate::common;

use std::sync::Arc;

use common::lambda::{Answer, event, fill, from_source, invoke, with_body, with_cookies, with_token};
use serde_json::{Value, json};
use servicedesk::demo;
use servicedesk_shared::accounts::password_reset::ACCEPTED;
use servicedesk_shared::mail::Message;
use servicedesk_shared::store::ItemStore;
use servicedesk_shared::testing::{self, TestApp};
use time::Duration;

const ANN: (&str, &str) = ("ann@acme.example", "orchid-lantern-42");
const SAM: (&str, &str) = ("sam@support.example", "harbor-violet-93");

async fn desk(store: Arc<dyn ItemStore>) -> TestApp {
    let desk = testing::test_app(store);
    demo::seed(&desk.app).await.expect("demo data");
    desk
}

async fn login_from(desk: &TestApp, (email, password): (&str, &str), source: &str) -> Answer {
    let event = with_body(
        event("sign-in-login"),
        &json!({"email": email, "password": password}),
    );
    invoke(&desk.app, from_source(event, source)).await
}

async fn login(desk: &TestApp, credentials: (&str, &str)) -> Answer {
    login_from(desk, credentials, "203.0.113.7").await
}

/// Signs in and returns (access token, refresh token).
async fn signed_in(desk: &TestApp, credentials: (&str, &str)) -> (String, String) {
    let answer = login(desk, credentials).await;
    assert_eq!(
        answer.status, 200,
        "sign in as {}: {}",
        credentials.0, answer.body
    );
    (access_token(&answer), refresh_cookie(&answer))
}

fn access_token(answer: &Answer) -> String {
    answer.body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

fn refresh_cookie(answer: &Answer) -> String {
    answer.set_cookie("sd_refresh").expect("a refresh cookie")
}

async fn refresh(desk: &TestApp, refresh_token: &str) -> Answer {
    let event = with_cookies(event("sign-in-refresh"), &[format!("sd_refresh={refresh_token}")]);
    invoke(&desk.app, event).await
}

async fn as_user(desk: &TestApp, name: &str, token: &str, body: Option<Value>) -> Answer {
    let mut event = with_token(event(name), Some(token));
    if let Some(body) = body {
        event = with_body(event, &body);
    }
    invoke(&desk.app, event).await
}

/// The one message sent since the last look, to `to`.
fn only_mail_to(desk: &TestApp, to: &str) -> Message {
    let mut sent = desk.mail.take();
    assert_eq!(sent.len(), 1, "one message expected: {sent:?}");
    let message = sent.remove(0);
    assert_eq!(message.to.iter().map(|e| e.as_str()).collect::<Vec<_>>(), [to]);
    message
}

fn link_token(message: &Message, page: &str) -> String {
    common::link_secret(message, page, "token")
}

fn problem_field(answer: &Answer) -> &str {
    answer.body["errors"][0]["field"]
        .as_str()
        .or(answer.body["field"].as_str())
        .unwrap_or_default()
}

async fn invitation_sign_in_refresh_and_sign_out(store: Arc<dyn ItemStore>) {
    let desk = desk(store).await;
    let (sam, _) = signed_in(&desk, SAM).await;

    let created = as_user(
        &desk,
        "admin-create-organization",
        &sam,
        Some(json!({"name": "Globex"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let globex = created.body["id"].as_str().unwrap().to_owned();

    let invite = json!({"email": "cleo@globex.example", "organization_id": globex, "language": "fr"});
    let invited = as_user(&desk, "admin-invite", &sam, Some(invite.clone())).await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    let message = only_mail_to(&desk, "cleo@globex.example");
    assert_eq!(
        message.subject, "Vous êtes invité(e) au centre de support de Globex",
        "in the invitee's language"
    );
    let link = link_token(&message, "invitation");

    let accept = |password: &str| {
        fill(
            with_body(
                event("accept-invitation"),
                &json!({"token": "${LINK}", "first_name": "Cleo", "last_name": "Clark",
                        "password": password, "password_confirmation": password}),
            ),
            &[("LINK", &link)],
        )
    };
    let weak = invoke(&desk.app, accept("cleo-clark-2026")).await;
    assert_eq!(
        weak.status, 422,
        "a password with her name is refused: {}",
        weak.body
    );
    let accepted = invoke(&desk.app, accept("quiet-harbour-58")).await;
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    assert_eq!(accepted.body["account"]["organization_id"], globex.as_str());
    assert_eq!(accepted.body["account"]["language"], "fr");
    let cookie = accepted.headers["set-cookie"].to_str().unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/auth"] {
        assert!(
            cookie.contains(attribute),
            "refresh cookie has {attribute}: {cookie}"
        );
    }
    assert!(
        accepted.body.get("refresh_token").is_none(),
        "the refresh token is never in a body"
    );
    let again = invoke(&desk.app, accept("quiet-harbour-58")).await;
    assert_eq!(again.status, 422, "an invitation works once");
    assert_eq!(problem_field(&again), "token");

    // Cleo signs in on two devices; her access token opens her profile.
    let cleo = ("cleo@globex.example", "quiet-harbour-58");
    let (access, laptop) = signed_in(&desk, cleo).await;
    let (_, phone) = signed_in(&desk, cleo).await;
    let profile = as_user(&desk, "account-get-profile", &access, None).await;
    assert_eq!(profile.status, 200);
    assert_eq!(profile.body["first_name"], "Cleo");

    // Refresh needs the CSRF header, then rotates the cookie.
    let mut no_csrf = with_cookies(event("sign-in-refresh"), &[format!("sd_refresh={laptop}")]);
    no_csrf["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-servicedesk-csrf");
    assert_eq!(invoke(&desk.app, no_csrf.clone()).await.status, 403);
    // The documented value only: the header means one thing.
    let mut other_value = no_csrf;
    other_value["headers"]["x-servicedesk-csrf"] = json!("yes");
    assert_eq!(invoke(&desk.app, other_value).await.status, 403);
    let rotated = refresh(&desk, &laptop).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let laptop2 = refresh_cookie(&rotated);
    assert_ne!(laptop2, laptop);
    assert_eq!(refresh(&desk, &laptop2).await.status, 200, "the new token works");

    // The replaced token coming back means a copy leaked: the family is closed.
    let replay = refresh(&desk, &laptop).await;
    assert_eq!(replay.status, 401);
    assert!(replay.body["detail"].as_str().unwrap().contains("used elsewhere"));
    let latest = refresh(&desk, &laptop2).await;
    assert_eq!(latest.status, 401, "every token of the stolen family is dead");
    assert_eq!(
        refresh(&desk, &phone).await.status,
        200,
        "the other device is not affected"
    );

    // Sign-out ends the session and clears the cookie.
    let (_, tablet) = signed_in(&desk, cleo).await;
    let out = invoke(
        &desk.app,
        with_cookies(event("sign-in-logout"), &[format!("sd_refresh={tablet}")]),
    )
    .await;
    assert_eq!(out.status, 204);
    assert_eq!(out.set_cookie("sd_refresh").as_deref(), Some(""));
    assert!(out.headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(refresh(&desk, &tablet).await.status, 401);

    // An invitation expires after 72 hours.
    let late = json!({"email": "dan@globex.example", "organization_id": globex});
    assert_eq!(as_user(&desk, "admin-invite", &sam, Some(late)).await.status, 202);
    let link = link_token(&only_mail_to(&desk, "dan@globex.example"), "invitation");
    desk.clock.advance(Duration::hours(72) + Duration::seconds(1));
    let expired = fill(
        with_body(
            event("accept-invitation"),
            &json!({"token": link, "first_name": "Dan", "last_name": "Dale",
                    "password": "quiet-harbour-58", "password_confirmation": "quiet-harbour-58"}),
        ),
        &[],
    );
    assert_eq!(invoke(&desk.app, expired).await.status, 422);
}

async fn only_agents_administer(store: Arc<dyn ItemStore>) {
    let desk = desk(store).await;
    let (ann, _) = signed_in(&desk, ANN).await;
    let (sam, _) = signed_in(&desk, SAM).await;
    let organization = json!({"name": "Initech"});
    let invitation = json!({"email": "zoe@acme.example", "organization_id": demo::ORGANIZATION_ID});
    for (name, body) in [
        ("admin-create-organization", &organization),
        ("admin-invite", &invitation),
    ] {
        let anonymous = invoke(&desk.app, with_body(with_token(event(name), None), body)).await;
        assert_eq!(anonymous.status, 401, "{name} anonymously");
        let customer = as_user(&desk, name, &ann, Some(body.clone())).await;
        assert_eq!(customer.status, 403, "{name} as a customer");
    }
    assert!(desk.mail.take().is_empty(), "refused invitations send nothing");

    for (body, status, what) in [
        (
            json!({"email": "zoe@acme.example"}),
            422,
            "a customer needs an organization",
        ),
        (
            json!({"email": "zoe@acme.example", "organization_id": "nope"}),
            422,
            "unknown organization",
        ),
        (
            json!({"email": "not an email", "organization_id": demo::ORGANIZATION_ID}),
            422,
            "bad email",
        ),
        (
            json!({"email": "x@y.example", "role": "agent", "organization_id": demo::ORGANIZATION_ID}),
            422,
            "agents have none",
        ),
        (
            json!({"email": "bob@acme.example", "organization_id": demo::ORGANIZATION_ID}),
            409,
            "already has an account",
        ),
        (
            json!({"email": "zoe@acme.example", "role": "admin"}),
            422,
            "unknown role",
        ),
    ] {
        let answer = as_user(&desk, "admin-invite", &sam, Some(body)).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
    }
    assert!(desk.mail.take().is_empty());

    // An agent invites another agent, who gets no organization.
    let answer = as_user(
        &desk,
        "admin-invite",
        &sam,
        Some(json!({"email": "tia@support.example", "role": "agent"})),
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let link = link_token(&only_mail_to(&desk, "tia@support.example"), "invitation");
    let accept = json!({"token": link, "first_name": "Tia", "last_name": "Tran",
                        "password": "maple-cobalt-88", "password_confirmation": "maple-cobalt-88"});
    let accepted = invoke(&desk.app, with_body(event("accept-invitation"), &accept)).await;
    assert_eq!(accepted.status, 201);
    assert_eq!(accepted.body["account"]["role"], "agent");
}

async fn password_reset_by_email(store: Arc<dyn ItemStore>) {
    let desk = desk(store).await;
    let (_, old_refresh) = signed_in(&desk, ANN).await;
    let request = |email: &str| with_body(event("password-reset-request"), &json!({ "email": email }));

    let known = invoke(&desk.app, request(ANN.0)).await;
    let unknown = invoke(&desk.app, request("nobody@acme.example")).await;
    assert_eq!((known.status, unknown.status), (202, 202));
    assert_eq!(
        known.body, unknown.body,
        "no way to tell which addresses have accounts"
    );
    assert_eq!(known.body["message"], ACCEPTED);
    let message = only_mail_to(&desk, ANN.0);
    assert_eq!(message.subject, "Reset your service desk password");
    let link = link_token(&message, "reset-password");
    assert_eq!(invoke(&desk.app, request("not-an-email")).await.status, 422);

    let confirm = |token: &str, password: &str, confirmation: &str| {
        with_body(
            event("password-reset-confirm"),
            &json!({"token": token, "password": password, "password_confirmation": confirmation}),
        )
    };
    for (password, confirmation, field) in [
        ("short", "short", "password"),
        ("ann-archer-password", "ann-archer-password", "password"),
        ("silver-thimble-61", "silver-thimble-16", "password_confirmation"),
    ] {
        let refused = invoke(&desk.app, confirm(&link, password, confirmation)).await;
        assert_eq!(refused.status, 422, "{password}: {}", refused.body);
        assert_eq!(problem_field(&refused), field);
    }
    let forged = invoke(
        &desk.app,
        confirm(
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "silver-thimble-61",
            "silver-thimble-61",
        ),
    )
    .await;
    assert_eq!(forged.status, 422);

    let done = invoke(
        &desk.app,
        confirm(&link, "silver-thimble-61", "silver-thimble-61"),
    )
    .await;
    assert_eq!(done.status, 204, "{}", done.body);
    let reused = invoke(
        &desk.app,
        confirm(&link, "another-choice-99", "another-choice-99"),
    )
    .await;
    assert_eq!(reused.status, 422, "the link works once");
    assert_eq!(
        refresh(&desk, &old_refresh).await.status,
        401,
        "signed out everywhere"
    );
    assert_eq!(login(&desk, ANN).await.status, 401, "the old password is gone");
    signed_in(&desk, (ANN.0, "silver-thimble-61")).await;

    // A link is good for one hour.
    invoke(&desk.app, request(ANN.0)).await;
    let link = link_token(&only_mail_to(&desk, ANN.0), "reset-password");
    desk.clock.advance(Duration::minutes(61));
    let late = invoke(
        &desk.app,
        confirm(&link, "copper-lantern-27", "copper-lantern-27"),
    )
    .await;
    assert_eq!(late.status, 422);

    // Three emails per address and source per hour; further requests look
    // the same but send nothing.
    for _ in 0..3 {
        assert_eq!(invoke(&desk.app, request(ANN.0)).await.status, 202);
    }
    assert_eq!(desk.mail.take().len(), 3);
    let over = invoke(&desk.app, request(ANN.0)).await;
    assert_eq!((over.status, over.body), (202, known.body.clone()));
    assert!(
        desk.mail.take().is_empty(),
        "over the hourly limit nothing is sent"
    );
    let owner = invoke(&desk.app, from_source(request(ANN.0), "192.0.2.30")).await;
    assert_eq!(owner.status, 202);
    assert_eq!(
        desk.mail.take().len(),
        1,
        "requests from elsewhere do not use up the owner's"
    );
    desk.clock.advance(Duration::hours(1));
    invoke(&desk.app, request(ANN.0)).await;
    assert_eq!(desk.mail.take().len(), 1, "the next hour allows more");
}

async fn change_password_signs_out_other_devices(store: Arc<dyn ItemStore>) {
    let desk = desk(store).await;
    let (access, _) = signed_in(&desk, ANN).await;
    let (_, other_device) = signed_in(&desk, ANN).await;
    let change = |current: &str, new: &str, confirmation: &str| json!({"current_password": current, "new_password": new, "new_password_confirmation": confirmation});
    for (body, status, field, reason) in [
        (
            change("wrong-password-1", "amber-thistle-73", "amber-thistle-73"),
            400,
            "current_password",
            "not_current_password",
        ),
        (
            change(ANN.1, "amber-thistle-73", "amber-thistle-37"),
            422,
            "new_password_confirmation",
            "does_not_match",
        ),
        (
            change(ANN.1, "annarcher-123", "annarcher-123"),
            422,
            "new_password",
            "contains_personal_words",
        ),
        (
            change(ANN.1, &"x".repeat(129), &"x".repeat(129)),
            422,
            "new_password",
            "too_long",
        ),
        (change(ANN.1, "short", "short"), 422, "new_password", "too_short"),
        (change(ANN.1, ANN.1, ANN.1), 422, "new_password", ""),
    ] {
        let answer = as_user(&desk, "account-change-password", &access, Some(body)).await;
        assert_eq!(answer.status, status, "{}", answer.body);
        assert_eq!(problem_field(&answer), field, "{}", answer.body);
        assert_eq!(
            answer.body["reason"].as_str().unwrap_or_default(),
            reason,
            "{}",
            answer.body
        );
    }
    assert_eq!(
        login(&desk, ANN).await.status,
        200,
        "refused changes change nothing"
    );

    let changed = as_user(&desk, "account-change-password", &access, None).await;
    assert_eq!(
        changed.status, 200,
        "the sample event changes Ann's password: {}",
        changed.body
    );
    let this_device = refresh_cookie(&changed);
    assert_eq!(
        refresh(&desk, &other_device).await.status,
        401,
        "other devices are signed out"
    );
    assert_eq!(
        refresh(&desk, &this_device).await.status,
        200,
        "this device stays signed in"
    );
    assert_eq!(login(&desk, ANN).await.status, 401);
    assert_eq!(login(&desk, (ANN.0, "amber-thistle-73")).await.status, 200);
    let anonymous = invoke(&desk.app, with_token(event("account-change-password"), None)).await;
    assert_eq!(anonymous.status, 401);

    // Guessing the current password with a session is limited too: 5 wrong
    // answers (one above), then 429 even for the right one, until the window ends.
    let (access, _) = signed_in(&desk, (ANN.0, "amber-thistle-73")).await;
    let guess = |current: &str| change(current, "copper-lantern-55", "copper-lantern-55");
    for n in 2..=5 {
        let answer = as_user(
            &desk,
            "account-change-password",
            &access,
            Some(guess(&format!("guess-{n}"))),
        )
        .await;
        assert_eq!(answer.status, 400, "wrong guess {n}: {}", answer.body);
    }
    let blocked = as_user(
        &desk,
        "account-change-password",
        &access,
        Some(guess("amber-thistle-73")),
    )
    .await;
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    assert!(blocked.headers.contains_key("retry-after"));
    desk.clock.advance(Duration::minutes(15));
    let allowed = as_user(
        &desk,
        "account-change-password",
        &access,
        Some(guess("amber-thistle-73")),
    )
    .await;
    assert_eq!(allowed.status, 200, "the next window allows it: {}", allowed.body);
}

async fn profile_and_email_change(store: Arc<dyn ItemStore>) {
    let desk = desk(store).await;
    let (access, _) = signed_in(&desk, ANN).await;

    let saved = as_user(&desk, "account-update-profile", &access, None).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.get("pending_email").is_none());
    let profile = as_user(&desk, "account-get-profile", &access, None).await.body;
    for (field, value) in [
        ("prefix", json!("Dr")),
        ("title", json!("IT manager")),
        ("office_phone", json!("+33 1 23 45 67 89")),
        ("extension", json!("204")),
        ("mobile", json!("+33 6 12 34 56 78")),
        ("language", json!("fr")),
        ("show_landing_page", json!(false)),
    ] {
        assert_eq!(profile[field], value, "{field} is kept");
    }

    let mut body = event("account-update-profile");
    let mut form: Value = serde_json::from_str(body["body"].as_str().unwrap()).unwrap();
    for (field, bad) in [
        ("first_name", json!("")),
        ("email", json!("ann@")),
        ("language", json!("de")),
        ("title", json!("t".repeat(10_000))),
    ] {
        let mut wrong = form.clone();
        wrong[field] = bad;
        let answer = as_user(&desk, "account-update-profile", &access, Some(wrong)).await;
        assert_eq!(answer.status, 422, "{field}: {}", answer.body);
    }

    // Changing the address takes the current password.
    form["email"] = "ann.archer@acme.example".into();
    let no_password = as_user(&desk, "account-update-profile", &access, Some(form.clone())).await;
    assert_eq!(no_password.status, 400, "{}", no_password.body);
    assert_eq!(problem_field(&no_password), "current_password");
    form["current_password"] = "not-my-password".into();
    let wrong = as_user(&desk, "account-update-profile", &access, Some(form.clone())).await;
    assert_eq!(wrong.status, 400);
    assert!(desk.mail.take().is_empty());
    form["current_password"] = ANN.1.into();

    // A new address takes effect once confirmed from the link sent to it,
    // in the user's language.
    let pending = as_user(&desk, "account-update-profile", &access, Some(form.clone())).await;
    assert_eq!(pending.status, 200, "{}", pending.body);
    assert_eq!(pending.body["pending_email"], "ann.archer@acme.example");
    assert_eq!(pending.body["email"], ANN.0, "not before it is confirmed");
    let message = only_mail_to(&desk, "ann.archer@acme.example");
    assert_eq!(message.subject, "Confirmez votre nouvelle adresse e-mail");
    let link = link_token(&message, "confirm-email");
    body = fill(event("account-confirm-email"), &[("LINK", &link)]);
    let confirmed = invoke(&desk.app, body.clone()).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(confirmed.body["email"], "ann.archer@acme.example");
    assert_eq!(invoke(&desk.app, body).await.status, 422, "the link works once");
    assert_eq!(
        login(&desk, ANN).await.status,
        401,
        "the old address no longer signs in"
    );
    signed_in(&desk, ("ann.archer@acme.example", ANN.1)).await;

    // Another account's address is refused, before and at confirmation.
    form["email"] = "bob@acme.example".into();
    let taken = as_user(&desk, "account-update-profile", &access, Some(form.clone())).await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    form["email"] = "new.home@acme.example".into();
    as_user(&desk, "account-update-profile", &access, Some(form)).await;
    let link = link_token(&only_mail_to(&desk, "new.home@acme.example"), "confirm-email");
    let (sam, _) = signed_in(&desk, SAM).await;
    let invite = json!({"email": "new.home@acme.example", "organization_id": demo::ORGANIZATION_ID});
    as_user(&desk, "admin-invite", &sam, Some(invite)).await;
    let invitation = link_token(&only_mail_to(&desk, "new.home@acme.example"), "invitation");
    let accept = json!({"token": invitation, "first_name": "Nia", "last_name": "Nash",
                        "password": "velvet-canyon-44", "password_confirmation": "velvet-canyon-44"});
    assert_eq!(
        invoke(&desk.app, with_body(event("accept-invitation"), &accept))
            .await
            .status,
        201
    );
    let clash = invoke(
        &desk.app,
        fill(event("account-confirm-email"), &[("LINK", &link)]),
    )
    .await;
    assert_eq!(clash.status, 409, "{}", clash.body);
    assert_eq!(
        login(&desk, ("ann.archer@acme.example", ANN.1)).await.status,
        200,
        "nothing half-changed"
    );
}

async fn repeated_failures_slow_sign_in_down(store: Arc<dyn ItemStore>) {
    let desk = desk(store).await;
    let wrong = (ANN.0, "not-her-password");
    for attempt in 1..=5 {
        assert_eq!(login(&desk, wrong).await.status, 401, "attempt {attempt}");
    }
    // After five free failures the account waits (15 s, doubling), even for the right password.
    let locked = login(&desk, ANN).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    let retry_after: i64 = locked.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15).contains(&retry_after), "{retry_after}");
    assert!(
        locked.body["detail"]
            .as_str()
            .unwrap()
            .contains("reset your password")
    );
    assert_eq!(
        login(&desk, SAM).await.status,
        200,
        "other accounts are not affected"
    );
    desk.clock.advance(Duration::seconds(retry_after));
    assert_eq!(login(&desk, ANN).await.status, 200, "the lock lifts by itself");
    assert_eq!(
        login(&desk, wrong).await.status,
        401,
        "and success starts the count again"
    );
    assert_eq!(login(&desk, ANN).await.status, 200);

    // One source trying many accounts is stopped after 30 failures in 15 minutes.
    desk.clock.advance(Duration::minutes(15));
    for i in 0..30 {
        let guess = login_from(
            &desk,
            (&format!("user{i}@acme.example"), "guess-password"),
            "198.51.100.9",
        )
        .await;
        assert_eq!(guess.status, 401);
    }
    let blocked = login_from(&desk, ANN, "198.51.100.9").await;
    assert_eq!(blocked.status, 429);
    assert!(blocked.headers.contains_key("retry-after"));
    assert_eq!(
        login_from(&desk, ANN, "192.0.2.44").await.status,
        200,
        "other sources still sign in"
    );
    desk.clock.advance(Duration::minutes(15));
    assert_eq!(
        login_from(&desk, ANN, "198.51.100.9").await.status,
        200,
        "the window passes"
    );
}

async fn links_die_when_the_password_changes(store: Arc<dyn ItemStore>) {
    let desk = desk(store).await;
    let (access, _) = signed_in(&desk, ANN).await;
    // A reset link and an email-change link are sent...
    invoke(
        &desk.app,
        with_body(event("password-reset-request"), &json!({"email": ANN.0})),
    )
    .await;
    let reset = link_token(&only_mail_to(&desk, ANN.0), "reset-password");
    let mut form: Value =
        serde_json::from_str(event("account-update-profile")["body"].as_str().unwrap()).unwrap();
    form["email"] = "thief@evil.example".into();
    form["current_password"] = ANN.1.into();
    assert_eq!(
        as_user(&desk, "account-update-profile", &access, Some(form))
            .await
            .status,
        200
    );
    let change = link_token(&only_mail_to(&desk, "thief@evil.example"), "confirm-email");
    // ...then the owner changes the password: both links are void.
    let changed = as_user(&desk, "account-change-password", &access, None).await;
    assert_eq!(changed.status, 200);
    let confirm = invoke(
        &desk.app,
        fill(event("account-confirm-email"), &[("LINK", &change)]),
    )
    .await;
    assert_eq!(confirm.status, 422, "{}", confirm.body);
    let body =
        json!({"token": reset, "password": "brand-new-pass-1", "password_confirmation": "brand-new-pass-1"});
    assert_eq!(
        invoke(&desk.app, with_body(event("password-reset-confirm"), &body))
            .await
            .status,
        422
    );
    assert_eq!(login(&desk, (ANN.0, "amber-thistle-73")).await.status, 200);
}

fn login_event(email: &str, password: &str, source: &str) -> Value {
    from_source(
        with_body(
            event("sign-in-login"),
            &json!({"email": email, "password": password}),
        ),
        source,
    )
}

async fn sign_in_limits_hold_under_concurrency(store: Arc<dyn ItemStore>) {
    let desk = Arc::new(desk(store).await);
    // Twenty wrong passwords for one account at once: five are tried (four
    // free, one turn of the wait), the rest are told to wait.
    let guesses = (0..20)
        .map(|n| login_event(ANN.0, &format!("guess-{n}"), "203.0.113.7"))
        .collect();
    let statuses = common::lambda::invoke_all_at_once(&desk, |d| &d.app, guesses).await;
    assert_eq!(common::lambda::count_status(&statuses, 401), 5, "{statuses:?}");
    assert_eq!(common::lambda::count_status(&statuses, 429), 15, "{statuses:?}");
    assert_eq!(login(&desk, ANN).await.status, 429, "and the account waits");

    // Forty wrong sign-ins over unknown accounts from one source at once:
    // thirty are tried.
    let sweep = (0..40)
        .map(|n| login_event(&format!("user{n}@acme.example"), "guess-password", "198.51.100.9"))
        .collect();
    let statuses = common::lambda::invoke_all_at_once(&desk, |d| &d.app, sweep).await;
    assert_eq!(common::lambda::count_status(&statuses, 401), 30, "{statuses:?}");
    assert_eq!(common::lambda::count_status(&statuses, 429), 10, "{statuses:?}");

    // Ten reset requests at once: three mails an hour from one source.
    let resets = (0..10)
        .map(|_| with_body(event("password-reset-request"), &json!({"email": SAM.0})))
        .collect();
    let statuses = common::lambda::invoke_all_at_once(&desk, |d| &d.app, resets).await;
    assert_eq!(
        common::lambda::count_status(&statuses, 202),
        10,
        "the answer never tells"
    );
    let mails = desk.mail.take();
    assert_eq!(
        mails.iter().filter(|m| m.to[0].as_str() == SAM.0).count(),
        3,
        "three reset mails an hour"
    );
}

on_both_backends!(
    links_die_when_the_password_changes,
    invitation_sign_in_refresh_and_sign_out,
    only_agents_administer,
    password_reset_by_email,
    change_password_signs_out_other_devices,
    profile_and_email_change,
    repeated_failures_slow_sign_in_down,
    sign_in_limits_hold_under_concurrency,
);

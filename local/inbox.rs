//! Email in, locally: a watched folder stands for the desk's mailbox. Drop
//! a mail (`.eml`, as a mail client saves it or `swaks --dump` writes it)
//! into `data/inbox/`; it goes through the same inbound code as in AWS and
//! moves to `inbox/processed/` beside a `.outcome` file saying what became
//! of it. A mail that cannot be processed now (the store failing) stays to
//! be tried again; after a few tries it is parked in `inbox/failed/`.
//!
//! The local equivalent of SES's sender checks is the mail's own
//! `Authentication-Results` field of the receiving host `localhost` (as
//! a local MTA would add it). A mail without one was put there by the
//! person at this machine, and the folder is theirs: it passes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use servicedesk_shared::App;
use servicedesk_shared::inbound_mail::message::InboundMessage;
use servicedesk_shared::inbound_mail::receive::{self, Outcome};
use servicedesk_shared::inbound_mail::screen::Authenticity;

/// How often the folder is looked at.
pub const POLL_EVERY: Duration = Duration::from_millis(500);
/// The receiving host whose verdicts are trusted locally.
pub const LOCAL_RECEIVER: &str = "localhost";
/// Tries before a mail that keeps failing is parked.
pub const TRIES: u32 = 5;

/// Processes every mail in `dir` now; returns how many were done with.
pub async fn process(app: &App, dir: &Path, failures: &mut HashMap<PathBuf, u32>) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut mails: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        // Half-written files are dotted or not yet named .eml.
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "eml")
                && !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    mails.sort();
    let mut done = 0;
    for path in mails {
        let Ok(raw) = std::fs::read(&path) else { continue };
        let authenticity = InboundMessage::parse(&raw)
            .map(|mail| local_verdict(&mail))
            .unwrap_or(Authenticity::Unchecked);
        let (folder, outcome) = match receive::receive(app, &raw, authenticity).await {
            Ok(outcome) => ("processed", describe(&outcome)),
            Err(err) => {
                let tries = failures.entry(path.clone()).or_default();
                *tries += 1;
                if *tries < TRIES {
                    tracing::warn!(error = %err, mail = %path.display(), "cannot process this mail now; trying again");
                    continue;
                }
                ("failed", format!("failed {TRIES} times; the last error: {err}\n"))
            }
        };
        failures.remove(&path);
        if let Err(err) = park(&path, &dir.join(folder), &outcome) {
            tracing::warn!(error = %err, mail = %path.display(), "processed, but cannot move it out of the inbox");
        }
        println!(
            "servicedesk: mail {} → {folder}: {}",
            path.display(),
            outcome.trim_end()
        );
        done += 1;
    }
    done
}

/// The local MTA's verdict if it gave one, else a pass (dropped by hand).
fn local_verdict(mail: &InboundMessage) -> Authenticity {
    let checked = mail.headers_named("authentication-results").any(|field| {
        field
            .split(';')
            .next()
            .is_some_and(|id| id.trim().eq_ignore_ascii_case(LOCAL_RECEIVER))
    });
    if checked {
        Authenticity::from_header(mail, LOCAL_RECEIVER)
    } else {
        Authenticity::Pass
    }
}

/// Moves `mail` into `folder`, its outcome written beside it first (so a
/// crash in between leaves the mail in the inbox, processed again
/// harmlessly: the same Message-ID adds no second note).
fn park(mail: &Path, folder: &Path, outcome: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let name = mail.file_name().unwrap_or_default();
    let mut outcome_name = name.to_os_string();
    outcome_name.push(".outcome");
    std::fs::write(folder.join(outcome_name), outcome)?;
    std::fs::rename(mail, folder.join(name))
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Noted {
            ticket,
            replayed: false,
            ..
        } => format!("a note on {ticket}\n"),
        Outcome::Noted {
            ticket,
            replayed: true,
            ..
        } => format!("already a note on {ticket} (the same mail came before)\n"),
        Outcome::Opened {
            ticket,
            replayed: false,
        } => format!("a new ticket, {ticket}\n"),
        Outcome::Opened {
            ticket,
            replayed: true,
        } => {
            format!("already the ticket {ticket} (the same mail came before)\n")
        }
        Outcome::Bounced(failed) => format!("a delivery report: {failed:?}\n"),
        Outcome::Refused(reason) => format!("refused, not answered: {reason:?}\n"),
    }
}

/// Watches `dir` in the background until the process ends.
pub fn spawn(app: Arc<App>, dir: PathBuf) -> tokio::task::JoinHandle<()> {
    // There from the start, so people find where to drop mail.
    if let Err(err) = std::fs::create_dir_all(&dir) {
        tracing::warn!(error = %err, inbox = %dir.display(), "cannot create the inbox folder");
    }
    tokio::spawn(async move {
        let mut failures = HashMap::new();
        loop {
            process(&app, &dir, &mut failures).await;
            tokio::time::sleep(POLL_EVERY).await;
        }
    })
}

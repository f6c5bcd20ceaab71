//! Attachments: files added to a ticket's conversation.
//!
//! 1. [`request_upload`]: checks name, type, size and the ticket's count,
//!    stores a *pending* attachment (expiring) and returns a presigned PUT
//!    bound to that size and type; the bytes go straight to the blob store.
//! 2. [`verify`] (on the blob store's "object created" event): the stored
//!    size must match and the first bytes must be what the type claims;
//!    then the file moves out of the pending area and the attachment
//!    becomes *available*, with a history event and a notification like
//!    any other update. Anything else is deleted and the attachment
//!    *rejected*, with the reason.
//! 3. [`download`]: a presigned GET (5 minutes) that always downloads
//!    (`Content-Disposition: attachment`), for callers who may see the
//!    ticket; internal attachments only for support.

use serde::{Deserialize, Serialize};
use time::Duration;

use crate::auth::policy;
use crate::blobs::{PresignedRequest, attachment_disposition};
use crate::conversation;
use crate::domain::{Actor, Attachment, AttachmentStatus, EventKind, Ticket, TicketNumber, Uploader};
use crate::error::Reason;
use crate::store::{self, model};
use crate::store::{Condition, Query, StoreError, Write};
use crate::{App, Error, Result};

pub const MAX_SIZE: u64 = 25 * 1024 * 1024;
pub const MAX_PER_TICKET: usize = 20;
pub const MAX_NAME_CHARS: usize = 255;
pub const UPLOAD_TTL: Duration = Duration::minutes(15);
pub const DOWNLOAD_TTL: Duration = Duration::minutes(5);
/// A pending attachment whose upload never completed disappears after this.
pub const PENDING_TTL: Duration = Duration::days(1);
/// A rejected attachment (with its reason) disappears after this.
pub const REJECTED_TTL: Duration = Duration::days(7);

/// A type we accept: the file-name extensions that go with it and the magic
/// bytes its content must start with (`None`: text, checked to be valid
/// UTF-8 without NUL instead). HTML, SVG, scripts and executables are not on
/// the list, and a name must end with an extension of its declared type, so
/// `run.bat` cannot come in as `text/plain`; whatever is served, is served
/// as a download.
struct Accepted {
    content_type: &'static str,
    extensions: &'static [&'static str],
    magic: Option<&'static [&'static [u8]]>,
}

const fn accepted(
    content_type: &'static str,
    extensions: &'static [&'static str],
    magic: Option<&'static [&'static [u8]]>,
) -> Accepted {
    Accepted {
        content_type,
        extensions,
        magic,
    }
}

const ZIP: Option<&[&[u8]]> = Some(&[b"PK\x03\x04"]);

const ALLOWED: &[Accepted] = &[
    accepted("application/pdf", &["pdf"], Some(&[b"%PDF-"])),
    accepted("image/png", &["png"], Some(&[b"\x89PNG\r\n\x1a\n"])),
    accepted("image/jpeg", &["jpg", "jpeg"], Some(&[b"\xff\xd8\xff"])),
    accepted("image/gif", &["gif"], Some(&[b"GIF87a", b"GIF89a"])),
    accepted("image/webp", &["webp"], Some(&[b"RIFF"])),
    accepted("application/zip", &["zip"], Some(&[b"PK\x03\x04", b"PK\x05\x06"])),
    accepted("application/gzip", &["gz", "tgz"], Some(&[b"\x1f\x8b"])),
    accepted(
        "application/x-7z-compressed",
        &["7z"],
        Some(&[b"7z\xbc\xaf\x27\x1c"]),
    ),
    // Office documents are zip files.
    accepted(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
        ZIP,
    ),
    accepted(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
        ZIP,
    ),
    accepted(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        &["pptx"],
        ZIP,
    ),
    accepted("application/vnd.oasis.opendocument.text", &["odt"], ZIP),
    accepted("application/vnd.oasis.opendocument.spreadsheet", &["ods"], ZIP),
    accepted("text/plain", &["txt", "log", "text"], None),
    accepted("text/csv", &["csv"], None),
    accepted("application/json", &["json"], None),
];

fn rule(content_type: &str) -> Option<&'static Accepted> {
    ALLOWED.iter().find(|a| a.content_type == content_type)
}

/// Whether `file_name` ends with an extension of the accepted type.
fn extension_fits(accepted: &Accepted, file_name: &str) -> bool {
    file_name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && accepted.extensions.iter().any(|e| ext.eq_ignore_ascii_case(e))
    })
}

/// The body of `POST /tickets/{number}/attachments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadGrant {
    pub attachment: Attachment,
    pub upload: PresignedRequest,
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    let invalid = |why: &str| Error::refused("file_name", Reason::FileNameRefused, why);
    if name.is_empty() {
        return Err(invalid("must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(&format!("must be at most {MAX_NAME_CHARS} characters")));
    }
    if name.contains(['/', '\\'])
        || name
            .chars()
            .any(|c| c.is_control() || crate::domain::text::is_bidi_control(c))
        || name == "."
        || name == ".."
    {
        return Err(invalid(
            "must be a plain file name, without folders or control characters",
        ));
    }
    Ok(name.to_owned())
}

fn uploader(actor: &Actor) -> Uploader {
    Uploader {
        user: actor.user().clone(),
        support: matches!(actor, Actor::Agent { .. }),
        email: match actor {
            Actor::Guest { email, .. } => email.clone(),
            _ => None,
        },
    }
}

/// The attachments of a ticket (one Query of its partition's prefix).
pub async fn of_ticket(app: &App, number: &TicketNumber) -> Result<Vec<Attachment>> {
    Ok(listing(app, number).await?.0)
}

/// A ticket's attachments and the version of their guard.
async fn listing(app: &App, number: &TicketNumber) -> Result<(Vec<Attachment>, i64)> {
    let mut query = Query::partition(None, model::ticket_partition(number));
    query.sort_prefix = model::ATTACHMENT_PREFIX.to_owned();
    query.limit = 100;
    let page = app.store.query(&query).await?;
    let attachments = page
        .items
        .iter()
        .filter(|item| !model::is_guard(item, model::ATTACHMENT_PREFIX))
        .map(|item| Ok(model::attachment_from_item(item)?))
        .collect::<Result<_>>()?;
    Ok((
        attachments,
        model::guard_version(&page.items, model::ATTACHMENT_PREFIX),
    ))
}

/// Step 1: a pending attachment and where to upload its bytes.
pub async fn request_upload(
    app: &App,
    actor: &Actor,
    number: &TicketNumber,
    request: UploadRequest,
) -> Result<UploadGrant> {
    let file_name = check_name(&request.file_name)?;
    let content_type = request.content_type.trim().to_ascii_lowercase();
    let Some(accepted) = rule(&content_type) else {
        return Err(Error::refused(
            "content_type",
            Reason::FileTypeRefused,
            "this type of file is not accepted; send documents (PDF, Office), images, text or logs, or archives (zip, gzip, 7z)",
        ));
    };
    if !extension_fits(accepted, &file_name) {
        return Err(Error::refused(
            "file_name",
            Reason::FileTypeRefused,
            format!(
                "a {content_type} file's name must end with .{}; rename it, or put it into a zip archive",
                accepted.extensions.join(" or .")
            ),
        ));
    }
    if request.size == 0 || request.size > MAX_SIZE {
        return Err(Error::refused(
            "size",
            Reason::FileSizeRefused(MAX_SIZE / 1024 / 1024),
            format!("must be from 1 byte to {} MB", MAX_SIZE / 1024 / 1024),
        ));
    }
    if request.internal {
        policy::may_write_internal(actor)?;
    }
    let detail = crate::tickets::get(app, actor, number).await?;
    if !policy::can_comment_on_ticket(actor, &detail.ticket) {
        return Err(Error::NotFound("ticket"));
    }
    // Counting and adding are one step: the guard moves with each addition,
    // so parallel requests that counted the same files cannot both add one.
    let mut attempt = 0;
    let (attachment, now) = loop {
        attempt += 1;
        let (existing, version) = listing(app, number).await?;
        if existing
            .iter()
            .filter(|a| a.status != AttachmentStatus::Rejected)
            .count()
            >= MAX_PER_TICKET
        {
            return Err(Error::Conflict(format!(
                "a ticket holds at most {MAX_PER_TICKET} files; put more files into one archive (zip)"
            )));
        }
        let now = app.clock.now();
        let attachment = Attachment {
            id: app.ids.new_id(),
            ticket: *number,
            file_name: file_name.clone(),
            content_type: content_type.clone(),
            size: request.size,
            status: AttachmentStatus::Pending,
            rejected_because: None,
            internal: request.internal,
            uploader: uploader(actor),
            created_at: now,
        };
        let added = app
            .store
            .transact(vec![
                Write::Put {
                    item: model::attachment_item(&attachment, Some((now + PENDING_TTL).unix_timestamp()))?,
                    condition: Some(Condition::NotExists),
                },
                model::guard_write(model::attachment_guard_key(number), version),
            ])
            .await;
        match added {
            Ok(()) => break (attachment, now),
            Err(StoreError::TransactionConditionFailed(1) | StoreError::TransactionConflict)
                if attempt < 5 =>
            {
                // Another file was added meanwhile: count again, a little later.
                let jitter = app.ids.new_id().bytes().map(u64::from).sum::<u64>() % 20;
                tokio::time::sleep(std::time::Duration::from_millis((5 + jitter) * attempt)).await;
            }
            Err(StoreError::TransactionConditionFailed(1) | StoreError::TransactionConflict) => {
                return Err(Error::Conflict(
                    "other files are being added to this ticket right now; try again".into(),
                ));
            }
            Err(err) => return Err(err.into()),
        }
    };
    let upload = app
        .blobs
        .presign_put(
            &attachment.pending_key(),
            &attachment.content_type,
            attachment.size,
            now,
            UPLOAD_TTL,
        )
        .await?;
    Ok(UploadGrant { attachment, upload })
}

/// What [`verify`] concluded.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Available,
    Rejected(String),
    /// Not a pending upload of ours (unknown, or already handled).
    Ignored,
}

/// Step 2: checks the uploaded object under `key` (`pending/{ticket}/{id}`).
/// Safe to run again for the same object.
pub async fn verify(app: &App, key: &str) -> Result<Verdict> {
    let Some((number, id)) = key
        .strip_prefix("pending/")
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(n, id)| Some((n.parse::<TicketNumber>().ok()?, id)))
    else {
        return Ok(Verdict::Ignored);
    };
    let Some(item) = app.store.get(&model::attachment_key(&number, id)).await? else {
        return Ok(Verdict::Ignored);
    };
    let mut attachment = model::attachment_from_item(&item)?;
    if attachment.status != AttachmentStatus::Pending {
        return Ok(Verdict::Ignored);
    }
    let pending_size = app.blobs.size(key).await?;
    let problem = match pending_size {
        // Checked and moved by an earlier try that failed afterwards: record it now.
        None if app.blobs.size(&attachment.file_key()).await?.is_some() => None,
        None => return Ok(Verdict::Ignored),
        Some(size) if size != attachment.size => Some(format!(
            "the file has {size} bytes, {} were announced",
            attachment.size
        )),
        Some(_) => {
            let head = app.blobs.head_bytes(key, 512).await?;
            content_problem(&attachment.content_type, &head)
        }
    };
    if let Some(reason) = problem {
        app.blobs.delete(key).await?;
        attachment.status = AttachmentStatus::Rejected;
        attachment.rejected_because = Some(reason.clone());
        // Kept a while so the uploader can read why, then gone (TTL).
        let expires_at = (app.clock.now() + REJECTED_TTL).unix_timestamp();
        store::done_if_refused(
            app.store
                .write(Write::Put {
                    item: model::attachment_item(&attachment, Some(expires_at))?,
                    condition: Some(Condition::Equals("status".into(), "pending".into())),
                })
                .await,
        )?;
        return Ok(Verdict::Rejected(reason));
    }

    if pending_size.is_some() {
        app.blobs.promote(key, &attachment.file_key()).await?;
    }
    attachment.status = AttachmentStatus::Available;
    let actor = match &attachment.uploader {
        Uploader {
            user, support: true, ..
        } => Actor::Agent { user: user.clone() },
        // The customer side, acting on this ticket only.
        Uploader { user, email, .. } => Actor::Guest {
            acting_as: user.clone(),
            ticket: number,
            email: email.clone(),
        },
    };
    let event = EventKind::AttachmentAdded {
        attachment_id: attachment.id.clone(),
        file_name: attachment.file_name.clone(),
        content_type: attachment.content_type.clone(),
        size: attachment.size,
        internal: attachment.internal,
    };
    let available = model::attachment_item(&attachment, None)?;
    let apply = move |_: &mut Ticket| Ok(vec![event.clone()]);
    let writes = move |_: &Ticket| {
        Ok(vec![Write::Put {
            item: available.clone(),
            condition: Some(Condition::Equals("status".into(), "pending".into())),
        }])
    };
    conversation::record(app, &actor, &number, &apply, &writes).await?;
    Ok(Verdict::Available)
}

/// Why the first bytes do not fit the declared type, if they do not.
fn content_problem(content_type: &str, head: &[u8]) -> Option<String> {
    match rule(content_type).map(|a| a.magic) {
        None => Some(format!("{content_type} files are not accepted")),
        Some(Some(signatures)) => (!signatures.iter().any(|magic| head.starts_with(magic)))
            .then(|| format!("the file is not a {content_type} file")),
        // Text: must not be binary (UTF-8, no NUL); the cut may split a character.
        Some(None) => {
            let valid_prefix = match std::str::from_utf8(head) {
                Ok(_) => true,
                Err(e) => e.error_len().is_none(),
            };
            (!valid_prefix || head.contains(&0)).then(|| format!("the file is not {content_type} text"))
        }
    }
}

/// Step 3: a short-lived link that downloads the file.
pub async fn download(app: &App, actor: &Actor, number: &TicketNumber, id: &str) -> Result<PresignedRequest> {
    let not_found = || Error::NotFound("attachment");
    // Ids are ours (UUIDs): anything else is not looked up.
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(not_found());
    }
    crate::tickets::get(app, actor, number).await?;
    let item = app
        .store
        .get(&model::attachment_key(number, id))
        .await?
        .ok_or_else(not_found)?;
    let attachment = model::attachment_from_item(&item)?;
    if attachment.internal && !matches!(actor, Actor::Agent { .. }) {
        return Err(not_found());
    }
    if attachment.status != AttachmentStatus::Available {
        return Err(Error::Conflict(match attachment.status {
            AttachmentStatus::Pending => "the file is still being checked; try again in a moment".into(),
            _ => format!(
                "the file was refused: {}",
                attachment
                    .rejected_because
                    .as_deref()
                    .unwrap_or("it did not pass the checks")
            ),
        }));
    }
    Ok(app
        .blobs
        .presign_get(
            &attachment.file_key(),
            &attachment_disposition(&attachment.file_name),
            app.clock.now(),
            DOWNLOAD_TTL,
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_must_match_the_declared_type() {
        assert_eq!(content_problem("application/pdf", b"%PDF-1.7 ..."), None);
        assert!(
            content_problem("application/pdf", b"MZ\x90\x00").is_some(),
            "an executable named .pdf"
        );
        assert_eq!(content_problem("image/png", b"\x89PNG\r\n\x1a\nrest"), None);
        assert!(content_problem("image/png", b"<svg onload=alert(1)>").is_some());
        assert_eq!(content_problem("text/plain", "héllo".as_bytes()), None);
        assert_eq!(
            content_problem("text/plain", &"é".as_bytes()[..1]),
            None,
            "cut inside a character"
        );
        assert!(content_problem("text/plain", b"ab\0cd").is_some());
        assert!(content_problem("text/html", b"<html>").is_some());
    }

    #[test]
    fn file_names_are_plain() {
        assert_eq!(check_name("  report 2026.pdf ").unwrap(), "report 2026.pdf");
        for bad in [
            "",
            "../etc/passwd",
            "a\\b.txt",
            "a/b.txt",
            "bell\u{7}.txt",
            "..",
            &"x".repeat(256),
            "photo\u{202e}gnp.exe",
            "invoice\u{2067}.pdf",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_end_with_an_extension_of_their_type() {
        let fits = |content_type: &str, name: &str| extension_fits(rule(content_type).unwrap(), name);
        assert!(fits("text/plain", "notes.txt"));
        assert!(fits("text/plain", "server.LOG"));
        assert!(fits("image/jpeg", "photo.jpeg"));
        assert!(fits("application/gzip", "logs.tar.gz"));
        for (content_type, name) in [
            ("text/plain", "run.bat"),
            ("text/plain", "page.html"),
            ("text/plain", "logo.svg"),
            ("text/plain", "invoice.hta"),
            ("text/plain", "setup.exe"),
            ("text/plain", "script.ps1"),
            ("text/plain", "README"),
            ("text/plain", ".txt"),
            ("application/pdf", "report.pdf.exe"),
            ("image/png", "photo.jpg"),
        ] {
            assert!(!fits(content_type, name), "{name} as {content_type}");
        }
    }
}

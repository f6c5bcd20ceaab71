//! Mail for local runs: each message becomes a real MIME `.eml` file
//! (multipart/alternative, text and HTML) in a folder, readable in any mail
//! client or text editor.

use std::path::PathBuf;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use super::{MailError, Mailer, Message};

pub struct OutboxMailer {
    dir: PathBuf,
    from: String,
    latency: std::time::Duration,
}

impl OutboxMailer {
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>) -> Self {
        Self {
            dir: dir.into(),
            from: from.into(),
            latency: std::time::Duration::ZERO,
        }
    }

    /// Takes this long per message, as a real mail service does: crash
    /// tests widen the moment between claiming a mail and sending it.
    pub fn with_latency(mut self, latency: std::time::Duration) -> Self {
        self.latency = latency;
        self
    }
}

/// The longest raw UTF-8 chunk one encoded-word carries: base64 of 42
/// bytes is 56 characters, plus `=?utf-8?B?` and `?=`, 68 ≤ 75 (RFC 2047),
/// so even the first line (`Subject: ` and a word) stays within 78.
const ENCODED_WORD_BYTES: usize = 42;

/// A header value as RFC 5322 wants it: short plain ASCII as is; anything
/// else as RFC 2047 encoded-words of at most 75 characters, one per folded
/// line, split only between characters.
fn header_value(value: &str) -> String {
    let value = value.replace(['\r', '\n'], " ");
    if value.is_ascii() && value.len() <= 60 {
        return value;
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in value.chars() {
        if chunk.len() + c.len_utf8() > ENCODED_WORD_BYTES {
            words.push(format!("=?utf-8?B?{}?=", STANDARD.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?utf-8?B?{}?=", STANDARD.encode(&chunk)));
    }
    words.join("\r\n ")
}

/// The message as RFC 5322 / MIME text; `id` is its Message-ID without
/// the angle brackets.
pub fn render_eml(from: &str, message: &Message, id: &str, date: OffsetDateTime) -> String {
    let boundary = format!(
        "=_servicedesk_{}",
        crate::secret::digest(&format!("{id}{}", date.unix_timestamp_nanos()))
            .get(..16)
            .unwrap_or_default()
    );
    let to: Vec<&str> = message.to.iter().map(|e| e.as_str()).collect();
    let date = date.format(&Rfc2822).unwrap_or_default();
    // Our own values (a token address, a ticket's thread id), on one line each.
    let one_line = |value: &str| value.replace(['\r', '\n'], "");
    let mut threading = String::new();
    if let Some(reply_to) = &message.reply_to {
        threading.push_str(&format!("Reply-To: {}\r\n", one_line(reply_to)));
    }
    if let Some(thread) = &message.thread {
        let thread = one_line(thread);
        threading.push_str(&format!("In-Reply-To: <{thread}>\r\nReferences: <{thread}>\r\n"));
    }
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}>\r\n{threading}\
         MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n\
         Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n\
         --{boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{html}\r\n\
         --{boundary}--\r\n",
        to = to.join(", "),
        subject = header_value(&message.subject),
        text = message.text.replace("\r\n", "\n").replace('\n', "\r\n"),
        html = message.html,
    )
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        tokio::time::sleep(self.latency).await;
        let now = OffsetDateTime::now_utc();
        let file_id = uuid::Uuid::now_v7().to_string();
        let id = message
            .message_id
            .clone()
            .unwrap_or_else(|| format!("{file_id}@servicedesk.local"));
        let eml = render_eml(&self.from, message, &id, now);
        let unavailable =
            |e: std::io::Error| MailError::Unavailable(format!("outbox {}: {e}", self.dir.display()));
        tokio::fs::create_dir_all(&self.dir).await.map_err(unavailable)?;
        // Written under a temporary name, then renamed: readers never see half a message.
        let name = format!("{}-{file_id}.eml", now.unix_timestamp_nanos());
        let partial = self.dir.join(format!(".{name}.partial"));
        tokio::fs::write(&partial, eml).await.map_err(unavailable)?;
        tokio::fs::rename(&partial, self.dir.join(name))
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;

    #[tokio::test]
    async fn writes_one_complete_mime_file_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = OutboxMailer::new(dir.path().join("outbox"), "Service desk <desk@example.com>");
        let message = Message {
            to: vec![Email::parse("ann@example.com").unwrap()],
            subject: "Réinitialisez".into(),
            text: "line one\nline two".into(),
            html: "<p>line one</p>".into(),
            message_id: None,
            reply_to: None,
            thread: None,
        };
        mailer.send(&message).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().unwrap(), "eml");
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        assert!(eml.contains("To: ann@example.com\r\n"));
        assert!(eml.contains(&format!(
            "Subject: =?utf-8?B?{}?=",
            STANDARD.encode("Réinitialisez")
        )));
        assert!(eml.contains("Message-ID: <") && eml.contains("@servicedesk.local>\r\n"));
        assert!(eml.contains("Auto-Submitted: auto-generated"));
        assert!(
            !eml.contains("Reply-To:") && !eml.contains("In-Reply-To:"),
            "none asked for"
        );
        assert!(
            eml.contains("Content-Type: text/plain; charset=utf-8")
                && eml.contains("Content-Type: text/html; charset=utf-8")
        );
        assert!(eml.contains("line one\r\nline two"));
        assert!(eml.trim_end().ends_with("--"));
    }

    #[test]
    fn long_headers_fold_into_short_encoded_words() {
        let subject = format!(
            "[T20261122.0001] {}",
            "Écran noir après la mise à jour ".repeat(30)
        );
        let message = Message {
            to: vec![Email::parse("ann@example.com").unwrap()],
            subject: subject.clone(),
            text: "x".into(),
            html: "x".into(),
            message_id: Some("n1.abc@servicedesk".into()),
            reply_to: Some("reply+tok@inbound.example".into()),
            thread: Some("T20261122.0001@desk.example".into()),
        };
        let eml = render_eml(
            "desk@example.com",
            &message,
            "n1.abc@servicedesk",
            OffsetDateTime::UNIX_EPOCH,
        );
        let head = eml.split("\r\n\r\n").next().unwrap();
        for line in head.split("\r\n") {
            assert!(line.len() <= 78, "a {}-character header line: {line}", line.len());
        }
        assert!(head.contains("Message-ID: <n1.abc@servicedesk>"));
        assert!(head.contains("\r\nReply-To: reply+tok@inbound.example\r\n"));
        assert!(head.contains(
            "\r\nIn-Reply-To: <T20261122.0001@desk.example>\r\nReferences: <T20261122.0001@desk.example>\r\n"
        ));
        // Every encoded-word is at most 75 characters and they decode to the subject.
        let mut decoded = Vec::new();
        for word in head.split_whitespace().filter(|w| w.starts_with("=?utf-8?B?")) {
            assert!(word.len() <= 75, "{}-character encoded-word", word.len());
            let b64 = word.trim_start_matches("=?utf-8?B?").trim_end_matches("?=");
            decoded.extend(STANDARD.decode(b64).unwrap());
        }
        assert_eq!(String::from_utf8(decoded).unwrap(), subject);
    }
}

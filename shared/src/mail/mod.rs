//! The mail port: what we send ([`Message`]), and adapters that send it —
//! SESv2 in AWS ([`ses`]), `.eml` files in a local outbox ([`outbox`]).

use async_trait::async_trait;

use crate::domain::Email;
use crate::i18n::{self, Language, Text};

pub mod outbox;
#[cfg(feature = "ses")]
pub mod ses;

/// An email with a plain-text and an HTML part.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub to: Vec<Email>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// A stable id (without the angle brackets) when sending the same
    /// message again must be recognisable as the same: a notification
    /// resent after a crash. `None`: the adapter makes one up.
    pub message_id: Option<String>,
    /// Where replies go (`Reply-To`): the recipient's own reply address.
    pub reply_to: Option<String>,
    /// The conversation's id (without angle brackets), sent as
    /// `In-Reply-To` and `References` so mail clients group a ticket's mails.
    pub thread: Option<String>,
}

impl Message {
    /// A message from the catalog: subject and body in `language`, the body
    /// followed by the signature, the HTML part derived from the text (escaped,
    /// links made clickable).
    pub fn compose(to: Email, language: Language, subject: Text, body: Text, args: &[(&str, &str)]) -> Self {
        let text = format!(
            "{}\n\n{}\n",
            i18n::render(language, body, args),
            i18n::render(language, Text::Signature, args)
        );
        Self {
            to: vec![to],
            subject: i18n::render(language, subject, args),
            html: to_html(&text, language),
            text,
            message_id: None,
            reply_to: None,
            thread: None,
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn to_html(text: &str, language: Language) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let p = p.trim();
            if p.starts_with("https://") || p.starts_with("http://") {
                format!("<p><a href=\"{0}\">{0}</a></p>", escape(p))
            } else {
                format!("<p>{}</p>", escape(p).replace('\n', "<br>"))
            }
        })
        .collect();
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"></head><body>{}</body></html>",
        language.code(),
        paragraphs.join("")
    )
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The provider refused this message for good (bad address, suppressed...).
    #[error("mail rejected: {0}")]
    Rejected(String),
    /// The provider failed; sending again later may work.
    #[error("mail service unavailable: {0}")]
    Unavailable(String),
}

impl From<MailError> for crate::Error {
    fn from(err: MailError) -> Self {
        tracing::error!(error = %err, "mail failure");
        crate::Error::Unavailable(err.to_string())
    }
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, message: &Message) -> Result<(), MailError>;
}

/// For functions that never send mail: sending is a bug, reported as such.
pub struct NoMail;

#[async_trait]
impl Mailer for NoMail {
    async fn send(&self, _: &Message) -> Result<(), MailError> {
        Err(MailError::Unavailable(
            "this function is built without a mailer (enable the `ses` feature)".into(),
        ))
    }
}

/// Keeps messages in memory, for tests; can be told to fail, like a mail
/// service that is down.
#[cfg(feature = "test-support")]
#[derive(Default)]
pub struct MemoryMailer {
    sent: std::sync::Mutex<Vec<Message>>,
    failures_left: std::sync::atomic::AtomicUsize,
}

#[cfg(feature = "test-support")]
impl MemoryMailer {
    /// Messages sent since the last call.
    pub fn take(&self) -> Vec<Message> {
        std::mem::take(&mut *self.sent.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The next `n` sends fail as if the service were unavailable.
    pub fn fail_next(&self, n: usize) {
        self.failures_left.store(n, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(feature = "test-support")]
#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        use std::sync::atomic::Ordering;
        // What the SES adapter does for a message: one SendEmail, as the
        // identity, through the configuration set (tests/it/mail_ses.rs
        // records it at the wire).
        crate::testing::aws_calls::record("ses:SendEmail", "ses:identity");
        crate::testing::aws_calls::record("ses:SendEmail", "ses:configuration-set");
        if self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(MailError::Unavailable("injected failure".into()));
        }
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_part_escapes_text_and_links_urls() {
        let to = Email::parse("ann@example.com").unwrap();
        let message = Message::compose(
            to,
            Language::En,
            Text::ResetSubject,
            Text::ResetBody,
            &[
                ("email", "<ann>@example.com"),
                ("link", "https://desk.example/reset#token=a&b"),
            ],
        );
        assert!(message.text.contains("https://desk.example/reset#token=a&b"));
        assert!(message.html.contains("&lt;ann&gt;@example.com"));
        assert!(
            message
                .html
                .contains(r#"<a href="https://desk.example/reset#token=a&amp;b">"#)
        );
        assert!(message.text.ends_with("— The service desk team\n"));
    }
}

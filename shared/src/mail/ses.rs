//! Mail through Amazon SES (v2 API): one SendEmail request per message.

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message as SesMessage, MessageHeader};

use super::{MailError, Mailer, Message};

pub struct SesMailer {
    client: Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    /// Borrows an already-built client: build it once, in `main`.
    pub fn new(client: Client, from: impl Into<String>) -> Self {
        Self {
            client,
            from: from.into(),
            configuration_set: None,
        }
    }

    /// Sends through this configuration set (bounce/complaint suppression).
    pub fn with_configuration_set(mut self, name: Option<String>) -> Self {
        self.configuration_set = name;
        self
    }
}

fn content(data: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Rejected(e.to_string()))
}

/// Whether SES refused this message for good (not worth sending again).
/// Problems of the account or its sending domain (suspended, MAIL FROM not
/// verified) are not: once an operator fixes them, the retried and swept
/// notifications go out instead of being dropped.
fn refused_for_good(code: Option<&str>) -> bool {
    matches!(code, Some("MessageRejected" | "BadRequestException"))
}

fn header(name: &str, value: &str) -> Result<MessageHeader, MailError> {
    MessageHeader::builder()
        .name(name)
        .value(value)
        .build()
        .map_err(|e| MailError::Rejected(e.to_string()))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        // Tells auto-responders not to answer (mail loop protection).
        let mut headers = vec![header("Auto-Submitted", "auto-generated")?];
        // SES replaces any Message-ID with its own, so the stable id of a
        // notification mail (the same when it is sent again after a crash)
        // travels in a header of ours.
        if let Some(id) = &message.message_id {
            headers.push(header("X-Servicedesk-Message-Id", &format!("<{id}>"))?);
        }
        if let Some(thread) = &message.thread {
            headers.push(header("In-Reply-To", &format!("<{thread}>"))?);
            headers.push(header("References", &format!("<{thread}>"))?);
        }
        let simple = SesMessage::builder()
            .subject(content(&message.subject)?)
            .body(
                Body::builder()
                    .text(content(&message.text)?)
                    .html(content(&message.html)?)
                    .build(),
            )
            .set_headers(Some(headers))
            .build();
        let result = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .set_configuration_set_name(self.configuration_set.clone())
            .set_reply_to_addresses(message.reply_to.clone().map(|address| vec![address]))
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(message.to.iter().map(|e| e.to_string()).collect()))
                    .build(),
            )
            .content(EmailContent::builder().simple(simple).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => {
                let permanent = refused_for_good(err.as_service_error().and_then(|e| e.code()));
                let detail = DisplayErrorContext(&err).to_string();
                Err(if permanent {
                    MailError::Rejected(detail)
                } else {
                    MailError::Unavailable(detail)
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::refused_for_good;

    #[test]
    fn account_problems_are_retried_and_bad_messages_are_not() {
        assert!(refused_for_good(Some("MessageRejected")));
        assert!(refused_for_good(Some("BadRequestException")));
        for passing in [
            Some("MailFromDomainNotVerifiedException"),
            Some("AccountSuspendedException"),
            Some("TooManyRequestsException"),
            Some("SendingPausedException"),
            None,
        ] {
            assert!(!refused_for_good(passing), "{passing:?}");
        }
    }
}

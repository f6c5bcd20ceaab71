//! A received mail, read once with a well-kept MIME parser (`mail-parser`:
//! every charset and transfer encoding clients send, RFC 2047 and 2231
//! names, multipart/alternative and related, HTML turned into text) into
//! the plain values the rest of inbound mail works with.

use mail_parser::{MessageParser, MimeHeaders, PartType};

/// A file that came with a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundFile {
    pub file_name: String,
    /// `type/subtype`, without parameters.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One recipient a delivery report says could not be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRecipient {
    /// Lowercased.
    pub address: String,
    /// The report's status code, `5.1.1` say, when it gives one.
    pub status: Option<String>,
}

/// A received mail's parts that matter to the desk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundMessage {
    /// Without its angle brackets.
    pub message_id: Option<String>,
    /// The author's address (lowercased) and name.
    pub from: Option<String>,
    pub from_name: Option<String>,
    /// The `Sender` field's address, lowercased, when the mail has one.
    pub sender: Option<String>,
    /// Every `To` and `Cc` address, lowercased.
    pub recipients: Vec<String>,
    pub subject: String,
    /// Message ids, without angle brackets.
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// The text the person wrote, quotes included: the plain part if there
    /// is one, else the HTML part turned into text.
    pub text: String,
    pub files: Vec<InboundFile>,
    /// Every top-level header field as `(lowercased name, value)`, for the
    /// signals of automatic mail (`noise.rs`).
    pub headers: Vec<(String, String)>,
    /// `type/subtype` of the whole message (`multipart/report` for a bounce).
    pub content_type: String,
    /// The report type of a `multipart/report` (`delivery-status`).
    pub report_type: Option<String>,
    /// Who a delivery report says failed (from its `message/delivery-status` part).
    pub failed_recipients: Vec<FailedRecipient>,
}

/// Why a mail cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable;

impl InboundMessage {
    /// Reads `raw` (the bytes as received). A mail with no header block at
    /// all is `Unreadable`; anything else is read as far as it goes.
    pub fn parse(raw: &[u8]) -> Result<Self, Unreadable> {
        let message = MessageParser::default().parse(raw).ok_or(Unreadable)?;
        let address = |a: &mail_parser::Addr<'_>| a.address().map(|a| a.trim().to_lowercase());
        let from = message.from().and_then(|f| f.first());
        let ids = |value: &mail_parser::HeaderValue<'_>| match value {
            mail_parser::HeaderValue::Text(id) => vec![id.trim_matches(['<', '>']).to_owned()],
            mail_parser::HeaderValue::TextList(ids) => ids
                .iter()
                .map(|id| id.trim_matches(['<', '>']).to_owned())
                .collect(),
            _ => vec![],
        };
        let recipients = message
            .to()
            .into_iter()
            .chain(message.cc())
            .flat_map(|list| list.iter())
            .filter_map(address)
            .collect();
        let text = message
            .body_text(0)
            .map(|text| text.into_owned())
            .unwrap_or_default();
        let content_type = message.root_part().content_type();
        let mut inbound = InboundMessage {
            message_id: message
                .message_id()
                .map(|id| id.trim_matches(['<', '>']).to_owned()),
            from: from.and_then(address),
            from_name: from.and_then(|f| f.name()).map(str::to_owned),
            sender: message.sender().and_then(|s| s.first()).and_then(address),
            recipients,
            subject: message.subject().unwrap_or_default().trim().to_owned(),
            in_reply_to: ids(message.in_reply_to()),
            references: ids(message.references()),
            text,
            files: vec![],
            headers: message
                .headers_raw()
                .map(|(name, value)| (name.to_lowercase(), unfold(value)))
                .collect(),
            content_type: content_type
                .map(type_and_subtype)
                .unwrap_or_else(|| "text/plain".into()),
            report_type: content_type
                .and_then(|ct| ct.attribute("report-type"))
                .map(|t| t.to_lowercase()),
            failed_recipients: vec![],
        };
        for part in message.attachments() {
            let is_report = part.content_type().is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case("message")
                    && ct
                        .subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("delivery-status"))
            });
            if is_report {
                inbound.failed_recipients = failed_recipients(&String::from_utf8_lossy(part.contents()));
                continue;
            }
            let file_name = match (file_name(part), &part.body) {
                (Some(name), _) => name,
                // A forwarded message without a name: named after its subject.
                (None, PartType::Message(inner)) => {
                    format!("{}.eml", inner.subject().unwrap_or("message").trim())
                }
                (None, _) => "attachment".to_owned(),
            };
            inbound.files.push(InboundFile {
                file_name,
                content_type: part
                    .content_type()
                    .map(type_and_subtype)
                    .unwrap_or_else(|| "application/octet-stream".into()),
                bytes: part.contents().to_vec(),
            });
        }
        // A report's status part may also come as a body part.
        if inbound.failed_recipients.is_empty() && inbound.report_type.is_some() {
            for part in message.parts.iter() {
                if part.is_content_type("message", "delivery-status") {
                    inbound.failed_recipients = failed_recipients(&String::from_utf8_lossy(part.contents()));
                }
            }
        }
        if inbound.failed_recipients.is_empty() && inbound.report_type.is_some() {
            inbound.failed_recipients = named_in_fields_or_text(&inbound);
        }
        Ok(inbound)
    }

    /// The first value of the header field `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of the header field `name` (any case), in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The part's file name: its disposition's `filename`, else its type's
/// `name`. A name left with control characters was not decoded (mail-parser
/// decodes RFC 2231 continuations one by one, which breaks stateful
/// charsets such as ISO-2022-JP): the other spelling is used instead.
fn file_name(part: &mail_parser::MessagePart<'_>) -> Option<String> {
    let disposition = part.content_disposition().and_then(|d| d.attribute("filename"));
    let declared = part.content_type().and_then(|t| t.attribute("name"));
    [disposition, declared]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|name| !name.is_empty() && !name.chars().any(char::is_control))
        .map(str::to_owned)
}

#[cfg(test)]
impl InboundMessage {
    /// A plain mail from ann@acme.example with these header fields, for tests.
    pub(super) fn from_ann(headers: &[(&str, &str)], subject: &str) -> Self {
        Self {
            from: Some("ann@acme.example".into()),
            subject: subject.into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_lowercase(), (*v).to_owned()))
                .collect(),
            content_type: "text/plain".into(),
            ..Self::default()
        }
    }
}

fn type_and_subtype(ct: &mail_parser::ContentType<'_>) -> String {
    match ct.subtype() {
        Some(subtype) => format!("{}/{}", ct.ctype(), subtype).to_lowercase(),
        None => ct.ctype().to_lowercase(),
    }
}

/// A raw header value on one line, trimmed.
fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A report without a readable status part: the `X-Failed-Recipients`
/// field (Exim, Gmail), else the address under Exchange's "Delivery has
/// failed to these recipients or groups:" in the text.
fn named_in_fields_or_text(mail: &InboundMessage) -> Vec<FailedRecipient> {
    let failed = |address: &str| FailedRecipient {
        address: address.trim().trim_matches(['<', '>']).to_lowercase(),
        status: None,
    };
    let listed: Vec<FailedRecipient> = mail
        .headers_named("x-failed-recipients")
        .flat_map(|value| value.split(','))
        .filter(|address| address.contains('@'))
        .map(failed)
        .collect();
    if !listed.is_empty() {
        return listed;
    }
    let mut lines = mail.text.lines();
    let intro = |line: &str| {
        let line = line.to_lowercase();
        line.contains("failed to these recipients") || line.contains("destinataires ou groupes suivants")
    };
    if lines.by_ref().any(intro)
        && let Some(line) = lines.find(|line| line.contains('@'))
    {
        // `ann@acme.example<mailto:ann@acme.example>`
        let address = line.split("<mailto:").next().unwrap_or_default();
        if let Some(address) = address.split_whitespace().find(|word| word.contains('@')) {
            return vec![failed(address)];
        }
    }
    vec![]
}

/// The recipients a `message/delivery-status` body reports as failed
/// (RFC 3464: per-recipient fields `Final-Recipient`, `Action`, `Status`).
fn failed_recipients(report: &str) -> Vec<FailedRecipient> {
    let mut failed = Vec::new();
    // Per-recipient groups are separated by blank lines.
    for group in report.replace("\r\n", "\n").split("\n\n") {
        let field = |name: &str| {
            group.lines().find_map(|line| {
                let (field, value) = line.split_once(':')?;
                field
                    .trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
        };
        let Some(recipient) = field("Final-Recipient").or_else(|| field("Original-Recipient")) else {
            continue;
        };
        if !field("Action").is_some_and(|action| action.eq_ignore_ascii_case("failed")) {
            continue;
        }
        // `rfc822; ann@example.com`
        let address = recipient
            .rsplit(';')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches(['<', '>']);
        if address.contains('@') {
            failed.push(FailedRecipient {
                address: address.to_lowercase(),
                status: field("Status").map(|s| s.split_whitespace().next().unwrap_or_default().to_owned()),
            });
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_parts_the_desk_uses() {
        let raw = b"From: Ann Archer <Ann@Acme.example>\r\nTo: reply+abc@desk.example\r\nCc: bob@acme.example\r\n\
Subject: =?utf-8?q?Re:_[T20261122.0001]_caf=C3=A9?=\r\nMessage-ID: <m1@acme.example>\r\n\
In-Reply-To: <n1@desk.example>\r\nReferences: <n0@desk.example> <n1@desk.example>\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nMerci, c'est r=E9gl=E9.\r\n";
        let mail = InboundMessage::parse(raw).unwrap();
        assert_eq!(mail.message_id.as_deref(), Some("m1@acme.example"));
        assert_eq!(mail.from.as_deref(), Some("ann@acme.example"));
        assert_eq!(mail.from_name.as_deref(), Some("Ann Archer"));
        assert_eq!(mail.recipients, ["reply+abc@desk.example", "bob@acme.example"]);
        assert_eq!(mail.subject, "Re: [T20261122.0001] café");
        assert_eq!(mail.in_reply_to, ["n1@desk.example"]);
        assert_eq!(mail.references, ["n0@desk.example", "n1@desk.example"]);
        assert_eq!(mail.text.trim(), "Merci, c'est réglé.");
        assert_eq!(mail.header("message-id"), Some("<m1@acme.example>"));
    }

    #[test]
    fn a_delivery_report_names_who_failed() {
        let report = "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; Gone@Acme.example\nAction: failed\nStatus: 5.1.1 (no such user)\n\nFinal-Recipient: rfc822; slow@acme.example\nAction: delayed\n";
        assert_eq!(
            failed_recipients(report),
            [FailedRecipient {
                address: "gone@acme.example".into(),
                status: Some("5.1.1".into())
            }]
        );
    }

    #[test]
    fn a_report_without_its_status_part_still_names_who_failed() {
        let exim = b"From: Mail Delivery System <Mailer-Daemon@mx.example>\r\nX-Failed-Recipients: Gone@acme.example\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n";
        let mail = InboundMessage::parse(exim).unwrap();
        assert_eq!(mail.failed_recipients[0].address, "gone@acme.example");
        let exchange = b"From: postmaster@outlook.example\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
Delivery has failed to these recipients or groups:\r\n\r\nkiji@example.com<mailto:kiji@example.com>\r\nNot found.\r\n--b--\r\n";
        let mail = InboundMessage::parse(exchange).unwrap();
        assert_eq!(mail.failed_recipients[0].address, "kiji@example.com");
    }

    #[test]
    fn bytes_that_are_no_mail_are_unreadable_or_empty() {
        // Whatever arrives is read as far as it goes; nothing panics.
        for raw in [
            &b""[..],
            b"\r\n\r\n",
            b"garbage without headers",
            &[0xff, 0xfe, 0x00],
        ] {
            if let Ok(mail) = InboundMessage::parse(raw) {
                assert!(mail.from.is_none());
            }
        }
    }
}

//! Whether a received mail may speak for the person it names: not mail
//! from the desk itself (a loop), not automatic mail (`noise.rs`), not mail
//! that fails its sender checks (SPF, DKIM, DMARC). (Mail sent by one
//! person on behalf of another is let through; the note names its
//! `Sender`, see `receive.rs`.) A refused mail is recorded for support and
//! never answered: its sender may be forged, and an answer would be
//! backscatter.

use super::message::InboundMessage;
use super::noise::{self, Kind};

/// What the receiving side found out about the sender: in AWS, SES's
/// receipt verdicts; locally, the `Authentication-Results` field the
/// receiving host added (`from_header`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authenticity {
    /// The author's domain vouches for the mail: DMARC passed, or a DKIM
    /// signature of the `From` domain did. Only such mail may open a ticket
    /// or speak for an agent through the support address.
    Pass,
    /// The check that failed: `spf`, `dkim`, `dmarc`, `spam` or `virus`.
    Fail(&'static str),
    /// Nothing failed, and nothing vouches for the `From` either (no
    /// verdict, or only SPF, which is about the envelope sender). Enough
    /// for a reply to a reply address, whose token and recipient must match.
    Unchecked,
}

impl Authenticity {
    /// The verdict of the `Authentication-Results` field (RFC 8601) that
    /// `receiver` added, and of its spam and virus scan (SES's
    /// `X-SES-Spam-Verdict`, `X-SES-Virus-Verdict`). Only the topmost field
    /// of each counts: the receiver adds its own above everything the
    /// sender wrote, and anyone can write one into the mail they send
    /// (fields of other hosts are ignored altogether). DMARC decides when
    /// present; else an SPF failure with no passing DKIM signature fails.
    pub fn from_header(mail: &InboundMessage, receiver: &str) -> Self {
        let scanned = |name: &str| {
            mail.headers_named(name)
                .next()
                .is_some_and(|verdict| verdict.trim().eq_ignore_ascii_case("fail"))
        };
        if scanned("x-ses-virus-verdict") {
            return Self::Fail("virus");
        }
        if scanned("x-ses-spam-verdict") {
            return Self::Fail("spam");
        }
        let ours = mail.headers_named("authentication-results").find(|field| {
            let id = field.split(';').next().unwrap_or_default();
            id.split_whitespace()
                .next()
                .is_some_and(|id| id.eq_ignore_ascii_case(receiver))
        });
        let Some(field) = ours else {
            return Self::Unchecked;
        };
        // (method, result, the rest: `header.d=acme.example ...`)
        let results: Vec<(String, String, String)> = field
            .split(';')
            .skip(1)
            .filter_map(|part| {
                let (method, rest) = part.trim().split_once('=')?;
                let (result, properties) = rest
                    .trim()
                    .split_once(char::is_whitespace)
                    .unwrap_or((rest.trim(), ""));
                Some((
                    method.trim().to_lowercase(),
                    result.to_lowercase(),
                    properties.to_lowercase(),
                ))
            })
            .collect();
        let result = |method: &str| {
            results
                .iter()
                .find(|(m, _, _)| m == method)
                .map(|(_, r, _)| r.as_str())
        };
        let from_domain = mail
            .from
            .as_deref()
            .and_then(|from| from.rsplit_once('@'))
            .map(|(_, domain)| domain);
        // A passing signature of the From domain itself (`header.d=` or `header.i=@`).
        let signed_by_from = from_domain.is_some_and(|domain| {
            results.iter().any(|(method, result, properties)| {
                method == "dkim"
                    && result == "pass"
                    && properties.split_whitespace().any(|property| {
                        property.strip_prefix("header.d=") == Some(domain)
                            || property
                                .strip_prefix("header.i=")
                                .and_then(|i| i.rsplit_once('@'))
                                .map(|(_, d)| d)
                                == Some(domain)
                    })
            })
        });
        match (result("dmarc"), result("spf"), result("dkim")) {
            (Some("fail"), _, _) => Self::Fail("dmarc"),
            (None, Some("fail"), dkim) if dkim != Some("pass") => Self::Fail("spf"),
            (None, _, Some("fail")) => Self::Fail("dkim"),
            (Some("pass"), _, _) => Self::Pass,
            _ if signed_by_from => Self::Pass,
            _ => Self::Unchecked,
        }
    }
}

/// Why a mail does not become a note or a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// It has no author address to check.
    NoSender,
    /// It comes from one of the desk's own addresses: answering would loop.
    FromTheDesk,
    /// An automatic reply, a list or bulk mail, or a delivery report.
    Automatic(Kind),
    /// It failed the named sender check.
    NotAuthentic(&'static str),
}

/// Lets `mail` through, or says why not. `desk_addresses` are the desk's
/// own addresses (lowercased): its sender and every reply address domain.
pub fn screen(
    mail: &InboundMessage,
    desk_addresses: &[String],
    authenticity: Authenticity,
) -> Result<(), Refusal> {
    let from = mail.from.as_deref().ok_or(Refusal::NoSender)?;
    if desk_addresses.iter().any(|desk| desk == from) {
        return Err(Refusal::FromTheDesk);
    }
    match noise::classify(mail) {
        Kind::Personal => {}
        other => return Err(Refusal::Automatic(other)),
    }
    if let Authenticity::Fail(check) = authenticity {
        return Err(Refusal::NotAuthentic(check));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(headers: &[(&str, &str)]) -> InboundMessage {
        InboundMessage::from_ann(headers, "")
    }

    #[test]
    fn only_the_receivers_own_verdict_counts() {
        let failed = mail(&[(
            "Authentication-Results",
            "mx.desk.example; dmarc=fail header.from=acme.example",
        )]);
        assert_eq!(
            Authenticity::from_header(&failed, "mx.desk.example"),
            Authenticity::Fail("dmarc")
        );
        // Written by the sender (or any host on the way): not trusted, either way.
        assert_eq!(
            Authenticity::from_header(&failed, "other.example"),
            Authenticity::Unchecked
        );
        // Forwarded on the way (SPF fails), signed by the author's domain: vouched for.
        let forwarded = mail(&[(
            "Authentication-Results",
            "mx.desk.example; spf=fail; dkim=pass header.d=acme.example",
        )]);
        assert_eq!(
            Authenticity::from_header(&forwarded, "mx.desk.example"),
            Authenticity::Pass
        );
        // Signed by some other domain, or only SPF: nothing vouches for the From.
        for weak in [
            "mx.desk.example; dkim=pass header.d=elsewhere.example",
            "mx.desk.example; spf=pass smtp.mailfrom=acme.example",
            "mx.desk.example; dkim=pass",
        ] {
            let mail = mail(&[("Authentication-Results", weak)]);
            assert_eq!(
                Authenticity::from_header(&mail, "mx.desk.example"),
                Authenticity::Unchecked,
                "{weak}"
            );
        }
        let aligned = mail(&[(
            "Authentication-Results",
            "mx.desk.example; dkim=pass header.i=@acme.example",
        )]);
        assert_eq!(
            Authenticity::from_header(&aligned, "mx.desk.example"),
            Authenticity::Pass
        );
        let dmarc = mail(&[(
            "Authentication-Results",
            "mx.desk.example; dmarc=pass header.from=acme.example",
        )]);
        assert_eq!(
            Authenticity::from_header(&dmarc, "mx.desk.example"),
            Authenticity::Pass
        );
        let spoofed = mail(&[(
            "Authentication-Results",
            "mx.desk.example; spf=fail smtp.mailfrom=x; dkim=none",
        )]);
        assert_eq!(
            Authenticity::from_header(&spoofed, "mx.desk.example"),
            Authenticity::Fail("spf")
        );
        // A "pass" the sender wrote below the receiver's own "fail" changes nothing.
        let forged = mail(&[
            ("Authentication-Results", "mx.desk.example; dmarc=fail"),
            ("Authentication-Results", "mx.desk.example; dmarc=pass"),
        ]);
        assert_eq!(
            Authenticity::from_header(&forged, "mx.desk.example"),
            Authenticity::Fail("dmarc")
        );
        for (scan, check) in [("X-SES-Spam-Verdict", "spam"), ("X-SES-Virus-Verdict", "virus")] {
            let flagged = mail(&[
                (scan, "FAIL"),
                ("Authentication-Results", "mx.desk.example; dmarc=pass"),
            ]);
            assert_eq!(
                Authenticity::from_header(&flagged, "mx.desk.example"),
                Authenticity::Fail(check)
            );
        }
    }

    #[test]
    fn the_desk_automatic_mail_and_failed_checks_are_refused() {
        let desk = ["desk@desk.example".to_owned()];
        assert_eq!(screen(&mail(&[]), &desk, Authenticity::Pass), Ok(()));
        assert_eq!(screen(&mail(&[]), &desk, Authenticity::Unchecked), Ok(()));
        let mut own = mail(&[]);
        own.from = Some("desk@desk.example".into());
        assert_eq!(screen(&own, &desk, Authenticity::Pass), Err(Refusal::FromTheDesk));
        assert!(matches!(
            screen(
                &mail(&[("Auto-Submitted", "auto-replied")]),
                &desk,
                Authenticity::Pass
            ),
            Err(Refusal::Automatic(_))
        ));
        assert_eq!(
            screen(&mail(&[]), &desk, Authenticity::Fail("dkim")),
            Err(Refusal::NotAuthentic("dkim"))
        );
        let mut proxy = mail(&[]);
        proxy.sender = Some("jake@acme.example".into());
        assert_eq!(
            screen(&proxy, &desk, Authenticity::Pass),
            Ok(()),
            "named on the note instead"
        );
        let mut anonymous = mail(&[]);
        anonymous.from = None;
        assert_eq!(
            screen(&anonymous, &desk, Authenticity::Pass),
            Err(Refusal::NoSender)
        );
    }
}

//! What a person wrote in a reply, without what they replied to: the quoted
//! history (`>` lines and the "On … wrote:" line above them, Outlook's
//! "From:/Sent:" block, "Original Message" and forward separators) and the
//! signature (a `-- ` line, and phone lines such as "Sent from my iPhone"
//! at the end). Works on text; HTML mail is turned into text before.
//!
//! The rules follow the reply parsers of GitHub (email_reply_parser),
//! Mailgun (talon) and Discourse (email_reply_trimmer), in English, French
//! and German at least; `tests/it/mail_corpus.rs` runs them on real mail.

/// The reply's own text, trimmed; empty when the mail held only quotes.
pub fn reply_text(body: &str) -> String {
    let text = body
        .replace("\r\n", "\n")
        .replace(['\r'], "\n")
        .replace('\u{a0}', " ");
    let lines: Vec<&str> = text.lines().collect();
    let kept = without_quote_blocks(&lines);
    let kept = &kept[..first_cut(&kept)];
    let kept = without_trailing_signatures(kept);
    let lines: Vec<&str> = kept.iter().map(|line| line.trim_end()).collect();
    let first = lines
        .iter()
        .position(|line| !line.is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|line| !line.is_empty())
        .map_or(first, |i| i + 1);
    lines[first..last].join("\n")
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Words that end an attribution line, by language, after the whitespace
/// is collapsed ("a écrit :" with or without its space).
const ATTRIBUTION_ENDINGS: [&str; 16] = [
    "wrote:",
    "a écrit :",
    "a écrit:",
    "schrieb:",
    "написал:",
    "написала:",
    "escribió:",
    "ha scritto:",
    "schreef:",
    "skrev:",
    "napisał:",
    "napisał(a):",
    "kirjoitti:",
    "escreveu:",
    "yazdı:",
    "írta:",
];

/// How an attribution begins ("On Tue, …", "Le 4 janv. …", "Am …"), or a date.
const ATTRIBUTION_STARTS: [&str; 10] = [
    "On ", "Le ", "Am ", "El ", "Il ", "Op ", "Em ", "Den ", "W dniu ", "Dne ",
];

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ends_attribution(line: &str) -> bool {
    let line = collapse(line);
    ATTRIBUTION_ENDINGS.iter().any(|ending| line.ends_with(ending))
}

fn starts_attribution(line: &str) -> bool {
    let line = line.trim_start();
    ATTRIBUTION_STARTS.iter().any(|start| line.starts_with(start))
        || line.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// The attribution ending on line `end`, as the range of its lines: it may
/// be wrapped over up to three lines ("On …, Name\n<address> wrote:").
fn attribution_at(lines: &[&str], end: usize) -> Option<std::ops::Range<usize>> {
    if is_quoted(lines[end]) || !ends_attribution(lines[end]) {
        return None;
    }
    let mut start = end;
    while start > 0
        && end - start < 2
        && !starts_attribution(lines[start])
        && !is_blank(lines[start - 1])
        && !is_quoted(lines[start - 1])
    {
        start -= 1;
    }
    Some(start..end + 1)
}

/// Drops every `>` line, and the attribution above a block of them: what
/// is left is the reply, above the quote (top posting), below it (bottom
/// posting) or between quotes (inline answers).
fn without_quote_blocks<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut dropped = vec![false; lines.len()];
    for (i, line) in lines.iter().enumerate() {
        if is_quoted(line) {
            dropped[i] = true;
            continue;
        }
        if let Some(range) = attribution_at(lines, i) {
            let next = lines[i + 1..].iter().find(|line| !is_blank(line));
            if next.is_some_and(|line| is_quoted(line)) {
                for j in range {
                    dropped[j] = true;
                }
            }
        }
    }
    lines
        .iter()
        .zip(dropped)
        .filter(|(_, dropped)| !dropped)
        .map(|(line, _)| *line)
        .collect()
}

/// Fields that open a quoted message's header block, by language.
const HEADER_OPENERS: [&str; 9] = [
    "From:", "De :", "De:", "Von:", "Van:", "Da:", "Od:", "Fra:", "Från:",
];
/// Fields that follow in such a block.
const HEADER_FIELDS: [&str; 20] = [
    "Sent:",
    "Date:",
    "To:",
    "Cc:",
    "Subject:",
    "Reply-To:",
    "Envoyé :",
    "Envoyé:",
    "Date :",
    "À :",
    "A :",
    "Cc :",
    "Objet :",
    "Gesendet:",
    "Datum:",
    "An:",
    "Betreff:",
    "Verzonden:",
    "Aan:",
    "Onderwerp:",
];

fn header_block_at(lines: &[&str], i: usize) -> bool {
    let opens = |line: &str| {
        HEADER_OPENERS
            .iter()
            .any(|field| line.trim_start().starts_with(field))
    };
    let follows = |line: &str| {
        HEADER_FIELDS
            .iter()
            .any(|field| line.trim_start().starts_with(field))
    };
    opens(lines[i]) && lines[i + 1..].iter().take(5).any(|line| follows(line))
}

/// Separator lines before a quoted or forwarded message, lowercased with
/// their dashes removed.
const SEPARATORS: [&str; 12] = [
    "original message",
    "message d'origine",
    "message d’origine",
    "ursprüngliche nachricht",
    "forwarded message",
    "message transféré",
    "weitergeleitete nachricht",
    "mensaje original",
    "messaggio originale",
    "begin forwarded message:",
    "début du message réexpédié :",
    "doorgestuurd bericht",
];

fn is_separator(line: &str) -> bool {
    let trimmed = line.trim();
    let words = collapse(&trimmed.trim_matches(['-', ' ']).to_lowercase());
    (trimmed.starts_with("--") || trimmed.ends_with(':')) && SEPARATORS.contains(&words.as_str())
}

fn is_rule(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.len() >= 10 && trimmed.chars().all(|c| c == '_' || c == '-')
}

/// Where the quoted history or the signature begins: an attribution with
/// no `>` under it (mail turned from HTML), a header block (with the rule
/// above it), a separator, or the `-- ` signature line.
fn first_cut(lines: &[&str]) -> usize {
    for i in 0..lines.len() {
        if let Some(range) = attribution_at(lines, i) {
            return range.start;
        }
        if header_block_at(lines, i) {
            let above = lines[..i].iter().rposition(|line| !is_blank(line));
            return match above {
                Some(rule) if is_rule(lines[rule]) => rule,
                _ => i,
            };
        }
        if is_separator(lines[i]) || lines[i].trim_end() == "--" {
            return i;
        }
    }
    lines.len()
}

/// A line a phone or a mail app adds under what was written.
fn is_signature_line(line: &str) -> bool {
    let line = line
        .trim()
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    const OPENINGS: [&str; 19] = [
        "sent from ",
        "sent via ",
        "sent with ",
        "sent by ",
        "from my ",
        "get outlook for ",
        "get [outlook for ",
        "envoyé de mon ",
        "envoyé depuis mon ",
        "envoyé avec ",
        "von meinem ",
        "diese nachricht wurde von ",
        "verzonden met ",
        "verstuurd vanaf mijn ",
        "enviado desde mi ",
        "enviado do meu ",
        "inviato da ",
        "sendt fra min ",
        "skickat från min ",
    ];
    OPENINGS.iter().any(|opening| line.starts_with(opening))
        || line.starts_with("從我的 iphone")
        || line.starts_with("从我的 iphone")
        || line.starts_with("iphoneから送信")
        || line.split_whitespace().nth(1).is_some_and(|word| word == "from") && line.ends_with(" from mobile")
}

/// A phone line that stands alone as a paragraph: short, with no sentence
/// in it ("Sent from my desk, is much easier…" is a sentence, and stays).
fn is_lone_signature(line: &str) -> bool {
    is_signature_line(line) && !line.contains(',') && line.split_whitespace().count() <= 8
}

/// Drops the paragraphs at the end that are phone or app signatures.
fn without_trailing_signatures<'a>(lines: &'a [&'a str]) -> &'a [&'a str] {
    let mut end = lines.len();
    loop {
        while end > 0 && is_blank(lines[end - 1]) {
            end -= 1;
        }
        let start = lines[..end]
            .iter()
            .rposition(|line| is_blank(line))
            .map_or(0, |i| i + 1);
        let paragraph = &lines[start..end];
        let signature = match paragraph {
            [] => false,
            [line] => is_lone_signature(line),
            _ => paragraph.iter().all(|line| is_signature_line(line)),
        };
        // What was written stays, even if it is only a signature.
        if !signature || start == 0 {
            return &lines[..end];
        }
        end = start;
    }
}

#[cfg(test)]
mod tests {
    use super::reply_text;

    #[test]
    fn a_top_posted_reply_loses_the_quote_and_its_attribution() {
        let mail = "Thanks, that fixed it.\n\nOn Tue, 3 Nov 2026 at 10:00, Support <desk@example.com> wrote:\n> Try restarting.\n> Sam\n";
        assert_eq!(reply_text(mail), "Thanks, that fixed it.");
    }

    #[test]
    fn a_bottom_posted_reply_keeps_what_follows_the_quote() {
        let mail =
            "Le 2 nov. 2026 à 10:00, Support a écrit :\n> Essayez de redémarrer.\n\nMerci, c'est réglé.\n";
        assert_eq!(reply_text(mail), "Merci, c'est réglé.");
    }

    #[test]
    fn an_attribution_wrapped_over_lines_goes_whole() {
        let mail =
            "Fine.\n\nOn Tue, Sep 25, 2012 at 8:59 AM, Chris\r\n<chris@example.com>wrote:\r\n\r\n> old\r\n";
        assert_eq!(reply_text(mail), "Fine.");
    }

    #[test]
    fn an_outlook_header_block_and_its_rule_end_the_reply() {
        let mail = "Yes, please.\n________________________________\nFrom: Desk [desk@example.com]\nSent: Friday\nTo: Ann\nSubject: [T1] Printer\n\nOld text\n";
        assert_eq!(reply_text(mail), "Yes, please.");
        let french = "Oui.\n\nDe : Desk\nEnvoyé : vendredi\nObjet : [T1]\n\nAncien\n";
        assert_eq!(reply_text(french), "Oui.");
    }

    #[test]
    fn signatures_go_and_sentences_stay() {
        assert_eq!(reply_text("Done.\n\n-- \nAnn Example\nACME"), "Done.");
        assert_eq!(reply_text("Done.\n\nSent from my iPhone"), "Done.");
        assert_eq!(reply_text("Done.\n\nEnvoyé de mon iPhone\n"), "Done.");
        let sentence = "Done.\n\nSent from my desk, which is easier than my phone.";
        assert_eq!(reply_text(sentence), sentence);
    }

    #[test]
    fn a_forward_keeps_only_the_comment() {
        let mail = "See below.\n\n---------- Forwarded message ---------\nFrom: A <a@example.com>\n\nBody\n";
        assert_eq!(reply_text(mail), "See below.");
    }

    #[test]
    fn indentation_and_blank_lines_of_the_reply_survive() {
        let mail = "First\n\n\n   - one\n   - two\n\nOn Fri, X wrote:\n> q\n";
        assert_eq!(reply_text(mail), "First\n\n\n   - one\n   - two");
    }

    #[test]
    fn a_mail_of_quotes_only_has_no_reply() {
        assert_eq!(reply_text("On Fri, X wrote:\n> q\n"), "");
        assert_eq!(reply_text(""), "");
    }
}

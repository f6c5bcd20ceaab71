//! The interface languages and every message we send, in one catalog.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Fr,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Every text of the emails we send. Each variant has a subject and a body
/// in every language (`catalog_is_complete` checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    InvitationSubject,
    InvitationBody,
    ResetSubject,
    ResetBody,
    EmailChangeSubject,
    EmailChangeBody,
    GuestTicketSubject,
    GuestTicketBody,
    AccessKeySubject,
    AccessKeyBody,
    CreateAccountSubject,
    CreateAccountBody,
    UpdateSubject,
    UpdateBody,
    EventCreated,
    EventStatus,
    EventPriority,
    EventAssigned,
    EventEscalated,
    EventVisibility,
    EventParticipantAdded,
    EventParticipantRemoved,
    EventAttachment,
    SharedSubject,
    SharedBody,
    Signature,
}

impl Text {
    pub const ALL: [Text; 26] = [
        Text::InvitationSubject,
        Text::InvitationBody,
        Text::ResetSubject,
        Text::ResetBody,
        Text::EmailChangeSubject,
        Text::EmailChangeBody,
        Text::GuestTicketSubject,
        Text::GuestTicketBody,
        Text::AccessKeySubject,
        Text::AccessKeyBody,
        Text::CreateAccountSubject,
        Text::CreateAccountBody,
        Text::UpdateSubject,
        Text::UpdateBody,
        Text::EventCreated,
        Text::EventStatus,
        Text::EventPriority,
        Text::EventAssigned,
        Text::EventEscalated,
        Text::EventVisibility,
        Text::EventParticipantAdded,
        Text::EventParticipantRemoved,
        Text::EventAttachment,
        Text::SharedSubject,
        Text::SharedBody,
        Text::Signature,
    ];
}

/// The text in `language`, with `{name}` placeholders filled from `args`.
/// One pass over the template: a value that itself contains `{link}` (a
/// ticket title, say) is never expanded.
pub fn render(language: Language, text: Text, args: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = template(language, text);
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if args.iter().any(|(n, _)| *n == name) => {
                let value = args
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| *v)
                    .unwrap_or_default();
                out.push_str(value);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn template(language: Language, text: Text) -> &'static str {
    use Language::{En, Fr};
    match (text, language) {
        (Text::InvitationSubject, En) => "You are invited to the {organization} service desk",
        (Text::InvitationSubject, Fr) => "Vous êtes invité(e) au centre de support de {organization}",
        (Text::InvitationBody, En) => {
            "Hello,\n\nYou have been invited to open and follow support tickets for {organization}.\n\
             Choose your password here (the link works once, for 72 hours):\n\n{link}\n\n\
             If you did not expect this invitation, you can ignore this email."
        }
        (Text::InvitationBody, Fr) => {
            "Bonjour,\n\nVous êtes invité(e) à ouvrir et suivre des demandes de support pour {organization}.\n\
             Choisissez votre mot de passe ici (lien à usage unique, valable 72 heures) :\n\n{link}\n\n\
             Si vous n'attendiez pas cette invitation, vous pouvez ignorer ce message."
        }
        (Text::ResetSubject, En) => "Reset your service desk password",
        (Text::ResetSubject, Fr) => "Réinitialisez votre mot de passe du centre de support",
        (Text::ResetBody, En) => {
            "Hello,\n\nSomeone (hopefully you) asked to set a new password for {email}.\n\
             Choose it here (the link works once, for 1 hour):\n\n{link}\n\n\
             If you did not ask for this, ignore this email: your password stays as it is."
        }
        (Text::ResetBody, Fr) => {
            "Bonjour,\n\nQuelqu'un (vous, espérons-le) a demandé un nouveau mot de passe pour {email}.\n\
             Choisissez-le ici (lien à usage unique, valable 1 heure) :\n\n{link}\n\n\
             Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe ne change pas."
        }
        (Text::EmailChangeSubject, En) => "Confirm your new email address",
        (Text::EmailChangeSubject, Fr) => "Confirmez votre nouvelle adresse e-mail",
        (Text::EmailChangeBody, En) => {
            "Hello,\n\nPlease confirm that {email} is your new address for the service desk:\n\n{link}\n\n\
             Until you confirm, your previous address stays in use."
        }
        (Text::EmailChangeBody, Fr) => {
            "Bonjour,\n\nMerci de confirmer que {email} est votre nouvelle adresse pour le centre de support :\n\n{link}\n\n\
             Tant que vous n'avez pas confirmé, votre adresse précédente reste utilisée."
        }
        (Text::GuestTicketSubject, En) => "[{number}] We received your request: {title}",
        (Text::GuestTicketSubject, Fr) => "[{number}] Nous avons bien reçu votre demande : {title}",
        (Text::GuestTicketBody, En) => {
            "Hello {name},\n\nThank you: your request is ticket {number} (\"{title}\").\nFollow it, read our answers and add information here:\n\n{link}\n\nThis link is your access key to this ticket only: keep it private. You can replace it with a new one from the ticket page if it was shared by mistake."
        }
        (Text::GuestTicketBody, Fr) => {
            "Bonjour {name},\n\nMerci : votre demande porte le numéro {number} (« {title} »).\nSuivez-la, lisez nos réponses et ajoutez des informations ici :\n\n{link}\n\nCe lien est votre clé d'accès à ce seul ticket : gardez-le pour vous. Vous pouvez le remplacer depuis la page du ticket s'il a été partagé par erreur."
        }
        (Text::AccessKeySubject, En) => "[{number}] Your new access link",
        (Text::AccessKeySubject, Fr) => "[{number}] Votre nouveau lien d'accès",
        (Text::AccessKeyBody, En) => {
            "Hello,\n\nAs requested, ticket {number} has a new access link; the previous one no longer works:\n\n{link}"
        }
        (Text::AccessKeyBody, Fr) => {
            "Bonjour,\n\nComme demandé, le ticket {number} a un nouveau lien d'accès ; l'ancien ne fonctionne plus :\n\n{link}"
        }
        (Text::CreateAccountSubject, En) => "Create your service desk account",
        (Text::CreateAccountSubject, Fr) => "Créez votre compte du centre de support",
        (Text::CreateAccountBody, En) => {
            "Hello,\n\nSomeone (hopefully you) asked to set a password for {email}, which has sent us requests without an account. Choose a password here to create your account; your requests will be listed under \"my tickets\" (the link works once, for 1 hour):\n\n{link}\n\nIf you did not ask for this, ignore this email."
        }
        (Text::CreateAccountBody, Fr) => {
            "Bonjour,\n\nQuelqu'un (vous, espérons-le) a demandé un mot de passe pour {email}, qui nous a envoyé des demandes sans compte. Choisissez un mot de passe ici pour créer votre compte ; vos demandes apparaîtront dans « mes tickets » (lien à usage unique, valable 1 heure) :\n\n{link}\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez ce message."
        }
        (Text::UpdateSubject, En) | (Text::UpdateSubject, Fr) => "[{number}] {title}",
        (Text::UpdateBody, En) => {
            "Hello,\n\nTicket {number} was updated:\n\n{changes}\n\nOpen the ticket:\n\n{link}"
        }
        (Text::UpdateBody, Fr) => {
            "Bonjour,\n\nLe ticket {number} a été mis à jour :\n\n{changes}\n\nOuvrir le ticket :\n\n{link}"
        }
        (Text::EventCreated, En) => "The ticket was opened.",
        (Text::EventCreated, Fr) => "Le ticket a été ouvert.",
        (Text::EventStatus, En) => "Status: {from} → {to}",
        (Text::EventStatus, Fr) => "Statut : {from} → {to}",
        (Text::EventPriority, En) => "Priority: {from} → {to}",
        (Text::EventPriority, Fr) => "Priorité : {from} → {to}",
        (Text::EventAssigned, En) => "The ticket was assigned.",
        (Text::EventAssigned, Fr) => "Le ticket a été attribué.",
        (Text::EventEscalated, En) => "Escalated to {group}.",
        (Text::EventEscalated, Fr) => "Transmis à {group}.",
        (Text::EventVisibility, En) => "Visibility: {to}",
        (Text::EventVisibility, Fr) => "Visibilité : {to}",
        (Text::EventParticipantAdded, En) => "Shared with {email}.",
        (Text::EventParticipantAdded, Fr) => "Partagé avec {email}.",
        (Text::EventParticipantRemoved, En) => "No longer shared with {email}.",
        (Text::EventParticipantRemoved, Fr) => "N'est plus partagé avec {email}.",
        (Text::EventAttachment, En) => "File added: {file}",
        (Text::EventAttachment, Fr) => "Fichier ajouté : {file}",
        (Text::SharedSubject, En) => "[{number}] A ticket was shared with you: {title}",
        (Text::SharedSubject, Fr) => "[{number}] Un ticket a été partagé avec vous : {title}",
        (Text::SharedBody, En) => {
            "Hello,\n\nTicket {number} (\"{title}\") was shared with you. Follow it and add to it here:\n\n{link}\n\n\
             This link opens this ticket only: keep it private."
        }
        (Text::SharedBody, Fr) => {
            "Bonjour,\n\nLe ticket {number} (« {title} ») a été partagé avec vous. Suivez-le et complétez-le ici :\n\n{link}\n\n\
             Ce lien n'ouvre que ce ticket : gardez-le pour vous."
        }
        (Text::Signature, En) => "— The service desk team",
        (Text::Signature, Fr) => "— L'équipe du centre de support",
    }
}

/// Labels of the values people see in emails: statuses, priorities,
/// visibilities (`status.in_progress`, ...). Unknown keys show as they are.
pub fn label(language: Language, key: &str) -> &'static str {
    use Language::{En, Fr};
    match (key, language) {
        ("status.new", En) => "new",
        ("status.new", Fr) => "nouveau",
        ("status.open", En) => "open",
        ("status.open", Fr) => "ouvert",
        ("status.in_progress", En) => "in progress",
        ("status.in_progress", Fr) => "en cours",
        ("status.awaiting_customer", En) => "awaiting your reply",
        ("status.awaiting_customer", Fr) => "en attente de votre réponse",
        ("status.resolved", En) => "resolved",
        ("status.resolved", Fr) => "résolu",
        ("status.closed", En) => "closed",
        ("status.closed", Fr) => "fermé",
        ("priority.low", En) => "low",
        ("priority.low", Fr) => "basse",
        ("priority.normal", En) => "normal",
        ("priority.normal", Fr) => "normale",
        ("priority.high", En) => "high",
        ("priority.high", Fr) => "haute",
        ("priority.urgent", En) => "urgent",
        ("priority.urgent", Fr) => "urgente",
        ("visibility.organization", En) => "your organization",
        ("visibility.organization", Fr) => "votre organisation",
        ("visibility.private", En) => "private",
        ("visibility.private", Fr) => "privé",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_complete_and_placeholders_match() {
        let placeholders = |s: &str| {
            let mut names: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}'))
                .map(|(n, _)| n.to_owned())
                .collect();
            names.sort();
            names
        };
        for text in Text::ALL {
            let english = template(Language::En, text);
            for language in Language::ALL {
                let translated = template(language, text);
                assert!(!translated.trim().is_empty(), "{text:?} in {language}");
                assert_eq!(
                    placeholders(translated),
                    placeholders(english),
                    "{text:?} in {language}"
                );
            }
        }
    }

    #[test]
    fn templates_have_no_stray_runs_of_spaces() {
        for text in Text::ALL {
            for language in Language::ALL {
                let t = template(language, text);
                assert!(
                    !t.contains("  "),
                    "{text:?} in {language}: a run of spaces: {t:?}"
                );
                assert!(
                    t.lines().all(|line| !line.starts_with(' ')),
                    "{text:?} in {language}: a line starts with a space: {t:?}"
                );
            }
        }
    }

    #[test]
    fn every_status_priority_and_visibility_has_a_label() {
        use crate::domain::{Priority, Status, Visibility};
        let key = |kind: &str, v: serde_json::Value| format!("{kind}.{}", v.as_str().unwrap());
        let mut keys = Vec::new();
        for s in [
            Status::New,
            Status::Open,
            Status::InProgress,
            Status::AwaitingCustomer,
            Status::Resolved,
            Status::Closed,
        ] {
            keys.push(key("status", serde_json::to_value(s).unwrap()));
        }
        for p in [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent] {
            keys.push(key("priority", serde_json::to_value(p).unwrap()));
        }
        for v in [Visibility::Organization, Visibility::Private] {
            keys.push(key("visibility", serde_json::to_value(v).unwrap()));
        }
        for k in keys {
            for language in Language::ALL {
                assert_ne!(label(language, &k), "?", "{k} in {language}");
            }
        }
    }

    #[test]
    fn renders_arguments() {
        let subject = render(Language::Fr, Text::InvitationSubject, &[("organization", "Acme")]);
        assert_eq!(subject, "Vous êtes invité(e) au centre de support de Acme");
        // Values are inserted once: placeholders inside them stay as typed.
        let subject = render(
            Language::En,
            Text::GuestTicketSubject,
            &[("number", "{title}"), ("title", "{number}")],
        );
        assert_eq!(subject, "[{title}] We received your request: {number}");
    }
}

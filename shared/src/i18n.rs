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
    Signature,
}

impl Text {
    pub const ALL: [Text; 7] = [
        Text::InvitationSubject,
        Text::InvitationBody,
        Text::ResetSubject,
        Text::ResetBody,
        Text::EmailChangeSubject,
        Text::EmailChangeBody,
        Text::Signature,
    ];
}

/// The text in `language`, with `{name}` placeholders filled from `args`.
pub fn render(language: Language, text: Text, args: &[(&str, &str)]) -> String {
    let mut out = template(language, text).to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
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
        (Text::Signature, En) => "— The service desk team",
        (Text::Signature, Fr) => "— L'équipe du centre de support",
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
    fn renders_arguments() {
        let subject = render(Language::Fr, Text::InvitationSubject, &[("organization", "Acme")]);
        assert_eq!(subject, "Vous êtes invité(e) au centre de support de Acme");
    }
}

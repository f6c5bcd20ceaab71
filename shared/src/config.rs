//! Typed configuration, read from the environment once at start-up. A Lambda
//! with a missing or malformed variable fails its init with one message that
//! names every problem, instead of failing requests later.

use crate::app::Settings;
use crate::auth::tokens::TokenSettings;

#[derive(Debug)]
pub struct Config {
    pub table_name: String,
    /// The Secrets Manager secret holding the app secret (name or ARN): read
    /// at init and every few minutes after, never put in the environment.
    /// Only functions that sign or verify something are given it.
    pub secret_id: Option<String>,
    pub settings: Settings,
    /// The verified SES identity mail is sent from.
    pub mail_from: String,
    /// The SES configuration set mail goes through (bounce and complaint
    /// suppression), if any.
    pub ses_configuration_set: Option<String>,
    /// The bucket attachments are stored in (functions that handle them).
    pub attachments_bucket: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {}", .0.join("; "))]
pub struct ConfigError(pub Vec<String>);

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut required = |name: &str| {
            let value = get(name);
            if value.is_none() {
                problems.push(format!("{name} is not set"));
            }
            value
        };
        let table_name = required("TABLE_NAME");

        let public_url = required("PUBLIC_URL");
        let mail_from = required("MAIL_FROM");
        let support_email = required("SUPPORT_EMAIL");
        if let Some(url) = &public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            problems.push(format!("PUBLIC_URL must start with https:// (got {url})"));
        }
        let reply_address = get("REPLY_ADDRESS").and_then(|raw| match crate::domain::Email::parse(&raw) {
            // The token rides after a `+` in the local part.
            Ok(address)
                if !address
                    .as_str()
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .contains('+') =>
            {
                Some(address)
            }
            _ => {
                problems.push(format!(
                    "REPLY_ADDRESS must be an email address without a + (got {raw})"
                ));
                None
            }
        });
        let support_email = support_email.and_then(|raw| {
            crate::domain::Email::parse(&raw)
                .map_err(|_| problems.push(format!("SUPPORT_EMAIL is not an email address (got {raw})")))
                .ok()
        });
        match (table_name, public_url, mail_from, support_email) {
            (Some(table_name), Some(public_url), Some(mail_from), Some(support_email))
                if problems.is_empty() =>
            {
                Ok(Self {
                    table_name,
                    secret_id: get("SERVICEDESK_SECRET_ID"),
                    settings: Settings {
                        tokens: TokenSettings {
                            issuer: get("JWT_ISSUER").unwrap_or_else(|| "servicedesk".into()),
                            audience: get("JWT_AUDIENCE").unwrap_or_else(|| "servicedesk-api".into()),
                        },
                        public_url,
                        support_email,
                        delivery_lease: crate::app::DELIVERY_LEASE,
                        reply_address,
                    },
                    mail_from,
                    ses_configuration_set: get("SES_CONFIGURATION_SET"),
                    attachments_bucket: get("ATTACHMENTS_BUCKET"),
                })
            }
            _ => Err(ConfigError(problems)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_missing_or_invalid_variable() {
        let err = Config::from_lookup(|_| None).unwrap_err().to_string();
        for name in ["TABLE_NAME", "PUBLIC_URL", "MAIL_FROM", "SUPPORT_EMAIL"] {
            assert!(err.contains(&format!("{name} is not set")), "{err}");
        }

        let err = Config::from_lookup(|n| match n {
            "TABLE_NAME" | "MAIL_FROM" => Some("x".into()),
            "PUBLIC_URL" => Some("desk.example".into()),
            _ => None,
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("PUBLIC_URL must start with https://"), "{err}");
    }

    #[test]
    fn a_reply_address_turns_email_in_on_and_must_take_a_token() {
        let with = |reply: &str| {
            let reply = reply.to_owned();
            Config::from_lookup(move |n| match n {
                "TABLE_NAME" => Some("tickets".into()),
                "PUBLIC_URL" => Some("https://desk.example".into()),
                "MAIL_FROM" => Some("desk@example.com".into()),
                "SUPPORT_EMAIL" => Some("support@example.com".into()),
                "REPLY_ADDRESS" => Some(reply.clone()),
                _ => None,
            })
        };
        let config = with("reply@inbound.example.com").unwrap();
        assert_eq!(
            config.settings.reply_address.unwrap().as_str(),
            "reply@inbound.example.com"
        );
        for bad in ["reply+x@inbound.example.com", "not an address"] {
            let err = with(bad).unwrap_err().to_string();
            assert!(
                err.contains("REPLY_ADDRESS must be an email address without a +"),
                "{err}"
            );
        }
    }

    #[test]
    fn reads_a_complete_environment() {
        let config = Config::from_lookup(|n| match n {
            "TABLE_NAME" => Some("tickets".into()),
            "SERVICEDESK_SECRET_ID" => Some("servicedesk/app-secret".into()),
            "PUBLIC_URL" => Some("https://desk.example".into()),
            "MAIL_FROM" => Some("desk@example.com".into()),
            "SUPPORT_EMAIL" => Some("support@example.com".into()),
            "JWT_AUDIENCE" => Some("aud".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.table_name, "tickets");
        assert_eq!(
            config.settings.reply_address, None,
            "email in is off unless asked for"
        );
        assert_eq!(config.secret_id.as_deref(), Some("servicedesk/app-secret"));
        let tokens = &config.settings.tokens;
        assert_eq!(
            (tokens.issuer.as_str(), tokens.audience.as_str()),
            ("servicedesk", "aud")
        );
    }
}

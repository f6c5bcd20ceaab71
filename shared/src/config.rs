//! Typed configuration, read from the environment once at start-up. A Lambda
//! with a missing or malformed variable fails its init with one message that
//! names every problem, instead of failing requests later.

use crate::auth::tokens::TokenSettings;
use crate::secret::Secret;

#[derive(Debug)]
pub struct Config {
    pub table_name: String,
    pub secret: Secret,
    pub tokens: TokenSettings,
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
        let mut required = |name: &str| match lookup(name).filter(|v| !v.trim().is_empty()) {
            Some(value) => Some(value),
            None => {
                problems.push(format!("{name} is not set"));
                None
            }
        };
        let table_name = required("TABLE_NAME");
        let secret_raw = required("SERVICEDESK_SECRET");
        let issuer = lookup("JWT_ISSUER").unwrap_or_else(|| "servicedesk".into());
        let audience = lookup("JWT_AUDIENCE").unwrap_or_else(|| "servicedesk-api".into());
        let secret = secret_raw.and_then(|raw| {
            Secret::from_base64(&raw)
                .map_err(|e| problems.push(format!("SERVICEDESK_SECRET {e}")))
                .ok()
        });
        match (table_name, secret) {
            (Some(table_name), Some(secret)) if problems.is_empty() => Ok(Self {
                table_name,
                secret,
                tokens: TokenSettings { issuer, audience },
            }),
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
        assert!(
            err.contains("TABLE_NAME is not set") && err.contains("SERVICEDESK_SECRET is not set"),
            "{err}"
        );

        let err = Config::from_lookup(|n| match n {
            "TABLE_NAME" => Some("t".into()),
            "SERVICEDESK_SECRET" => Some("c2hvcnQ=".into()),
            _ => None,
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("SERVICEDESK_SECRET must be at least 32 bytes"),
            "{err}"
        );
    }

    #[test]
    fn reads_a_complete_environment() {
        let secret = Secret::generate().to_base64();
        let config = Config::from_lookup(|n| match n {
            "TABLE_NAME" => Some("tickets".into()),
            "SERVICEDESK_SECRET" => Some(secret.clone()),
            "JWT_AUDIENCE" => Some("aud".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.table_name, "tickets");
        assert_eq!(
            (config.tokens.issuer.as_str(), config.tokens.audience.as_str()),
            ("servicedesk", "aud")
        );
    }
}

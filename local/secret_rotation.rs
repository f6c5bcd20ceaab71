//! `cargo run --features aws -- admin rotate-secret --secret-id … --step stage|promote|retire`:
//! one step of rotating a deployment's app secret in Secrets Manager, with
//! the AWS credentials of whoever operates it. Every function rereads the
//! secret within five minutes, so each step refuses to run before the last
//! one has reached them all; nobody is signed out along the way.

use servicedesk_shared::auth::tokens::TokenKeys;
use servicedesk_shared::secret::STEP_WAIT;
use servicedesk_shared::secret::secrets_manager::SecretsManagerSource;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const USAGE: &str = "usage: servicedesk admin rotate-secret --secret-id ID --step stage|promote|retire
  --secret-id   the app secret (the stack's SecretName parameter, e.g. servicedesk/app-secret)
  --step        stage:   add a new secret every function accepts (the old one still signs)
                promote: sign with the new secret, still accept the old one (6 minutes after stage)
                retire:  stop accepting the old one (21 minutes after promote)
  AWS region and credentials come from the environment (AWS_REGION, AWS_PROFILE, ...).";

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    Stage,
    Promote,
    Retire,
}

#[derive(Debug, PartialEq)]
pub struct Command {
    pub secret_id: String,
    pub step: Step,
}

/// Parses the arguments after `admin rotate-secret`.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let (mut secret_id, mut step) = (None, None);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--secret-id" => secret_id = Some(value?.clone()),
            "--step" => {
                step = Some(match value?.as_str() {
                    "stage" => Step::Stage,
                    "promote" => Step::Promote,
                    "retire" => Step::Retire,
                    other => return Err(format!("--step must be stage, promote or retire, got {other}")),
                })
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(Command {
        secret_id: secret_id.ok_or_else(|| format!("--secret-id is required\n{USAGE}"))?,
        step: step.ok_or_else(|| format!("--step is required\n{USAGE}"))?,
    })
}

/// Runs the step at `now`; returns what happened and what to do next.
pub async fn run(
    sdk: &aws_config::SdkConfig,
    command: &Command,
    now: OffsetDateTime,
) -> Result<String, String> {
    let source = SecretsManagerSource::new(aws_sdk_secretsmanager::Client::new(sdk), &command.secret_id);
    let stored = source.read_document().await?;
    let changed = match command.step {
        Step::Stage => stored.stage(now),
        Step::Promote => stored.promote(now),
        Step::Retire => stored.retire(now, longest_lived()),
    }
    .map_err(|e| e.to_string())?;
    source.write(&changed).await?;
    let at = |wait: time::Duration| (now + wait).format(&Rfc3339).unwrap_or_default();
    let id = &command.secret_id;
    Ok(match command.step {
        Step::Stage => format!(
            "Staged a new secret in {id}: every function accepts it within 5 minutes (promote after 6); the old one still signs.\nNext, at or after {}: servicedesk admin rotate-secret --secret-id {id} --step promote",
            at(STEP_WAIT)
        ),
        Step::Promote => format!(
            "The new secret signs now; the old one is still accepted, so nobody is signed out.\nNext, at or after {}: servicedesk admin rotate-secret --secret-id {id} --step retire",
            at(STEP_WAIT + longest_lived())
        ),
        Step::Retire => format!(
            "Rotation finished: only the new secret works in {id} (list pages opened before the rotation start again from the first page)."
        ),
    })
}

/// What the old secret signed that lives longest: access tokens (guest
/// challenges live 10 minutes; refresh tokens and links are stored digests,
/// not signed).
fn longest_lived() -> time::Duration {
    TokenKeys::LIFETIME
}

//! Announcements: the banner on the landing page ("planned maintenance
//! Saturday 8-10"), written by support staff in English and French.

use serde::Deserialize;
use time::OffsetDateTime;

use crate::auth::policy;
use crate::domain::{Actor, Announcement, Description};
use crate::store::model;
use crate::store::{Condition, Query, Write};
use crate::{App, Error, Result};

/// The body of `POST /announcements`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAnnouncement {
    pub message_en: String,
    pub message_fr: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub starts_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
}

/// Most announcements shown at once; support keeps the banner short.
const SHOWN: u32 = 5;

pub async fn create(app: &App, actor: &Actor, new: NewAnnouncement) -> Result<Announcement> {
    policy::require_agent(actor)?;
    let now = app.clock.now();
    let starts_at = new.starts_at.unwrap_or(now);
    if new.ends_at <= starts_at || new.ends_at <= now {
        return Err(Error::invalid(
            "ends_at",
            "must be in the future and after starts_at",
        ));
    }
    let announcement = Announcement {
        id: app.ids.new_id(),
        message_en: Description::parse("message_en", &new.message_en)?,
        message_fr: Description::parse("message_fr", &new.message_fr)?,
        starts_at,
        ends_at: new.ends_at,
    };
    app.store
        .write(Write::Put {
            item: model::announcement_item(&announcement)?,
            condition: Some(Condition::NotExists),
        })
        .await?;
    Ok(announcement)
}

/// The announcements in effect now, soonest-ending first. Public: the
/// banner shows before sign-in too. One Query (expired ones are skipped
/// and removed by TTL).
pub async fn current(app: &App) -> Result<Vec<Announcement>> {
    let now = app.clock.now();
    let mut query = Query::partition(None, model::ANNOUNCEMENTS_PARTITION.to_owned());
    query.sort_prefix = String::new();
    query.start_after = None;
    query.ascending = true;
    query.limit = 50;
    let page = app.store.query(&query).await?;
    let mut shown = Vec::new();
    for item in &page.items {
        let announcement = model::announcement_from_item(item)?;
        if announcement.starts_at <= now && now < announcement.ends_at {
            shown.push(announcement);
        }
        if shown.len() as u32 == SHOWN {
            break;
        }
    }
    Ok(shown)
}

//! The support queue (`GET /agent/tickets`): open tickets, oldest waiting
//! first, filtered by status, priority, assignee and organization, a page
//! at a time. One index partition per status class (GSI6 `QUEUE#OPEN`,
//! `QUEUE#DONE`); filters apply within it, reading at most a budget of
//! items per request before answering with a cursor.

use serde::{Deserialize, Serialize};

use crate::auth::policy;
use crate::domain::{Actor, OrganizationId, Priority, QueueEntry, Status, StatusClass, UserId};
use crate::store::model;
use crate::tickets::{ListCursor, ListRequest, Scan};
use crate::{App, Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssigneeFilter {
    Me,
    Nobody,
    Anyone,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueRequest {
    /// A status, or every status of its class; default: every open status.
    pub status: Option<Status>,
    pub completed: bool,
    pub priority: Option<Priority>,
    pub assignee: Option<AssigneeFilter>,
    pub assignee_id: Option<UserId>,
    pub organization_id: Option<OrganizationId>,
    #[serde(skip)]
    pub cursor: Option<String>,
    #[serde(skip)]
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuePage {
    pub tickets: Vec<QueueEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

pub async fn list(app: &App, actor: &Actor, request: QueueRequest) -> Result<QueuePage> {
    let me = policy::require_agent(actor)?.clone();
    let class = match request.status {
        Some(status) => status.class(),
        None if request.completed => StatusClass::Completed,
        None => StatusClass::Open,
    };
    if request.assignee.is_some() && request.assignee_id.is_some() {
        return Err(Error::invalid("assignee", "give either assignee or assignee_id"));
    }
    // The filters are part of the cursor: a cursor only continues its own list.
    let filters = serde_json::to_string(&request).map_err(|e| Error::BadRequest(e.to_string()))?;
    let partition = model::queue_partition(class);
    let start_after = ListCursor::resume(
        app,
        request.cursor.as_deref(),
        model::QUEUE_INDEX,
        &partition,
        Some(&filters),
    )?;
    let keep = |t: &QueueEntry| {
        request.status.is_none_or(|s| t.summary.status == s)
            && request.priority.is_none_or(|p| t.summary.priority == p)
            && request
                .organization_id
                .as_ref()
                .is_none_or(|o| t.organization_id.as_ref() == Some(o))
            && request
                .assignee_id
                .as_ref()
                .is_none_or(|a| t.assignee_id.as_ref() == Some(a))
            && match request.assignee {
                None | Some(AssigneeFilter::Anyone) => true,
                Some(AssigneeFilter::Me) => t.assignee_id.as_ref() == Some(&me),
                Some(AssigneeFilter::Nobody) => t.assignee_id.is_none(),
            }
    };
    let limit = request.limit.clamp(1, ListRequest::MAX_LIMIT);
    let scan = Scan {
        index: model::QUEUE_INDEX,
        partition: partition.clone(),
        ascending: true,
        start_after,
        limit,
        read_limit: ListRequest::MAX_LIMIT,
    };
    let (tickets, last, more) = scan.run(app, model::queue_entry_from_item, keep).await?;
    Ok(QueuePage {
        tickets,
        next_cursor: ListCursor::next(app, model::QUEUE_INDEX, partition, Some(&filters), last, more)?,
    })
}

//! The keys themselves: making one for a holder, the page it opens, and the
//! keys of people invited to a ticket by address. Beneath both the guest's
//! use cases ([`super::access`]) and sharing (`conversation`), which give
//! keys out.

use crate::domain::{Email, Ticket, TicketNumber, UserId};
use crate::i18n::{Language, Text};
use crate::mail::Message;
use crate::secret::new_token;
use crate::store::model;
use crate::store::{Condition, Item, Key, StoreError, Write};
use crate::{App, Result};

/// Who a key belongs to: the id their changes are recorded under, where
/// their mail goes, in which language.
#[derive(Debug, Clone)]
pub(crate) struct Holder {
    pub acting_as: UserId,
    pub email: Email,
    pub language: Language,
}

/// The item of a key (by its digest) to `number`, held by `holder`.
pub(super) fn key_item(key_digest: &str, number: &TicketNumber, holder: &Holder) -> Item {
    model::access_key_item(&model::AccessKeyRecord {
        digest: key_digest.to_owned(),
        ticket: *number,
        acting_as: holder.acting_as.clone(),
        email: holder.email.clone(),
        language: holder.language,
    })
}

/// A new key for `number` (to email, shown once) and the write storing its digest.
pub(crate) fn new_key_write(number: &TicketNumber, holder: &Holder) -> (String, Write) {
    let (key, key_digest) = new_token();
    (
        key,
        Write::Put {
            item: key_item(&key_digest, number, holder),
            condition: Some(Condition::NotExists),
        },
    )
}

/// The page a key opens; the key rides in the fragment, which browsers
/// never send to servers, so it stays out of access logs.
pub fn link(app: &App, key: &str) -> String {
    app.link("access", Some(("key", key)))
}

/// Who `email` acts as on `number` when invited by address: the id their
/// earlier invitation gave them, or a new one. Stable per ticket and
/// address, so the ticket lists each invited person once.
pub async fn invitee_id(app: &App, number: &TicketNumber, email: &Email) -> Result<UserId> {
    match invitation_of(app, number, email).await? {
        Some(invitation) => Ok(invitation.holder),
        None => app.new_user_id(),
    }
}

/// Gives `email` (no account), already listed in the ticket's invitees as
/// `holder`, a key to `ticket` by email; a key from an earlier invitation
/// stops working.
pub async fn invite(app: &App, ticket: &Ticket, email: &Email, holder: &UserId) -> Result<()> {
    let holder = Holder {
        acting_as: holder.clone(),
        email: email.clone(),
        language: Language::default(),
    };
    let (key, put_key) = new_key_write(&ticket.number, &holder);
    let key_item = put_key.key()?;
    let previous = invitation_of(app, &ticket.number, email).await?;
    let mut writes = vec![
        put_key,
        pointer_write(
            &ticket.number,
            &holder,
            &key_item,
            Some(previous.as_ref().map_or(Condition::NotExists, |p| p.condition())),
        ),
    ];
    // Shared again: the new link replaces the old one, which stops working.
    if let Some(previous) = previous {
        writes.push(Write::Delete {
            key: previous.key,
            condition: None,
        });
    }
    match app.store.transact(writes).await {
        Ok(()) => {}
        // A share of the same address at the same moment won and mails its
        // own link; one working key per person.
        Err(StoreError::TransactionConditionFailed(1) | StoreError::TransactionConflict) => return Ok(()),
        Err(err) => return Err(err.into()),
    }
    app.mailer
        .send(&Message::compose(
            email.clone(),
            Language::default(),
            Text::SharedSubject,
            Text::SharedBody,
            &[
                ("number", &ticket.number.to_string()),
                ("title", ticket.title.as_str()),
                ("link", &link(app, &key)),
            ],
        ))
        .await?;
    Ok(())
}

/// The pointer from a ticket to the key an invited address holds, and who
/// they act as.
pub(super) fn pointer_write(
    number: &TicketNumber,
    holder: &Holder,
    key_item: &Key,
    condition: Option<Condition>,
) -> Write {
    Write::Put {
        item: model::invitee_item(number, &holder.email, key_item, &holder.acting_as),
        condition,
    }
}

/// What an address was given by [`invite`].
pub struct Invitation {
    /// The pointer item.
    pub pointer: Key,
    /// Their current key's item.
    pub key: Key,
    /// Who they act as.
    pub holder: UserId,
}

impl Invitation {
    /// Holds while the pointer still names the key read.
    pub(super) fn condition(&self) -> Condition {
        Condition::Equals(model::INVITEE_ACCESS_PK.into(), self.key.pk.clone().into())
    }
}

pub async fn invitation_of(app: &App, number: &TicketNumber, email: &Email) -> Result<Option<Invitation>> {
    let pointer = model::invitee_key(number, email);
    let Some(item) = app.store.get(&pointer).await? else {
        return Ok(None);
    };
    let (key, holder) = model::invitee_from_item(&item)?;
    // Pointers written before they named the holder: the key names it.
    let holder = match holder {
        Some(holder) => holder,
        None => match app.store.get(&key).await? {
            Some(key_item) => model::access_key_holder(&key_item)?,
            None => return Ok(None),
        },
    };
    Ok(Some(Invitation { pointer, key, holder }))
}

//! The services a handler works with, built once at start-up and borrowed by
//! every request.

use std::sync::Arc;

use crate::auth::tokens::{TokenKeys, TokenSettings};
use crate::clock::Clock;
use crate::cursor::CursorCodec;
use crate::ids::IdGenerator;
use crate::secret::Secret;
use crate::store::ItemStore;

pub struct App {
    pub store: Arc<dyn ItemStore>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub tokens: TokenKeys,
    pub cursors: CursorCodec,
}

impl App {
    pub fn new(
        store: Arc<dyn ItemStore>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        secret: &Secret,
        tokens: TokenSettings,
    ) -> Self {
        Self {
            store,
            clock,
            ids,
            tokens: TokenKeys::new(secret, tokens),
            cursors: CursorCodec::new(secret),
        }
    }
}

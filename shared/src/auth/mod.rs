//! Who is asking ([`Actor`]), how we know ([`tokens`]), and what they may do
//! ([`policy`]).

pub mod password;
pub mod policy;
pub mod tokens;

use crate::domain::Actor;

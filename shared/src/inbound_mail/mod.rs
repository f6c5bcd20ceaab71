//! Email in: what the desk makes of a received mail before it touches a
//! ticket. `message` reads the raw bytes (MIME, charsets, names), `screen`
//! decides whether the mail may speak for its author (not the desk's own
//! mail, not automatic mail as `noise` tells it, not failing its sender
//! checks), and `reply_text` keeps what the person wrote, without the
//! quoted history and the signature; `receive` puts it all together: a
//! reply to a notification becomes a note by the person it was mailed to.

pub mod message;
pub mod noise;
pub mod receive;
pub mod reply_text;
pub mod screen;

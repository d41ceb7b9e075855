//! Understanding what people type: the values a plain message carries, read once here and used
//! by every agent. Pure functions over text; nothing here knows about agents or storage.
//!
//! - [`message`]: a message prepared once (lowercased, normalised, folded, tokenised) for every
//!   reader, and cue tables folded once.
//! - [`text`]: normalising digits and separators, tokens, whole-word matching.
//! - [`money`]: amounts, currencies, units and prices per unit.
//! - [`zakat`]: zakat al-mal inputs; [`fitr`]: zakat al-fitr inputs.
//! - [`dates`]: dates, Hijri dates, Islamic occasions and calendar questions.
//! - [`follow_up`]: whether a message continues the previous exchange.
//! - [`questions`]: what kind of question a message asks (about the texts, for prayer times…).

pub mod dates;
pub mod fitr;
pub mod follow_up;
pub mod message;
pub mod money;
pub mod questions;
pub mod text;
pub mod zakat;

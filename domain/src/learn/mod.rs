//! Learning from the log: the features a router sees of a request, the examples (requests with
//! per-agent labels from feedback, or weakly from the rules' own choice) and how a router's
//! choices are scored. The model itself is trained and served in `src/learn`.

pub mod examples;
pub mod features;
pub mod metrics;

pub use examples::{Example, Examples, Label, WEAK_WEIGHT};
pub use features::{DIMENSIONS, Features, Request, features};
pub use metrics::{Choice, Prf, Scores, score};

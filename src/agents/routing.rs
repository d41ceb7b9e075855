//! The routing rules agents score requests with, and the coordinator's thresholds. Deterministic
//! and explainable: every score is built from named signals with fixed weights, and each signal
//! that fired becomes a reason in the `RequestRouted` event.
//!
//! - An agent's keywords each carry a weight in 0..1; matches combine as independent evidence
//!   (`1 - Π(1 - w)`), so two moderate signals outrank one, and no sum passes 1.
//! - Latin-script keywords match at the start of a word ("pray" matches "prayers", not
//!   "spray"); Arabic-script keywords match anywhere, since Arabic attaches clitics ("والصلاة").
//! - Agents at or above [`SELECTION_THRESHOLD`] answer, best first (fan-out when a request spans
//!   several). When none reaches it, the request is ambiguous: the candidates at or above
//!   [`AMBIGUITY_FLOOR`] and within [`AMBIGUITY_MARGIN`] of the best all answer, each saying
//!   plainly when it does not know, rather than the user getting no specialist at all.

use hijraah_domain::understanding::text;

use super::RouteScore;

/// Agents scoring at least this much answer a request.
pub const SELECTION_THRESHOLD: f64 = 0.5;
/// Below the threshold, candidates scoring at least this much are ambiguous, not absent.
pub const AMBIGUITY_FLOOR: f64 = 0.3;
/// Ambiguous candidates this close to the best one answer together.
pub const AMBIGUITY_MARGIN: f64 = 0.1;

/// A routing signal: a word or phrase (lowercase) and how strongly it points to an agent.
#[derive(Debug, Clone, Copy)]
pub struct Keyword {
    pub text: &'static str,
    pub weight: f64,
}

pub const fn kw(text: &'static str, weight: f64) -> Keyword {
    Keyword { text, weight }
}

/// Whether `keyword` (lowercase) occurs in `lower` by the rules above (one word matcher for
/// every agent: `hijraah_domain::understanding::text`).
pub fn matches(lower: &str, keyword: &str) -> bool {
    if keyword.chars().any(text::is_arabic) {
        text::contains_word(lower, keyword)
    } else {
        text::starts_word(lower, keyword)
    }
}

/// Combines independent evidence: `1 - Π(1 - w)`.
pub fn combine(weights: impl IntoIterator<Item = f64>) -> f64 {
    1.0 - weights
        .into_iter()
        .fold(1.0, |miss, weight| miss * (1.0 - weight.clamp(0.0, 1.0)))
}

/// Scores `content` against an agent's keywords, one reason per keyword that fired.
pub fn score_keywords(content: &str, keywords: &[Keyword]) -> RouteScore {
    let lower = content.to_lowercase();
    let fired: Vec<&Keyword> = keywords.iter().filter(|k| matches(&lower, k.text)).collect();
    RouteScore {
        score: combine(fired.iter().map(|k| k.weight)),
        reasons: fired
            .iter()
            .map(|k| format!("keyword `{}` ({})", k.text, k.weight))
            .collect(),
    }
}

impl RouteScore {
    /// Adds one more piece of evidence with its reason.
    pub fn with(mut self, weight: f64, reason: impl Into<String>) -> Self {
        self.score = combine([self.score, weight]);
        self.reasons.push(format!("{} ({weight})", reason.into()));
        self
    }
}

/// Which candidates answer, from their scores: `(selected indexes, decision)`.
pub fn select(scores: &[f64]) -> (Vec<usize>, &'static str) {
    let confident: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i] >= SELECTION_THRESHOLD)
        .collect();
    if !confident.is_empty() {
        return (confident, "selected");
    }
    let best = scores.iter().copied().fold(0.0, f64::max);
    if best < AMBIGUITY_FLOOR {
        return (Vec::new(), "no_specialist");
    }
    let close: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i] >= AMBIGUITY_FLOOR && best - scores[i] <= AMBIGUITY_MARGIN + 1e-9)
        .collect();
    (close, "ambiguous")
}

/// Which agent answers when two claim a message: the one named, tested precedence, applied to
/// the agents' own scores before selection. The agents score from the message's reading and do
/// not second-guess each other; where one agent's computation owns a message another's words
/// also claim, it is decided here ([`steps_aside`], and [`a_move_s_errand`] for a move's mosque
/// with no city named), then the follow-ups ([`follow_ups`]).
pub fn precedence(request: &super::AgentRequest, scores: &mut [hijraah_domain::events::AgentScore]) {
    let mut aside = steps_aside(request.reading());
    if a_move_s_errand(request.reading(), scores) {
        aside.push((
            "community",
            "a move's errand (a mosque in the country it goes to), which the migration guide answers; no city to search near",
        ));
    }
    for (agent_type, reason) in aside {
        for score in scores
            .iter_mut()
            .filter(|score| score.agent_type == agent_type && score.score > 0.0)
        {
            score.score = 0.0;
            score.reasons.push(format!("{reason} (0)"));
        }
    }
    follow_ups(request, scores);
}

/// Whether a message the migration agent claims outright (a move, going somewhere to live)
/// asks the community agent only for what the migration guide already covers: a mosque, with no
/// city named to search near, and no prayer time, qibla or date asked for. The community agent
/// could only reply "tell me your city" beside the guide's "Finding a mosque".
fn a_move_s_errand(reading: &super::reading::Reading, scores: &[hijraah_domain::events::AgentScore]) -> bool {
    let claims = |agent_type: &str, at_least: f64| {
        scores
            .iter()
            .any(|score| score.agent_type == agent_type && score.score >= at_least)
    };
    claims("migration", OUTRIGHT)
        && claims("community", f64::MIN_POSITIVE)
        && reading.city.is_none()
        && reading.prayer_times.is_none()
        && reading.calendar.is_none()
        && !reading.qibla
}

/// The agents that step aside for another agent's answer to the message, and why:
///
/// - A workflow asked for ("remind me of my zakat next year") is the workflow agent's, which
///   starts it with the amounts already given: the financial agent asking for them again would
///   only confuse.
/// - Who receives zakat is the financial agent's, with Qur'an 9:60, which names them: other
///   texts on zakat that share its words would only crowd that answer.
/// - The qibla's direction is the community agent's to compute: verses that merely share a word
///   with it would only mislead (a ruling about it, "can I pray without knowing the qibla?", is
///   still the texts').
///
/// A text named outright ("9:60", "ayat al-kursi") stays the texts'.
pub fn steps_aside(reading: &super::reading::Reading) -> Vec<(&'static str, &'static str)> {
    let mut aside = Vec::new();
    if reading.workflow {
        aside.push((
            "financial_services",
            "asks for a workflow (a review or a reminder), not a calculation",
        ));
    }
    if reading.named_text.is_none() {
        if reading.asks_zakat_recipients {
            aside.push((
                "knowledge",
                "asks who receives zakat, which the financial agent answers with 9:60",
            ));
        }
        if reading.qibla && reading.ruling_strong.is_none() {
            aside.push((
                "knowledge",
                "asks for the qibla's direction, which the community agent computes",
            ));
        }
    }
    aside
}

/// A short follow-up ("and dhuhr?", "I also owe 2,000", «وفي دمشق؟») continues the agents that
/// answered the previous exchange: they answer it unless another specialist claims the message
/// outright. It is not a question for the texts unless it asks one ("is there a hadith on…",
/// "can I…", a verse by name): a prayer's or an occasion's name after a computed answer is that
/// computation's follow-up, not a request to quote Surah al-'Asr.
fn follow_ups(request: &super::AgentRequest, scores: &mut [hijraah_domain::events::AgentScore]) {
    let Some(cue) = request.follow_up() else {
        return;
    };
    let owners = request.previous_specialists();
    if owners.is_empty() {
        return;
    }
    let claimed_elsewhere = scores.iter().any(|score| {
        score.score >= SELECTION_THRESHOLD
            && !owners.contains(&score.agent_type.as_str())
            && score.agent_type != "knowledge"
            && score.agent_type != "user_interface"
    });
    let asks_the_texts = request.reading().asks_the_texts;
    for score in scores.iter_mut() {
        let owner = owners.contains(&score.agent_type.as_str());
        if owner && !claimed_elsewhere && score.score < FOLLOW_UP_SCORE {
            score.score = FOLLOW_UP_SCORE;
            score
                .reasons
                .push(format!("continues its previous answer (`{cue}`) ({FOLLOW_UP_SCORE})"));
        } else if !owner && score.agent_type == "knowledge" && !asks_the_texts && score.score > 0.0 {
            score.score = 0.0;
            score.reasons.push(format!(
                "a follow-up (`{cue}`) to the {} agent's answer, not a question for the texts",
                owners.join(" and ")
            ));
        }
    }
}

/// The score a follow-up gives the agents it continues.
pub const FOLLOW_UP_SCORE: f64 = 0.75;

/// The least mean cosine of an intent's closest examples for meaning to place a message.
pub const MEANING_FLOOR: f32 = 0.83;
/// The floor for leaving the rules' weak guesses out (a greeting, a question out of scope) when no
/// rule claims the message enough to answer it: the least harm if wrong is the out-of-scope reply
/// where a guess was all the rules had.
pub const MEANING_FLOOR_DISMISS: f32 = 0.80;
/// How far that intent must lead the best one answered by another agent (or by none).
pub const MEANING_MARGIN: f32 = 0.01;
/// The score meaning gives the agent of the intent it reads: enough to answer, less than a rule
/// that names the request outright.
pub const MEANING_SCORE: f64 = 0.6;

/// A rule's claim at least this strong names the request outright (a prayer and a city, a zakat
/// with its figures, a verse by number); meaning reads only messages whose best claim is weaker.
pub const OUTRIGHT: f64 = 0.7;

/// Whether the message is one the rules cannot place with confidence: no specialist claims it
/// outright, and it does not continue the previous exchange (those are [`precedence`]'s). Only
/// these pay for the encoder; a greeting, a prayer-time question or a zakat computation with its
/// figures does not.
pub fn wants_meaning(request: &super::AgentRequest, scores: &[hijraah_domain::events::AgentScore]) -> bool {
    request.follow_up().is_none()
        && !scores
            .iter()
            .any(|score| score.agent_type != "user_interface" && score.score >= OUTRIGHT)
        && !super::user_interface::is_small_talk(&request.reading().message)
}

/// What meaning changes, for a message the rules could not place outright: when one intent reads
/// clearly (its examples at [`MEANING_FLOOR`] or closer, leading another agent's by
/// [`MEANING_MARGIN`]), its agent answers, and the rules' weaker claims for other agents (below
/// [`OUTRIGHT`]) step aside; a greeting or a question out of scope leaves them all out. Each
/// change names the intent, its score and its closest example.
/// Returns whether it was clear enough to apply.
pub fn by_meaning(
    reading: &crate::semantic::intents::IntentReading,
    scores: &mut [hijraah_domain::events::AgentScore],
) -> bool {
    let Some(best) = reading.best() else {
        return false;
    };
    let margin = reading.margin();
    let claimed = scores
        .iter()
        .any(|score| score.agent_type != "user_interface" && score.score >= SELECTION_THRESHOLD);
    let floor = if best.agent.is_none() && !claimed {
        MEANING_FLOOR_DISMISS
    } else {
        MEANING_FLOOR
    };
    // Scores are kept to three decimals: compare the margin as written.
    if best.score < floor || (margin * 1000.0).round() < (MEANING_MARGIN * 1000.0).round() {
        return false;
    }
    let reason = format!(
        "by meaning: intent `{}` ({:.3}, ahead by {:.3}), nearest example «{}»",
        best.intent, best.score, margin, best.example
    );
    for score in scores.iter_mut().filter(|score| score.agent_type != "user_interface") {
        match best.agent {
            Some(agent) if score.agent_type == agent && score.score < MEANING_SCORE => {
                score.score = MEANING_SCORE;
                score.reasons.push(format!("{reason} ({MEANING_SCORE})"));
            }
            Some(agent) if score.agent_type != agent && (AMBIGUITY_FLOOR..OUTRIGHT).contains(&score.score) => {
                score.score = 0.0;
                score.reasons.push(format!("{reason}: not this agent's (0)"));
            }
            None if (AMBIGUITY_FLOOR..OUTRIGHT).contains(&score.score) => {
                score.score = 0.0;
                score.reasons.push(format!("{reason}: no specialist's (0)"));
            }
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_keywords_match_at_word_starts_and_arabic_anywhere() {
        assert!(matches("when do we pray?", "pray"));
        assert!(matches("prayers in london", "pray"));
        assert!(!matches("spray paint", "pray"));
        assert!(matches("ما هي أوقات والصلاة", "الصلاة"));
    }

    #[test]
    fn evidence_combines_without_passing_one() {
        let keywords = [kw("zakat", 0.9), kw("gold", 0.3)];
        let one = score_keywords("zakat please", &keywords);
        let both = score_keywords("zakat on my gold", &keywords);
        assert!((one.score - 0.9).abs() < 1e-9);
        assert!(both.score > one.score && both.score < 1.0);
        assert_eq!(both.reasons.len(), 2);
        assert_eq!(score_keywords("hello", &keywords).score, 0.0);
    }

    #[test]
    fn selection_fans_out_and_handles_ambiguity() {
        assert_eq!(select(&[0.9, 0.6, 0.2]), (vec![0, 1], "selected"));
        assert_eq!(select(&[0.45, 0.4, 0.2]), (vec![0, 1], "ambiguous"));
        assert_eq!(select(&[0.45, 0.3]), (vec![0], "ambiguous"));
        assert_eq!(select(&[0.2, 0.0]), (vec![], "no_specialist"));
    }

    fn after(previous_agents: &[&str], content: &str) -> crate::agents::AgentRequest {
        use hijraah_domain::conversation::{ExchangeReply, LastExchange};
        let replies = previous_agents
            .iter()
            .map(|agent_type| ExchangeReply {
                agent_type: (*agent_type).to_owned(),
                metadata: serde_json::json!({}),
            })
            .collect();
        crate::agents::AgentRequest {
            message_id: uuid::Uuid::nil(),
            conversation_id: uuid::Uuid::nil(),
            user_id: "alice".into(),
            content: content.into(),
            language: "en".into(),
            context: serde_json::Value::Null,
            role: hijraah_domain::user::Role::User,
            available_agent_types: vec![],
            asked_at: chrono::Utc::now(),
            previous: Some(std::sync::Arc::new(LastExchange {
                content: "earlier".into(),
                language: "en".into(),
                context: serde_json::Value::Null,
                replies,
            })),
            answered: vec![],
            intent_by_meaning: None,
            read: Default::default(),
        }
    }

    fn scores(pairs: &[(&str, f64)]) -> Vec<hijraah_domain::events::AgentScore> {
        pairs
            .iter()
            .map(|(agent_type, score)| hijraah_domain::events::AgentScore {
                agent_id: format!("{agent_type}-1"),
                agent_type: (*agent_type).to_owned(),
                score: *score,
                reasons: vec![],
            })
            .collect()
    }

    fn score_of(scores: &[hijraah_domain::events::AgentScore], agent_type: &str) -> f64 {
        scores
            .iter()
            .find(|score| score.agent_type == agent_type)
            .unwrap()
            .score
    }

    fn reading(ranked: &[(&str, f32)]) -> crate::semantic::intents::IntentReading {
        crate::semantic::intents::IntentReading {
            ranked: ranked
                .iter()
                .map(|(intent, score)| crate::semantic::intents::IntentScore {
                    intent: (*intent).to_owned(),
                    agent: crate::semantic::intents::agent_for(intent),
                    score: *score,
                    example: format!("an example of {intent}"),
                })
                .collect(),
        }
    }

    #[test]
    fn a_move_s_mosque_is_the_migration_guide_s_unless_a_city_or_a_time_is_asked() {
        let routed = |content: &str| {
            let mut ranked = scores(&[("migration", 0.964), ("community", 0.8)]);
            precedence(&crate::agents::AgentRequest::first_message(content), &mut ranked);
            score_of(&ranked, "community")
        };
        assert_eq!(
            routed("I'm moving to Canada next month, how can I find a halal butcher and a mosque?"),
            0.0
        );
        // A city to search near, or a time asked for: the community agent answers too.
        assert_eq!(routed("I'm moving to Toronto, where is the nearest mosque?"), 0.8);
        assert_eq!(
            routed("we are moving to Canada, what are the prayer times in Toronto?"),
            0.8
        );
        // Without a move claimed outright, a mosque stays the community agent's.
        let mut ranked = scores(&[("migration", 0.6), ("community", 0.8)]);
        precedence(
            &crate::agents::AgentRequest::first_message("where can I find halal food and a mosque?"),
            &mut ranked,
        );
        assert_eq!(score_of(&ranked, "community"), 0.8);
    }

    #[test]
    fn meaning_places_what_the_rules_could_not_and_says_why() {
        // A clear reading: its agent answers, and the rules' weak guess elsewhere steps aside.
        let mut ranked = scores(&[("community", 0.0), ("knowledge", 0.1), ("migration", 0.35)]);
        assert!(by_meaning(
            &reading(&[("texts", 0.9), ("migration", 0.86)]),
            &mut ranked
        ));
        assert_eq!(score_of(&ranked, "knowledge"), MEANING_SCORE);
        assert_eq!(score_of(&ranked, "migration"), 0.0);
        assert_eq!(score_of(&ranked, "community"), 0.0);
        assert!(ranked[1].reasons[0].contains("intent `texts` (0.900, ahead by 0.040)"));
        assert!(ranked[1].reasons[0].contains("«an example of texts»"));
        // A weak claim by a rule gives way; one that names the request outright does not.
        let mut ranked = scores(&[("knowledge", 0.6), ("migration", 0.0), ("community", 0.9)]);
        assert!(by_meaning(
            &reading(&[("migration", 0.9), ("texts", 0.85)]),
            &mut ranked
        ));
        assert_eq!(
            (
                score_of(&ranked, "knowledge"),
                score_of(&ranked, "migration"),
                score_of(&ranked, "community")
            ),
            (0.0, MEANING_SCORE, 0.9)
        );
        // Read as out of scope: the weak guesses are left out, none is raised.
        let mut ranked = scores(&[("community", 0.4), ("knowledge", 0.1)]);
        assert!(by_meaning(
            &reading(&[("out_of_scope", 0.9), ("prayer_times", 0.87)]),
            &mut ranked
        ));
        assert_eq!(
            (score_of(&ranked, "community"), score_of(&ranked, "knowledge")),
            (0.0, 0.1)
        );
        // Two intents of one agent do not count as a lead over each other.
        let mut ranked = scores(&[("community", 0.0)]);
        assert!(by_meaning(
            &reading(&[("qibla", 0.9), ("prayer_times", 0.895), ("texts", 0.86)]),
            &mut ranked
        ));
        assert_eq!(score_of(&ranked, "community"), MEANING_SCORE);
    }

    #[test]
    fn an_unclear_reading_changes_nothing() {
        // Below the floor: 0.83 to send a message to an agent; 0.80 to leave guesses out where
        // no rule claims the message.
        let mut ranked = scores(&[("knowledge", 0.4), ("migration", 0.0)]);
        assert!(!by_meaning(
            &reading(&[("migration", 0.82), ("texts", 0.78)]),
            &mut ranked
        ));
        assert!(by_meaning(
            &reading(&[("out_of_scope", 0.82), ("texts", 0.78)]),
            &mut ranked
        ));
        assert_eq!(score_of(&ranked, "knowledge"), 0.0);
        let mut ranked = scores(&[("knowledge", 0.6), ("migration", 0.0)]);
        assert!(!by_meaning(
            &reading(&[("out_of_scope", 0.82), ("texts", 0.78)]),
            &mut ranked
        ));
        for unclear in [
            reading(&[("texts", 0.79), ("zakat", 0.70)]),
            reading(&[("texts", 0.9), ("zakat", 0.895)]),
            reading(&[]),
        ] {
            let mut ranked = scores(&[("knowledge", 0.2), ("financial_services", 0.35)]);
            assert!(!by_meaning(&unclear, &mut ranked));
            assert_eq!(
                (score_of(&ranked, "knowledge"), score_of(&ranked, "financial_services")),
                (0.2, 0.35)
            );
        }
    }

    #[test]
    fn only_what_the_rules_cannot_place_is_read_for_meaning() {
        let mut fresh = after(&[], "what happened to the people of Lut?");
        fresh.previous = None;
        assert!(wants_meaning(
            &fresh,
            &scores(&[("user_interface", 1.0), ("knowledge", 0.3)])
        ));
        // A specialist claims it outright, it continues the previous answer, or it is small talk.
        assert!(wants_meaning(&fresh, &scores(&[("knowledge", 0.6)])));
        assert!(!wants_meaning(&fresh, &scores(&[("knowledge", 0.7)])));
        assert!(!wants_meaning(
            &after(&["community"], "and dhuhr?"),
            &scores(&[("community", 0.0)])
        ));
        let mut hello = after(&[], "Assalamu alaikum, what can you do?");
        hello.previous = None;
        assert!(!wants_meaning(&hello, &scores(&[("knowledge", 0.0)])));
    }

    #[test]
    fn an_agents_computation_owns_what_another_agents_words_also_claim() {
        let first = |content: &str| {
            let mut request = after(&[], content);
            request.previous = None;
            request
        };
        let mut ranked = scores(&[("knowledge", 0.9), ("community", 0.93)]);
        precedence(&first("which direction is mecca from toronto?"), &mut ranked);
        assert_eq!(score_of(&ranked, "knowledge"), 0.0);
        assert_eq!(score_of(&ranked, "community"), 0.93);
        assert!(ranked[0].reasons[0].contains("qibla"), "{:?}", ranked[0].reasons);
        // A ruling about the qibla is still the texts'.
        let mut ranked = scores(&[("knowledge", 0.9), ("community", 0.9)]);
        precedence(
            &first("is it allowed to pray if I do not know the qibla direction?"),
            &mut ranked,
        );
        assert_eq!(score_of(&ranked, "knowledge"), 0.9);

        let mut ranked = scores(&[("knowledge", 0.9), ("financial_services", 0.9)]);
        precedence(&first("who can receive zakat?"), &mut ranked);
        assert_eq!(
            (score_of(&ranked, "knowledge"), score_of(&ranked, "financial_services")),
            (0.0, 0.9)
        );
        // A text named outright stays the texts'.
        let mut ranked = scores(&[("knowledge", 0.95), ("financial_services", 0.9)]);
        precedence(
            &first("what does quran 9:60 say about who can receive zakat?"),
            &mut ranked,
        );
        assert_eq!(score_of(&ranked, "knowledge"), 0.95);

        let mut ranked = scores(&[("financial_services", 0.9), ("workflow", 0.95)]);
        precedence(&first("remind me to pay my zakat next year"), &mut ranked);
        assert_eq!(
            (score_of(&ranked, "financial_services"), score_of(&ranked, "workflow")),
            (0.0, 0.95)
        );
    }

    #[test]
    fn a_follow_up_continues_the_agents_that_answered_and_is_no_question_for_the_texts() {
        let mut ranked = scores(&[("community", 0.6), ("knowledge", 0.55), ("financial_services", 0.0)]);
        precedence(&after(&["user_interface", "community"], "what about asr?"), &mut ranked);
        assert_eq!(score_of(&ranked, "community"), FOLLOW_UP_SCORE);
        assert_eq!(score_of(&ranked, "knowledge"), 0.0);
        assert!(ranked[1].reasons[0].contains("not a question for the texts"));
        // Figures added to a calculation: the financial agent, which its own words do not claim.
        let mut ranked = scores(&[("financial_services", 0.0), ("knowledge", 0.0)]);
        precedence(
            &after(&["financial_services"], "I forgot, I also have 3,000 of rent arrears"),
            &mut ranked,
        );
        assert_eq!(score_of(&ranked, "financial_services"), FOLLOW_UP_SCORE);
    }

    #[test]
    fn a_follow_up_that_asks_the_texts_or_another_agent_is_theirs() {
        // It names a text or asks what one may do: the texts still answer.
        for content in ["and is there a hadith about it?", "and can I combine it with isha?"] {
            let mut ranked = scores(&[("community", 0.0), ("knowledge", 0.9)]);
            precedence(&after(&["community"], content), &mut ranked);
            assert_eq!(score_of(&ranked, "knowledge"), 0.9, "{content}");
        }
        // Another specialist claims it outright: the previous one is not pushed in beside it.
        let mut ranked = scores(&[("community", 0.0), ("financial_services", 0.9)]);
        precedence(&after(&["community"], "and zakat on 5,000 dollars?"), &mut ranked);
        assert_eq!(score_of(&ranked, "community"), 0.0);
        // A question of its own, or a first message: the scores stand.
        let mut ranked = scores(&[("community", 0.0), ("knowledge", 0.9)]);
        precedence(
            &after(&["community"], "what does the quran say about patience"),
            &mut ranked,
        );
        assert_eq!(score_of(&ranked, "knowledge"), 0.9);
        let mut first = after(&["community"], "and dhuhr?");
        first.previous = None;
        let mut ranked = scores(&[("community", 0.0), ("knowledge", 0.6)]);
        precedence(&first, &mut ranked);
        assert_eq!(
            (score_of(&ranked, "community"), score_of(&ranked, "knowledge")),
            (0.0, 0.6)
        );
    }
}

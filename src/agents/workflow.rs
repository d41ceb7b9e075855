//! The workflow agent: starts a durable workflow when a person asks for one in the chat, and
//! says so. "Please have a scholar review this answer" starts `answer_review` on the previous
//! reply; "remind me of my zakat next year" starts `zakat_assessment` with a reminder at the next
//! hawl, with the amounts of the zakat just computed when there was one. The run's id is derived
//! from the request's, so a retried request never starts a second run.

use futures_util::future::BoxFuture;
use hijraah_domain::ids::UserId;
use serde_json::{Value, json};
use uuid::Uuid;

use super::routing::{Keyword, kw, score_keywords};
use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};
use crate::auth::Principal;
use crate::workflows::{WorkflowError, Workflows};

const REVIEW: &[Keyword] = &[
    kw("review this answer", 1.0),
    kw("review that answer", 1.0),
    kw("review the answer", 1.0),
    kw("review this reply", 1.0),
    kw("scholar to review", 1.0),
    kw("scholar review", 1.0),
    kw("ask a scholar", 1.0),
    kw("have a scholar", 1.0),
    kw("check this answer", 0.9),
    kw("verify this answer", 0.9),
    kw("راجع هذه الإجابة", 1.0),
    kw("مراجعة الإجابة", 1.0),
    kw("مراجعة هذه الإجابة", 1.0),
    kw("يراجع الإجابة", 1.0),
    kw("اسأل عالما", 1.0),
    kw("عالم يراجع", 1.0),
];

const REMIND: &[Keyword] = &[
    kw("remind me", 1.0),
    kw("reminder", 0.9),
    kw("ذكرني", 1.0),
    kw("تذكير", 0.9),
];

const ZAKAT: &[Keyword] = &[
    kw("zakat", 1.0),
    kw("zakah", 1.0),
    kw("hawl", 1.0),
    kw("الزكاة", 1.0),
    kw("زكاة", 1.0),
    kw("الحول", 1.0),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Intent {
    Review,
    ZakatReminder,
}

fn intent(content: &str) -> Option<(Intent, RouteScore)> {
    let review = score_keywords(content, REVIEW);
    if review.score >= 0.9 {
        return Some((Intent::Review, review));
    }
    let remind = score_keywords(content, REMIND);
    let zakat = score_keywords(content, ZAKAT);
    if remind.score >= 0.9 && zakat.score >= 0.9 {
        let mut reasons = remind.reasons;
        reasons.extend(zakat.reasons);
        return Some((Intent::ZakatReminder, RouteScore { score: 0.95, reasons }));
    }
    None
}

/// Whether a message asks for one of the workflows the chat starts (other agents step aside).
pub fn asks_for_workflow(content: &str) -> bool {
    intent(content).is_some()
}

pub struct WorkflowAgent {
    agent_id: String,
    workflows: Workflows,
}

impl WorkflowAgent {
    pub fn new(agent_id: impl Into<String>, workflows: Workflows) -> Self {
        Self {
            agent_id: agent_id.into(),
            workflows,
        }
    }

    async fn start(&self, request: &AgentRequest, name: &str, input: Value) -> Result<Uuid, AgentError> {
        let principal = Principal {
            user_id: UserId::parse(&request.user_id).map_err(|error| AgentError::Failed(error.to_string()))?,
            role: request.role,
        };
        let run_id = Uuid::new_v5(&request.message_id, name.as_bytes());
        match self.workflows.start(name, input, &principal, Some(run_id), None).await {
            Ok(_) | Err(WorkflowError::RunExists(_)) => Ok(run_id),
            Err(error) => Err(AgentError::Failed(error.to_string())),
        }
    }

    async fn review(&self, request: &AgentRequest, arabic: bool) -> Result<AgentAnswer, AgentError> {
        // The answer to review: the specialist's reply to the previous question.
        let reply = request.previous.as_ref().and_then(|previous| {
            previous
                .replies
                .iter()
                .filter(|reply| reply.agent_type != "user_interface" && reply.agent_type != "workflow")
                .find_map(|reply| {
                    reply
                        .metadata
                        .get("message_id")
                        .and_then(Value::as_str)
                        .map(|id| (id.to_owned(), reply.agent_type.clone()))
                })
        });
        let Some((message_id, agent_type)) = reply else {
            let content = if arabic {
                "لا توجد إجابة سابقة في هذه المحادثة لأطلب مراجعتها. اطرح سؤالك أولاً، ثم اطلب المراجعة."
            } else {
                "There is no earlier answer in this conversation for a scholar to review. Ask your question first, then ask for a review."
            };
            return Ok(AgentAnswer {
                content: content.to_owned(),
                confidence: 0.9,
                metadata: json!({"kind": "nothing_to_review", "citations": []}),
            });
        };
        let reason = request.content.chars().take(2000).collect::<String>();
        let run_id = self
            .start(
                request,
                "answer_review",
                json!({"message_id": message_id, "reason": reason}),
            )
            .await?;
        let content = if arabic {
            format!(
                "طلبتُ من أحد العلماء مراجعة إجابة وكيل {agent_type} السابقة (رقم المتابعة {run_id}). سيظهر حكمه بجانب تلك الإجابة في المحادثة عند صدوره، خلال 14 يوماً على الأكثر."
            )
        } else {
            format!(
                "I have asked a scholar to review the {agent_type} agent's previous answer (workflow run {run_id}). Their verdict will appear beside that answer in this conversation when they give it, within 14 days."
            )
        };
        Ok(AgentAnswer {
            content,
            confidence: 0.95,
            metadata: json!({"kind": "workflow_started", "workflow": "answer_review", "run_id": run_id,
                             "reviewed_message_id": message_id, "citations": []}),
        })
    }

    async fn remind(&self, request: &AgentRequest, arabic: bool) -> Result<AgentAnswer, AgentError> {
        // The amounts of a zakat the financial agent just computed, if it did.
        let assets = request
            .previous
            .as_ref()
            .and_then(|previous| {
                previous
                    .replies
                    .iter()
                    .find(|reply| reply.agent_type == "financial_services")
            })
            .filter(|reply| reply.metadata.get("kind").and_then(Value::as_str) == Some("calculation"))
            .and_then(|reply| reply.metadata.get("inputs"))
            .filter(|inputs| inputs.as_object().is_some_and(|fields| !fields.is_empty()))
            .cloned();
        let mut input = json!({"remind": true});
        if let Some(assets) = &assets {
            input["assets"] = assets.clone();
        }
        let run_id = self.start(request, "zakat_assessment", input).await?;
        let content = match (arabic, assets.is_some()) {
            (false, true) => format!(
                "I have set a zakat reminder (workflow run {run_id}): it records the zakat on the amounts you gave, and reminds you on the same Hijri date next year, when your next hawl completes."
            ),
            (false, false) => format!(
                "I have started a zakat assessment with a reminder (workflow run {run_id}). It waits for your assets (cash, gold and silver with their prices, debts due): send them to the run as its `assets` signal, and it will compute your zakat and remind you on the same Hijri date next year."
            ),
            (true, true) => format!(
                "ضبطتُ تذكيراً بالزكاة (رقم المتابعة {run_id}): يسجّل زكاة المبالغ التي ذكرتها، ويذكّرك في التاريخ الهجري نفسه من العام القادم عند تمام الحول."
            ),
            (true, false) => format!(
                "بدأتُ تقييماً للزكاة مع تذكير (رقم المتابعة {run_id}). ينتظر أموالك (النقد والذهب والفضة وأسعارها والديون الحالّة): أرسلها إلى المتابعة بإشارة `assets`، فيحسب زكاتك ويذكّرك في التاريخ الهجري نفسه من العام القادم."
            ),
        };
        Ok(AgentAnswer {
            content,
            confidence: 0.9,
            metadata: json!({"kind": "workflow_started", "workflow": "zakat_assessment", "run_id": run_id,
                             "waiting_for_assets": assets.is_none(), "citations": []}),
        })
    }
}

impl Agent for WorkflowAgent {
    fn agent_id(&self) -> &str {
        &self.agent_id
    }

    fn agent_type(&self) -> &str {
        "workflow"
    }

    fn score(&self, request: &AgentRequest) -> RouteScore {
        intent(&request.content).map_or(
            RouteScore {
                score: 0.0,
                reasons: Vec::new(),
            },
            |(_, score)| score,
        )
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(async move {
            let arabic = request.language == "ar";
            match intent(&request.content) {
                Some((Intent::Review, _)) => self.review(request, arabic).await,
                Some((Intent::ZakatReminder, _)) => self.remind(request, arabic).await,
                None => Err(AgentError::Failed("no workflow was asked for".into())),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asking_for_a_review_or_a_zakat_reminder_is_recognised_and_other_questions_are_not() {
        for text in [
            "Please have a scholar review this answer",
            "Can a scholar review that answer?",
            "أريد أن يراجع عالم هذه الإجابة: راجع هذه الإجابة",
        ] {
            assert_eq!(intent(text).map(|(intent, _)| intent), Some(Intent::Review), "{text}");
        }
        for text in ["Remind me of my zakat next year", "ذكرني بالزكاة عند تمام الحول"] {
            assert_eq!(
                intent(text).map(|(intent, _)| intent),
                Some(Intent::ZakatReminder),
                "{text}"
            );
        }
        for text in [
            "How do I calculate zakat?",
            "Remind me what the pillars of Islam are",
            "What is a review?",
        ] {
            assert_eq!(intent(text), None, "{text}");
        }
    }
}

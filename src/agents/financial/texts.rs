//! The financial agent's fixed texts, in English and Arabic. Numbers, references and quotations
//! are the same in both; only the words around them change.

use hijraah_domain::calculators::zakat::{FitrResult, ZakatInput, ZakatResult};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

pub(super) use crate::agents::language::Language;

use super::Verse;

/// An amount written with its currency ("$12000.00"), its figure grouped for reading
/// ("$12,000.00").
pub(super) fn shown(written: &str, amount: Decimal) -> String {
    written.replace(&amount.to_string(), &grouped(amount))
}

/// 12345.50 → "12,345.50" (the figures stay exact; only grouped for reading).
pub(crate) fn grouped(amount: Decimal) -> String {
    let text = amount.to_string();
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (index, c) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match fraction {
        Some(fraction) => format!("{sign}{out}.{fraction}"),
        None => format!("{sign}{out}"),
    }
}

/// Said when the question is about livestock, whose zakat is not computed here.
pub(super) fn livestock(language: Language) -> &'static str {
    match language {
        Language::English => {
            "Zakat on livestock (camels, cattle, sheep and goats) is not a share of their value: the texts set it \
             out by head count, and I do not compute it. The schedule is in the hadith quoted below, where the \
             library has them. What I calculate is zakat on wealth. "
        }
        Language::Arabic => {
            "زكاة الأنعام (الإبل والبقر والغنم) ليست ربع عشر قيمتها، بل تحددها النصوص بعدد الرؤوس، ولا أحسبها هنا. \
             مقاديرها في الأحاديث المنقولة أدناه إن وُجدت في المكتبة. ما أحسبه هو زكاة المال. "
        }
    }
}

pub(super) fn method(language: Language) -> &'static str {
    match language {
        Language::English => {
            "How it is worked out: zakat is 2.5% of your net zakatable wealth (cash and savings, gold and silver at \
             today's price, trade stock, money owed to you that you expect back, and shares held for trading), after \
             deducting debts due now, when that wealth is at or above the nisab (85 g of gold, or 595 g of silver if \
             you follow the silver nisab) and a lunar year has passed over it."
        }
        Language::Arabic => {
            "طريقة الحساب: الزكاة ربع العشر (2.5%) من صافي المال الزكوي (النقد والمدخرات، والذهب والفضة بسعر اليوم، \
             وعروض التجارة، والديون المرجوّة لك، والأسهم المعدّة للتجارة) بعد خصم الديون الحالّة، إذا بلغ النصاب \
             (85 غرامًا من الذهب، أو 595 غرامًا من الفضة لمن يأخذ بنصاب الفضة) وحال عليه الحول."
        }
    }
}

pub(super) fn ask_amounts(language: Language) -> &'static str {
    match language {
        Language::English => {
            "Tell me your amounts (cash and savings, grams of gold and silver, trade stock, money owed to you), your \
             debts due now, and today's price of gold per gram where you live, and I will calculate it. I do not \
             look prices up or assume them."
        }
        Language::Arabic => {
            "أخبرني بمبالغك (النقد والمدخرات، وغرامات الذهب والفضة، والبضاعة، والديون المستحقة لك)، وديونك الحالّة، \
             وسعر غرام الذهب اليوم في بلدك، وسأحسبها لك. لا أبحث عن الأسعار ولا أفترضها."
        }
    }
}

/// Qur'an 9:60 quoted from the index, or nothing when it is not there.
pub(super) fn verse_quote(language: Language, verse: Option<&Verse>) -> String {
    let Some(verse) = verse else {
        return String::new();
    };
    match language {
        Language::English => verse
            .text_en
            .as_ref()
            .map(|text| format!("\n\nWho receives zakat: \"{text}\" ({})", verse.reference))
            .unwrap_or_default(),
        Language::Arabic => verse
            .text_ar
            .as_ref()
            .or(verse.text_en.as_ref())
            .map(|text| format!("\n\nمصارف الزكاة: «{text}» ({})", verse.reference))
            .unwrap_or_default(),
    }
}

pub(super) fn unusable(language: Language, problem: &str) -> String {
    match language {
        Language::English => format!("I could not use your figures: {problem}. Please send them again."),
        Language::Arabic => format!("لم أستطع استخدام أرقامك: {problem}. يُرجى إرسالها مرة أخرى."),
    }
}

/// Asks for the one figure the calculation still needs.
pub(super) fn ask_for(language: Language, field: &str, fields: &Map<String, Value>) -> String {
    let holds_gold = fields.contains_key("gold_grams");
    match (language, field) {
        (Language::English, "gold_price_per_gram") => format!(
            "To calculate your zakat I need today's price of gold per gram where you live (for example \"gold is 85 \
             a gram\"): {} I do not look prices up or assume them.",
            if holds_gold {
                "the value of your gold and the nisab (85 g of gold) both depend on it."
            } else {
                "the nisab is 85 g of gold, so whether zakat is due depends on it."
            }
        ),
        (Language::English, "silver_price_per_gram") => "To calculate your zakat I need today's price of silver per \
             gram where you live (for example \"silver is 0.95 a gram\"): the silver you hold or the silver nisab \
             (595 g) depends on it. I do not look prices up or assume them."
            .to_owned(),
        (Language::English, _) => "Your long-term shares count at the share of the company's assets that are \
             zakatable: tell me that ratio (from 0 to 1), or their zakatable value."
            .to_owned(),
        (Language::Arabic, "gold_price_per_gram") => "لحساب زكاتك أحتاج إلى سعر غرام الذهب اليوم في بلدك (مثلًا: \
             \"سعر غرام الذهب 85\")، فعليه يتوقف النصاب (85 غرامًا من الذهب). لا أبحث عن الأسعار ولا أفترضها."
            .to_owned(),
        (Language::Arabic, "silver_price_per_gram") => "لحساب زكاتك أحتاج إلى سعر غرام الفضة اليوم في بلدك، فعليه \
             يتوقف نصاب الفضة (595 غرامًا) أو قيمة فضتك. لا أبحث عن الأسعار ولا أفترضها."
            .to_owned(),
        (Language::Arabic, _) => "أخبرني بنسبة الأصول الزكوية في الشركة (من 0 إلى 1) لأسهمك طويلة الأجل.".to_owned(),
    }
}

/// The result in words, with the figures it came from.
pub(super) fn verdict(
    language: Language,
    result: &ZakatResult,
    input: &ZakatInput,
    basis: &str,
    price: Option<Decimal>,
    money: impl Fn(Decimal) -> String,
) -> String {
    // The currency as the user wrote it, the figure grouped for reading ("$12,000.00").
    let show = |amount: Decimal| shown(&money(amount), amount);
    let deducted = if input.debts_due > Decimal::ZERO {
        Some(input.debts_due)
    } else {
        None
    };
    let price_text = price.map(&show).unwrap_or_default();
    match language {
        Language::English => {
            let nisab = format!(
                "the nisab of {} g of {basis} at {price_text} a gram, {}",
                result.nisab_grams,
                show(result.nisab_value)
            );
            let wealth = match deducted {
                Some(debts) => format!(
                    "your net zakatable wealth of {} ({} less debts due now of {})",
                    show(result.net_zakatable_wealth),
                    show(result.gross_zakatable_wealth),
                    show(debts)
                ),
                None => format!("your net zakatable wealth of {}", show(result.net_zakatable_wealth)),
            };
            if result.zakat_due {
                format!(
                    "Your zakat is {}: 2.5% of {wealth}, which is at or above {nisab}.",
                    show(result.zakat_amount)
                )
            } else if !input.hawl_complete {
                "No zakat is due yet: a full lunar year (hawl) has not passed over this wealth.".to_owned()
            } else {
                format!("No zakat is due: {wealth} is below {nisab}.")
            }
        }
        Language::Arabic => {
            let metal = if basis == "gold" { "الذهب" } else { "الفضة" };
            let nisab = format!(
                "النصاب {} غرامًا من {metal} بسعر {price_text} للغرام، أي {}",
                result.nisab_grams,
                show(result.nisab_value)
            );
            if result.zakat_due {
                format!(
                    "زكاتك {}، أي 2.5% من صافي مالك الزكوي {}، وهو يبلغ النصاب ({nisab}).",
                    show(result.zakat_amount),
                    show(result.net_zakatable_wealth)
                )
            } else if !input.hawl_complete {
                "لا تجب الزكاة بعد: لم يحل الحول على هذا المال.".to_owned()
            } else {
                format!(
                    "لا تجب عليك الزكاة: صافي مالك الزكوي {} أقل من النصاب ({nisab}).",
                    show(result.net_zakatable_wealth)
                )
            }
        }
    }
}

/// The difference of opinion on worn gold jewellery, with the figure without it.
pub(super) fn jewellery_note(language: Language, without: &ZakatResult, money: impl Fn(Decimal) -> String) -> String {
    let show = |amount: Decimal| shown(&money(amount), amount);
    match (language, without.zakat_due) {
        (Language::English, true) => format!(
            " Scholars differ on gold jewellery that is worn: the Hanafi school counts it, as above; the Maliki, \
             Shafi'i and Hanbali schools do not, and without it your zakat would be {}.",
            show(without.zakat_amount)
        ),
        (Language::English, false) => " Scholars differ on gold jewellery that is worn: the Hanafi school counts it, \
             as above; the Maliki, Shafi'i and Hanbali schools do not, and without it no zakat would be due."
            .to_owned(),
        (Language::Arabic, true) => format!(
            " واختلف العلماء في الحلي الملبوس: يوجب الحنفية فيه الزكاة كما حُسب أعلاه، ولا يوجبها الجمهور، وبدونه تكون \
             زكاتك {}.",
            show(without.zakat_amount)
        ),
        (Language::Arabic, false) => " واختلف العلماء في الحلي الملبوس: يوجب الحنفية فيه الزكاة كما حُسب أعلاه، ولا \
             يوجبها الجمهور، وبدونه لا تجب عليك الزكاة."
            .to_owned(),
    }
}

/// An income named in the question (a salary a month) and left out of the calculation.
pub(super) fn income_note(language: Language, income: &[Decimal], money: impl Fn(Decimal) -> String) -> String {
    if income.is_empty() {
        return String::new();
    }
    let show = |amount: Decimal| shown(&money(amount), amount);
    let amounts = income.iter().map(|amount| show(*amount)).collect::<Vec<_>>().join(", ");
    match language {
        Language::English => format!(
            " I did not count your income ({amounts}): zakat is due on what you hold for a lunar year, \
             such as savings, so what you earn counts only as far as it is still saved."
        ),
        Language::Arabic => format!(
            " لم أحسب دخلك ({amounts}): الزكاة على ما تملكه ويحول عليه الحول كالمدخرات، فلا يُحسب من الراتب \
             إلا ما بقي منه مدخرًا."
        ),
    }
}

pub(super) fn recipients(language: Language, verse: Option<&Verse>) -> String {
    let categories = match language {
        Language::English => {
            "Zakat is for the eight kinds of recipients named in Qur'an 9:60: the poor (al-fuqara'), the needy \
             (al-masakin), those employed to collect and distribute it, those whose hearts are to be brought together, \
             freeing captives, those in debt who cannot pay it, in the cause of Allah, and the stranded traveller. \
             Most scholars hold that you do not give it to those you are already obliged to support (your parents, \
             children or spouse); for your own case, ask a scholar you trust."
        }
        Language::Arabic => {
            "مصارف الزكاة ثمانية ذكرها الله في سورة التوبة (9:60): الفقراء، والمساكين، والعاملون عليها، والمؤلفة \
             قلوبهم، وفي الرقاب، والغارمون، وفي سبيل الله، وابن السبيل. ويرى جمهور العلماء أنها لا تُعطى لمن تجب \
             عليك نفقته (الوالدين والأولاد والزوجة)؛ واسأل عالمًا تثق به عن حالتك."
        }
    };
    let quote = match (language, verse) {
        (Language::English, Some(verse)) => verse
            .text_en
            .as_ref()
            .map(|text| format!("\n\n\"{text}\" ({})", verse.reference))
            .unwrap_or_default(),
        (Language::Arabic, Some(verse)) => verse
            .text_ar
            .as_ref()
            .map(|text| format!("\n\n«{text}» ({})", verse.reference))
            .unwrap_or_default(),
        (_, None) => String::new(),
    };
    format!("{categories}{quote}")
}

pub(super) fn fitr_ask(language: Language, needs: &[&str]) -> String {
    let persons = needs.contains(&"persons");
    let price = needs.contains(&"staple_price_per_kg");
    match language {
        Language::English => {
            let mut wanted = Vec::new();
            if persons {
                wanted.push("how many people you pay it for (yourself and each person you support)");
            }
            if price {
                wanted.push("the price of one kilogram of your usual staple food (rice, wheat flour, dates…)");
            }
            format!(
                "Zakat al-fitr is one sa' of staple food (about 2.5 kg) for each person, given before the Eid prayer. \
                 To work it out I need {}. I do not look prices up or assume them.",
                wanted.join(" and ")
            )
        }
        Language::Arabic => {
            let mut wanted = Vec::new();
            if persons {
                wanted.push("عدد الأشخاص الذين تخرجها عنهم (أنت ومن تعول)");
            }
            if price {
                wanted.push("سعر كيلوغرام من قوت البلد (الأرز أو القمح أو التمر…)");
            }
            format!(
                "زكاة الفطر صاع من قوت البلد (نحو 2.5 كغ) عن كل شخص، تُخرج قبل صلاة العيد. لأحسبها أحتاج إلى {}. \
                 لا أبحث عن الأسعار ولا أفترضها.",
                wanted.join(" و")
            )
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn fitr_result(
    language: Language,
    persons: u32,
    persons_from: Option<&str>,
    sa_kg: Decimal,
    sa_stated: bool,
    price: Decimal,
    result: &FitrResult,
    staple: Option<&str>,
    money: impl Fn(Decimal) -> String,
) -> String {
    match language {
        Language::English => {
            let counted = persons_from
                .filter(|from| from.contains(','))
                .map(|from| format!(" (counted: {from})"))
                .unwrap_or_default();
            let sa = if sa_stated {
                format!("{sa_kg} kg for each person, as you said")
            } else {
                format!("one sa' for each person, taken as {sa_kg} kg; some use 2.04 kg or 3 kg")
            };
            format!(
                "Zakat al-fitr for {persons} {}{counted}: {} kg of {} ({sa}), or {} in money at {} a kilogram. \
                 Give it before the Eid prayer. Many scholars hold it should be given as food; the Hanafis allow its \
                 value in money.",
                if persons == 1 { "person" } else { "people" },
                result.food_kg,
                staple.unwrap_or("staple food"),
                money(result.zakat_amount),
                money(price)
            )
        }
        Language::Arabic => {
            let sa = if sa_stated {
                format!("{sa_kg} كغ عن كل شخص كما ذكرت")
            } else {
                format!("صاع عن كل شخص، يُقدَّر بـ {sa_kg} كغ")
            };
            // The asker counted beside the household they named ("عندي زوجة و٣ أطفال").
            let counted = if persons_from.is_some_and(|from| from.starts_with("you")) {
                " (أنت ومن ذكرتهم)"
            } else {
                ""
            };
            format!(
                "زكاة الفطر عن {persons} أشخاص{counted}: {} كغ من {} ({sa})، أي {} نقدًا بسعر {} للكيلو. تُخرج قبل صلاة العيد. \
                 ويرى كثير من العلماء إخراجها طعامًا، ويجيز الحنفية إخراج قيمتها.",
                result.food_kg,
                staple.unwrap_or("قوت البلد"),
                money(result.zakat_amount),
                money(price)
            )
        }
    }
}

pub(super) fn personal_assets(language: Language) -> &'static str {
    match language {
        Language::English => {
            "Zakat is not due on the home you live in, your car, furniture, clothes or other things for your own use: \
             it is due on wealth that grows or is kept as wealth (cash and savings, gold and silver, trade stock, \
             shares held for trading). A property bought to sell is trade stock and counts at its market value; rent \
             from a property counts once it is saved with your other money. Tell me your figures and I will calculate \
             your zakat."
        }
        Language::Arabic => {
            "لا زكاة في البيت الذي تسكنه ولا في سيارتك وأثاثك وملابسك وما تستعمله لنفسك، وإنما الزكاة في المال النامي \
             أو المدّخر (النقد والمدخرات، والذهب والفضة، وعروض التجارة، والأسهم المعدّة للتجارة). والعقار المشترى بنية \
             البيع من عروض التجارة يُزكّى بقيمته السوقية، وأجرة العقار تُزكّى إذا ادُّخرت مع سائر مالك. أخبرني بأرقامك \
             وسأحسب زكاتك."
        }
    }
}

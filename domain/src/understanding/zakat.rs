//! Zakat al-mal inputs from a plain message: savings and cash, gold and silver held (in grams,
//! tolas or ounces), their prices (per gram, ounce or tola), trade stock, money owed to the user,
//! shares, debts due now, the nisab asked for, and whether a lunar year has passed. Every value
//! read says which words it came from, so the reply can show what it used.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::message::Message;
use super::money::{Currency, Quantity, Unit, quantities, window};
use super::text::contains_any_word;

/// What a message says about zakat al-mal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZakatReading {
    /// Calculator fields (the zakat endpoint's names) and their values, summed when a field is
    /// given more than once ("10k in savings and another £2,350 in my current account").
    pub amounts: BTreeMap<&'static str, Decimal>,
    pub nisab_basis: Option<&'static str>,
    pub nisab_standard: Option<&'static str>,
    pub hawl_complete: Option<bool>,
    pub currency: Option<Currency>,
    /// A price per gram given without saying of which metal ("90 dollars a gram").
    pub unnamed_price_per_gram: Option<Decimal>,
    /// The gold is jewellery that is worn, on which scholars differ.
    pub jewellery: bool,
    /// For each value read: the field and the words it was read from.
    pub evidence: Vec<(&'static str, String)>,
    /// Income named as a rate ("I earn 5,500 a month", «راتبي الشهري ٨ آلاف»): not wealth held
    /// for a year, so not counted; the reply says it left it out. The amount and its words.
    pub income: Vec<(Decimal, String)>,
    /// The message names livestock (camels, cattle, sheep, goats), whose zakat the texts set by
    /// head count, not as a share of value: not computed.
    pub livestock: bool,
}

impl ZakatReading {
    pub fn is_empty(&self) -> bool {
        self.amounts.is_empty()
            && self.nisab_basis.is_none()
            && self.hawl_complete.is_none()
            && self.unnamed_price_per_gram.is_none()
    }

    /// Whether the message gives any wealth (not only a price or an option).
    pub fn has_wealth(&self) -> bool {
        self.amounts
            .keys()
            .any(|field| !matches!(*field, "gold_price_per_gram" | "silver_price_per_gram"))
    }
}

const GOLD: &[&str] = &["gold", "ذهب", "الذهب", "ذهبا", "ذهباً"];
const SILVER: &[&str] = &["silver", "فضة", "الفضة", "فضه", "الفضه"];
const DEBT: &[&str] = &[
    "owe",
    "i owe",
    "debt",
    "debts",
    "loan",
    "loans",
    "bill",
    "bills",
    "liabilities",
    "liability",
    "payable",
    "due",
    "arrears",
    "overdue",
    "outstanding",
    "must pay",
    "have to pay",
    "need to pay",
    "pay back",
    "repay",
    "give back",
    "دين",
    "ديون",
    "قرض",
    "مدين",
    "علي",
];
const RECEIVABLE: &[&str] = &[
    "owed to me",
    "owe me",
    "owes me",
    "lent",
    "loaned",
    "receivable",
    "receivables",
    "لي دين",
    "ديون لي",
];
const INVENTORY: &[&str] = &[
    "inventory",
    "stock worth",
    "merchandise",
    "goods",
    "trade goods",
    "stock in",
    "shop stock",
    "stock of",
    "بضاعة",
    "بضائع",
    "مخزون",
    "عروض التجارة",
];
const SHARES: &[&str] = &["shares", "stocks", "portfolio", "equities", "أسهم", "اسهم"];
const CASH: &[&str] = &[
    "saved",
    "savings",
    "save",
    "bank",
    "account",
    "cash",
    "checking",
    "current",
    "till",
    "hand",
    "home",
    "wallet",
    "deposit",
    "deposits",
    "balance",
    "نقدا",
    "نقد",
    "نقدي",
    "البنك",
    "بنك",
    "رصيد",
    "مدخرات",
    "كاش",
    "توفير",
    "حساب",
];

fn mentions(words: &[&str], cues: &[&str]) -> bool {
    // A currency is never a cue: Arabic cues match a word's start, and «دينار» (dinar) begins
    // with «دين» (debt).
    let words: Vec<&str> = words
        .iter()
        .copied()
        .filter(|word| super::money::currency_word(word).is_none())
        .collect();
    contains_any_word(&words.join(" "), cues)
}

/// Words before an amount that name it as earnings ("my salary is", "I earn", «راتبي»).
const EARNING: &[&str] = &[
    "salary",
    "salaries",
    "wage",
    "wages",
    "income",
    "earn",
    "earns",
    "earning",
    "earnings",
    "paycheck",
    "paycheque",
    "stipend",
    "pension",
];
/// Words after an amount that make it a rate of income ("a month", «شهريا»).
const PER_PERIOD: &[&str] = &[
    "a month",
    "per month",
    "each month",
    "every month",
    "monthly",
    "a week",
    "per week",
    "weekly",
    "an hour",
    "per hour",
    "hourly",
    "a day",
    "per day",
    "شهريا",
    "شهرياً",
    "في الشهر",
    "بالشهر",
    "كل شهر",
    "اسبوعيا",
    "أسبوعيا",
];

/// Whether the words around an amount name it as income rather than wealth held.
fn earned(near_before: &[&str], near_after: &[&str]) -> bool {
    let arabic_earning = |word: &&str| {
        let bare = word.trim_start_matches(['و', 'ف', 'ب']);
        let bare = bare.strip_prefix("ال").unwrap_or(bare);
        ["راتب", "مرتب", "دخل", "أجر", "اجر"]
            .iter()
            .any(|stem| bare.starts_with(stem) && bare.chars().count() <= stem.chars().count() + 2)
            || matches!(bare, "شهري" | "الشهري")
    };
    let said_earned = near_before.iter().any(|word| EARNING.contains(word) || arabic_earning(word))
        // "I make 5,500", "she makes 4000 a month": the verb just before the amount.
        || near_before
            .iter()
            .rev()
            .take(2)
            .any(|word| matches!(*word, "make" | "makes" | "making" | "bring" | "brings"));
    said_earned || mentions(near_after, PER_PERIOD)
}

/// Words by which people say they hold something ("if I have 8,500", "I've got", "I saved").
const HOLDING: &[&str] = &[
    "have", "got", "own", "hold", "saved", "save", "savings", "عندي", "لدي", "معي", "أملك", "املك",
];

/// Whether the words just before a number say it is owed. Not when a word of holding comes
/// between the debt word and the number ("how much do I owe if I have 8,500"), nor when "owe"
/// asks about the zakat itself ("how much zakat do I owe", "what do I owe").
fn owed_before(near_before: &[&str]) -> bool {
    if !mentions(near_before, DEBT) {
        return false;
    }
    let Some(at) = near_before
        .iter()
        .rposition(|word| DEBT.iter().any(|cue| !cue.contains(' ') && word == cue))
    else {
        return true;
    };
    if near_before[at + 1..].iter().any(|word| HOLDING.contains(word)) {
        return false;
    }
    let asks_zakat = near_before[at] == "owe"
        && at >= 2
        && near_before[at - 1] == "i"
        && matches!(
            near_before[at - 2],
            "do" | "will" | "would" | "should" | "must" | "zakat" | "much" | "what"
        );
    !asks_zakat
}

/// The words after an amount up to where the next clause starts ("and", «وعليّ»), so that
/// "12 ألف دولار وعليّ دين" does not make the twelve thousand a debt.
fn clause_after<'a, 'w>(after: &'a [&'w str]) -> &'a [&'w str] {
    let starts_clause = |word: &&str| {
        matches!(*word, "and" | "but" | "plus" | "while" | "و" | "لكن" | "ولكن")
            || word.strip_prefix('و').is_some_and(|rest| {
                let rest = rest.trim_end_matches('\u{651}');
                HOLDING.contains(&rest) || DEBT.contains(&rest) || rest == "لي"
            })
    };
    match after.iter().position(starts_clause) {
        Some(end) => &after[..end],
        None => after,
    }
}

fn nearest_metal(before: &[&str], after: &[&str]) -> Option<&'static str> {
    let is = |word: &&str, metal: &[&str]| metal.iter().any(|m| word.ends_with(m));
    // Nearest first: walk outwards from the number.
    let span = before.len().max(after.len());
    for distance in 0..span {
        for word in [
            after.get(distance),
            before.len().checked_sub(distance + 1).and_then(|i| before.get(i)),
        ]
        .into_iter()
        .flatten()
        {
            if is(word, GOLD) {
                return Some("gold");
            }
            if is(word, SILVER) {
                return Some("silver");
            }
        }
    }
    None
}

/// A four-digit number between 1900 and 2100 without a currency is a year, not money.
fn is_year(quantity: &Quantity, before: &[&str]) -> bool {
    let year = quantity.value >= Decimal::from(1900)
        && quantity.value <= Decimal::from(2100)
        && quantity.value.fract().is_zero();
    year && quantity.currency.is_none()
        && (before
            .last()
            .is_some_and(|w| matches!(*w, "in" | "year" | "since" | "for" | "of" | "until" | "عام" | "سنة"))
            || before.is_empty())
}

/// Reads zakat al-mal inputs from a message.
/// Livestock, in English and in folded Arabic (with and without the article).
const LIVESTOCK: &[&str] = &[
    "livestock",
    "sheep",
    "goat",
    "goats",
    "camel",
    "camels",
    "cattle",
    "cow",
    "cows",
    "herd",
    "herds",
    "flock",
    "flocks",
];
const LIVESTOCK_FOLDED_AR: &[&str] = &[
    "غنم",
    "الغنم",
    "شاه",
    "شياه",
    "ماعز",
    "الماعز",
    "ابل",
    "الابل",
    "بقر",
    "البقر",
    "مواشي",
    "المواشي",
    "انعام",
    "الانعام",
];

pub fn read(message: &str) -> ZakatReading {
    read_message(&Message::new(message))
}

/// [`read`] of a message already prepared (its tokens and lowercased text read once).
pub fn read_message(message: &Message) -> ZakatReading {
    let (lower, tokens) = (&message.lower, &message.tokens);
    let mut reading = ZakatReading::default();
    for quantity in quantities(tokens) {
        let (before, after) = window(tokens, quantity.at, 6, 6);
        if is_year(&quantity, &before) || quantity.value.is_zero() {
            continue;
        }
        let near_before = &before[before.len().saturating_sub(4)..];
        let near_after = clause_after(&after[..after.len().min(4)]);
        let phrase = {
            let mut words: Vec<&str> = near_before.to_vec();
            words.push("#");
            words.extend_from_slice(near_after);
            words.join(" ").replace('#', &quantity.value.to_string())
        };
        let field: &'static str;
        let mut value = quantity.value;
        if let Some(per) = quantity.per {
            if per == Unit::Kilogram {
                continue;
            }
            let Some(metal) = nearest_metal(&before, &after) else {
                // "90 dollars a gram" with no metal named: the answer to a question we asked.
                reading.unnamed_price_per_gram = Some((value / per.grams()).normalize());
                if let Some(currency) = &quantity.currency {
                    reading.currency.get_or_insert_with(|| currency.clone());
                }
                continue;
            };
            field = if metal == "gold" {
                "gold_price_per_gram"
            } else {
                "silver_price_per_gram"
            };
            value /= per.grams();
        } else if let Some(unit) = quantity.unit {
            // A weight is a metal held ("60 grams of gold"), never money: a weight of anything
            // else is left out. A kilogram is a metal's only when the metal follows it ("2 kg of
            // silver"), since a kilo is more often food ("2 kg of rice" beside the gold price).
            let metal = if unit == Unit::Kilogram {
                nearest_metal(&[], &after[..after.len().min(3)])
            } else {
                nearest_metal(&[], &after).or_else(|| nearest_metal(&before, &[]))
            };
            let Some(metal) = metal else {
                continue;
            };
            field = if metal == "gold" { "gold_grams" } else { "silver_grams" };
            value *= unit.grams();
        } else if quantity.unit.is_none() && earned(near_before, near_after) {
            // A rate of income is not wealth held for a lunar year: left out, and said so.
            if let Some(currency) = &quantity.currency {
                reading.currency.get_or_insert_with(|| currency.clone());
            }
            reading.income.push((value.normalize(), phrase));
            continue;
        } else if mentions(&before, RECEIVABLE) || mentions(near_after, RECEIVABLE) {
            field = "receivables";
        } else if owed_before(near_before)
            || mentions(
                near_after,
                &[
                    "in debt", "in debts", "debt", "debts", "of debt", "loan", "arrears", "overdue", "دين", "ديون",
                ],
            )
        {
            field = "debts_due";
        } else if mentions(near_before, INVENTORY)
            || mentions(
                near_after,
                &[
                    "in stock",
                    "of stock",
                    "inventory",
                    "of goods",
                    "of merchandise",
                    "بضاعة",
                ],
            )
        {
            field = "business_inventory";
        } else if mentions(near_before, SHARES)
            || mentions(near_after, SHARES)
            || mentions(near_after, &["in stocks", "in shares"])
        {
            field = "stocks_trading_value";
        } else if let Some(metal) = {
            // "gold is 85", "gold price: 85": a price without "per gram" is taken per gram.
            let priced = near_before
                .iter()
                // «غرام الذهب ب ٢٠٠»: "at 200".
                .any(|w| {
                    matches!(
                        *w,
                        "is" | "at" | "price" | "costs" | "cost" | "rate" | "سعر" | "ب" | "بـ" | "يساوي" | "كان" | "يكون"
                    )
                })
                || near_before.last().is_some_and(|w| w.ends_with("سعر"))
                // «غرام الذهب ٨٠ يورو», "a gram of gold 80": the gram named right before the price.
                || {
                    let gram = |w: &str| matches!(w, "غرام" | "الغرام" | "جرام" | "الجرام" | "gram");
                    let last_two: Vec<&str> = near_before.iter().rev().take(2).copied().collect();
                    last_two.first().is_some_and(|w| gram(w))
                        || (last_two.len() == 2 && gram(last_two[1]) && nearest_metal(&[last_two[0]], &[]).is_some())
                };
            let metal_just_before = near_before.iter().rev().take(3).find_map(|w| nearest_metal(&[w], &[]));
            if priced && quantity.unit.is_none() {
                metal_just_before
            } else {
                None
            }
        } {
            field = if metal == "gold" {
                "gold_price_per_gram"
            } else {
                "silver_price_per_gram"
            };
        } else if mentions(&before, &["worth", "valued", "value"]) && nearest_metal(&before, &[]).is_some() {
            // Gold or silver given by its value: counted at that value.
            field = "cash";
        } else if quantity.currency.is_some()
            || mentions(near_after, CASH)
            || mentions(near_before, CASH)
            || mentions(near_before, &["have", "got", "عندي", "لدي", "معي", "own"])
        {
            field = "cash";
        } else {
            continue;
        }
        if let Some(currency) = &quantity.currency
            && (field != "gold_grams" && field != "silver_grams")
        {
            reading.currency.get_or_insert_with(|| currency.clone());
        }
        *reading.amounts.entry(field).or_default() += value.normalize();
        reading.evidence.push((field, phrase));
    }
    // Prices are rates, not sums: a price given twice is the same price, not double.
    for price in ["gold_price_per_gram", "silver_price_per_gram"] {
        let count = reading.evidence.iter().filter(|(field, _)| *field == price).count();
        if count > 1
            && let Some(total) = reading.amounts.get_mut(price)
        {
            *total /= Decimal::from(count);
        }
    }
    if contains_any_word(
        lower,
        &[
            "silver nisab",
            "nisab of silver",
            "silver standard",
            "based on silver",
            "use silver",
            "نصاب الفضة",
        ],
    ) {
        reading.nisab_basis = Some("silver");
    } else if contains_any_word(
        lower,
        &[
            "gold nisab",
            "nisab of gold",
            "gold standard",
            "based on gold",
            "نصاب الذهب",
        ],
    ) {
        reading.nisab_basis = Some("gold");
    }
    reading.jewellery = reading.amounts.contains_key("gold_grams")
        && contains_any_word(
            lower,
            &[
                "jewellery",
                "jewelry",
                "jewels",
                "ornaments",
                "necklace",
                "bracelet",
                "bracelets",
                "rings",
                "bangles",
                "earrings",
                "حلي",
                "مجوهرات",
                "ذهب ملبوس",
            ],
        );
    reading.livestock =
        LIVESTOCK.iter().any(|cue| message.says(cue)) || LIVESTOCK_FOLDED_AR.iter().any(|cue| message.says_folded(cue));
    if contains_any_word(lower, &["tola"]) && contains_any_word(lower, &["nisab"]) {
        reading.nisab_standard = Some("tola_87.48_612.36");
    }
    if contains_any_word(
        lower,
        &[
            "less than a year",
            "not a full year",
            "not been a year",
            "hasn't been a year",
            "under a year",
            "only had it for",
            "for six months",
            "for 6 months",
            "for a few months",
            "لم يحل عليه الحول",
            "لم يمض عليه عام",
        ],
    ) {
        reading.hawl_complete = Some(false);
    }
    reading
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn amount(reading: &ZakatReading, field: &str) -> Option<Decimal> {
        reading.amounts.get(field).copied()
    }

    #[test]
    fn savings_gold_and_its_price() {
        let r = read("I have 12,000 dollars saved and gold is 85 dollars a gram, how much zakat do I owe?");
        assert_eq!(amount(&r, "cash"), Some(d("12000")));
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("85")));
        assert_eq!(amount(&r, "debts_due"), None, "'how much zakat do I owe' is no debt");
        // The question before the amount: still no debt.
        let r = read("How much zakat do I owe if I have 8,500 euros saved and gold is 95 euros a gram?");
        assert_eq!(amount(&r, "cash"), Some(d("8500")));
        assert_eq!(amount(&r, "debts_due"), None);
        let r = read("what do i owe on 3000 pounds in the bank");
        assert_eq!(amount(&r, "cash"), Some(d("3000")));
        assert_eq!(amount(&r, "debts_due"), None);
        let r =
            read("I've got $5,400 in my checking account plus 60 grams of gold jewelry. Gold is at $92/g right now");
        assert_eq!(amount(&r, "cash"), Some(d("5400")));
        assert_eq!(amount(&r, "gold_grams"), Some(d("60")));
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("92")));
        assert!(r.jewellery);
        assert_eq!(r.currency.unwrap().display, "$");
    }

    #[test]
    fn livestock_is_named_in_english_and_arabic() {
        assert!(read("what is the zakat on 100 sheep?").livestock);
        assert!(read("كم زكاة ٥٠ رأس من الغنم؟").livestock);
        assert!(read("zakat on my camels").livestock);
        assert!(!read("zakat on 5000 dollars, gold is 80 a gram").livestock);
    }

    #[test]
    fn several_accounts_add_up_and_magnitudes_count() {
        let r = read("i have 10k in savings and another £2,350 in my current account. gold price is £68.40 per gram");
        assert_eq!(amount(&r, "cash"), Some(d("12350")));
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("68.40")));
        let r =
            read("My savings: €7,800 in the bank and €1,200.50 cash at home, plus 40g of gold. Gold is €79.35 a gram.");
        assert_eq!(amount(&r, "cash"), Some(d("9000.50")));
        assert_eq!(amount(&r, "gold_grams"), Some(d("40")));
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("79.35")));
        let r = read("I have 1.5 million rupees in the bank");
        assert_eq!(amount(&r, "cash"), Some(d("1500000")));
    }

    #[test]
    fn debts_stock_and_shares() {
        let r = read(
            "I have 25,000 USD in the bank but I owe 6,500 on a loan that's due this month. Gold is 95 USD per gram.",
        );
        assert_eq!(amount(&r, "cash"), Some(d("25000")));
        assert_eq!(amount(&r, "debts_due"), Some(d("6500")));
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("95")));
        let r = read(
            "Assalamu alaikum! I run a small shop: stock worth $14,500, $3,250 in the till and the bank, and I owe my supplier $2,000 that's due now. Gold is $88 a gram.",
        );
        assert_eq!(amount(&r, "business_inventory"), Some(d("14500")));
        assert_eq!(amount(&r, "cash"), Some(d("3250")));
        assert_eq!(amount(&r, "debts_due"), Some(d("2000")));
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("88")));
        let r = read("savings of $5000 and 2000 in debts, $3000 in shares, a friend owes me 500");
        assert_eq!(amount(&r, "cash"), Some(d("5000")));
        assert_eq!(amount(&r, "debts_due"), Some(d("2000")));
        assert_eq!(amount(&r, "stocks_trading_value"), Some(d("3000")));
        assert_eq!(amount(&r, "receivables"), Some(d("500")));
    }

    #[test]
    fn income_is_not_wealth_held() {
        let r = read(
            "My salary is 3200 euros a month and I have saved 14,000 euros for over a year. Gold is 95 euros a gram. How much zakat should I pay?",
        );
        assert_eq!(amount(&r, "cash"), Some(d("14000")));
        assert_eq!(
            r.income.iter().map(|(value, _)| *value).collect::<Vec<_>>(),
            vec![d("3200")]
        );
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("95")));
        let r = read("I make 5,500 euros a month and I've had 9,000 euros in savings for more than a year");
        assert_eq!(amount(&r, "cash"), Some(d("9000")));
        assert_eq!(r.income.len(), 1);
        // Savings named before income, and income with no period but an earning word.
        let r = read("i have 12000 in the bank, i earn 40000 a year");
        assert_eq!(amount(&r, "cash"), Some(d("12000")));
        assert_eq!(r.income[0].0, d("40000"));
        let r = read("لدي ٣٠ ألف درهم ومرتبي الشهري ٨ آلاف درهم، وسعر غرام الذهب ٢٤٠ درهم، كم زكاتي؟");
        assert_eq!(amount(&r, "cash"), Some(d("30000")));
        assert_eq!(r.income[0].0, d("8000"));
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("240")));
        let r = read("عندي ١٠٠٠٠ ريال في البنك وراتبي ٥٠٠٠ ريال شهريا");
        assert_eq!(amount(&r, "cash"), Some(d("10000")));
        assert_eq!(r.income[0].0, d("5000"));
        // Money held is still money held.
        let r = read("I have 20,000 riyals and I owe my brother 4,000 that I have to give back now");
        assert_eq!(amount(&r, "cash"), Some(d("20000")));
        assert_eq!(amount(&r, "debts_due"), Some(d("4000")));
        assert!(r.income.is_empty());
        let r = read("I forgot, I also have 3,000 of rent arrears I must pay this month");
        assert_eq!(amount(&r, "debts_due"), Some(d("3000")));
        assert_eq!(amount(&r, "cash"), None);
        let r = read("I have 9000 saved and I need to pay 2000 in bills this month");
        assert_eq!(amount(&r, "debts_due"), Some(d("2000")));
        assert!(r.income.is_empty());
    }

    #[test]
    fn arabic_debts_due_now() {
        let r = read("عندي ٢٥٠٠٠ جنيه وعلي قرض ٥٠٠٠ جنيه مستحق الآن، وغرام الذهب ب ٢٠٠ جنيه. كم الزكاة؟");
        assert_eq!(amount(&r, "cash"), Some(d("25000")));
        assert_eq!(amount(&r, "debts_due"), Some(d("5000")));
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("200")));
        let r = read("معي ١٢ ألف دولار وعليّ دين ٣ آلاف دولار");
        assert_eq!(amount(&r, "cash"), Some(d("12000")));
        assert_eq!(amount(&r, "debts_due"), Some(d("3000")));
    }

    #[test]
    fn kilograms_of_a_metal_are_its_grams_and_a_weight_is_never_money() {
        let r = read("I own 2 kg of silver. Silver is 1 dollar a gram. How much zakat?");
        assert_eq!(amount(&r, "silver_grams"), Some(d("2000")));
        assert_eq!(amount(&r, "cash"), None);
        let r = read("I have 1.5 kilograms of gold, gold is 80 dollars per gram");
        assert_eq!(amount(&r, "gold_grams"), Some(d("1500")));
        assert_eq!(amount(&r, "cash"), None);
        let r = read("عندي 2 كيلو ذهب وسعر الغرام 90 دولار");
        assert_eq!(amount(&r, "gold_grams"), Some(d("2000")));
        // Food by the kilo beside a metal's price is neither gold nor money.
        let r = read("I have 5000 dollars saved, 3 kg of rice, and gold is 80 dollars a gram");
        assert_eq!(amount(&r, "gold_grams"), None);
        assert_eq!(amount(&r, "cash"), Some(d("5000")));
    }

    #[test]
    fn dinars_are_money_not_debts_and_prices_for_the_gram_are_prices() {
        // «دينار» begins with «دين» (debt); the accusative «ديناراً» after a number is the same
        // currency; «٦٠ للغرام» is a price for the gram, not sixty grams.
        for message in [
            "كم زكاة 10000 دينار إذا كان سعر الذهب 60 دينارا للغرام؟",
            "كم زكاة ١٠٠٠٠ دينار إذا كان سعر الذهب ٦٠ ديناراً للغرام؟",
            "عندي 10000 دينار وسعر الذهب 60 للغرام",
        ] {
            let r = read(message);
            assert_eq!(amount(&r, "cash"), Some(d("10000")), "{message}");
            assert_eq!(amount(&r, "debts_due"), None, "{message}");
            assert_eq!(amount(&r, "gold_grams"), None, "{message}");
            assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("60")), "{message}");
        }
        let r = read("لدي ٨٠٠٠ دينار وعلي دين ٢٠٠٠ دينار مستحق الآن");
        assert_eq!(amount(&r, "cash"), Some(d("8000")));
        assert_eq!(amount(&r, "debts_due"), Some(d("2000")));
        let r = read("عندي ٥٠ درهماً");
        assert_eq!(amount(&r, "cash"), Some(d("50")));
        assert_eq!(r.currency.map(|currency| currency.display).as_deref(), Some("درهم"));
    }

    #[test]
    fn silver_nisab_prices_per_ounce_and_tola() {
        let r = read("Please use the silver nisab. I have 1,500 dollars cash and silver is 0.95 dollars per gram.");
        assert_eq!(r.nisab_basis, Some("silver"));
        assert_eq!(amount(&r, "cash"), Some(d("1500")));
        assert_eq!(amount(&r, "silver_price_per_gram"), Some(d("0.95")));
        let r = read("gold is $2,488.30 an ounce and I have 2 tolas of gold");
        let per_gram = amount(&r, "gold_price_per_gram").unwrap();
        assert!((per_gram - d("80.00")).abs() < d("0.01"), "{per_gram}");
        let grams = amount(&r, "gold_grams").unwrap();
        assert!((grams - d("23.33")).abs() < d("0.01"), "{grams}");
    }

    #[test]
    fn arabic_with_arabic_indic_digits() {
        // Priced with «كان» or the gram named right before, without «سعر».
        for message in [
            "كم زكاة ٥ آلاف يورو إذا كان غرام الذهب ٨٠ يورو؟",
            "عندي ٥٠٠٠ يورو، غرام الذهب ٨٠ يورو",
        ] {
            let r = read(message);
            assert_eq!(amount(&r, "cash"), Some(d("5000")), "{message}: {r:?}");
            assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("80")), "{message}: {r:?}");
        }
        // Grams held, then money: the money is no price.
        let r = read("عندي ١٠٠ غرام ذهب و٥٠٠٠ دولار وسعر غرام الذهب ٨٠ دولار");
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("80")), "{r:?}");
        assert_eq!(amount(&r, "gold_grams"), Some(d("100")), "{r:?}");
        let r = read("عندي ٥٠٠٠ دولار نقداً و١٠٠ غرام ذهب، وسعر غرام الذهب ٨٠ دولاراً. كم زكاة مالي؟");
        assert_eq!(amount(&r, "cash"), Some(d("5000")));
        assert_eq!(amount(&r, "gold_grams"), Some(d("100")));
        assert_eq!(amount(&r, "gold_price_per_gram"), Some(d("80")));
    }

    #[test]
    fn a_price_alone_and_nothing_at_all() {
        let r = read("90 dollars a gram");
        assert!(!r.has_wealth());
        assert_eq!(r.unnamed_price_per_gram, Some(d("90")));
        assert!(read("How do I calculate Zakat?").is_empty());
        assert!(read("Is zakat due on my house for 2026?").is_empty());
        let r = read("it has only been 6 months; I have $9000 saved. I haven't had it for six months");
        assert_eq!(r.hawl_complete, Some(false));
    }
}

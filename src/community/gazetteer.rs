//! The gazetteer: the world's cities of 100,000 people or more and every capital, from GeoNames
//! (`data/cities.tsv`, CC BY 4.0, built by `data/build_cities.py`), loaded once. Each city has its
//! coordinates, IANA time zone and country, and the calculation method customary in that country
//! where one authority is clearly in use (elsewhere the stated default applies).
//!
//! Finding a city in a message: its names are matched as whole words in Latin or Arabic script.
//! A name that is also an everyday word ("Nice", "Reading", "Male") counts only when written
//! with a capital after "in", "at", "from"…; a name followed by "method" is a calculation method,
//! not a place ("the Karachi method"); "Birmingham, United States" picks that country's city; and
//! otherwise the most populous city of a name wins.
//!
//! Each place named has a part, read from the words before it ([`Role`]): where one comes from
//! ("from Amman"), where one is or goes ("in Cairo", "to Berlin", «بالقاهرة»), what one faces
//! ("the direction of Mecca", «اتجاه مكة»). [`places_in_text`] reads them all once, for the
//! message's reading; the qibla stands at one place, a move goes to another.

use std::collections::HashMap;
use std::sync::LazyLock;

use hijraah_domain::calculators::prayer::Method;
use hijraah_domain::understanding::text::fold_arabic;
use hijraah_domain::understanding::text::is_arabic;

const DATA: &str = include_str!("data/cities.tsv");

#[derive(Debug, Clone, PartialEq)]
pub struct City {
    pub name: String,
    /// ISO 3166 code.
    pub country_code: String,
    pub country: String,
    pub latitude: f64,
    pub longitude: f64,
    pub timezone: String,
    pub population: u64,
    /// The method commonly used there, if one clearly is.
    pub customary_method: Option<Method>,
    /// Its names in Arabic script, as GeoNames has them (some are transliterations of little
    /// use): shown only when the user wrote one of them.
    pub arabic_names: Vec<String>,
}

impl City {
    /// The Arabic name of this city that `text` uses, as written in the gazetteer.
    pub fn arabic_name_in(&self, text: &str) -> Option<&str> {
        let folded = fold(text);
        self.arabic_names
            .iter()
            .find(|name| {
                let name = fold(name);
                folded.split(' ').any(|word| {
                    word == name
                        || without_clitics(word).is_some_and(|bare| bare == name || format!("ال{bare}") == name)
                }) || (name.contains(' ') && folded.contains(&name))
            })
            .map(String::as_str)
    }
}

/// The calculation method customary in a country, where one authority is clearly in use.
fn customary_method(country_code: &str) -> Option<Method> {
    use Method::*;
    Some(match country_code {
        "SA" => UmmAlQura,
        "AE" => Dubai,
        "QA" => Qatar,
        "KW" => Kuwait,
        "EG" | "SD" => Egyptian,
        "IR" => Tehran,
        "TR" => Turkey,
        "PK" | "IN" | "BD" | "AF" => Karachi,
        "MY" | "SG" | "ID" | "BN" => Singapore,
        "US" | "CA" => Isna,
        _ => return None,
    })
}

/// City names that are also everyday English words: only trusted capitalised after a preposition.
const EVERYDAY_WORDS: &[&str] = &[
    "man",
    "ho",
    "bath",
    "male",
    "ise",
    "split",
    "nice",
    "springs",
    "reading",
    "surprise",
    "paradise",
    "garland",
    "cypress",
    "mobile",
    "orange",
    "independence",
    "concord",
    "providence",
    "temple",
    "hope",
    "union",
    "normal",
    "enterprise",
    "sale",
    "salt",
    "batman",
    "aba",
    "bida",
    "mau",
    "ede",
    "ife",
    "kota",
    "gaya",
    "una",
    "most",
    "pare",
    "tama",
    "arad",
    "lima",
    "essen",
    "miri",
    "sunrise",
    "spring",
    "hollywood",
    "aurora",
    "columbia",
    "jackson",
    "lawrence",
    "florence",
    "victoria",
    "sandy",
    "bend",
    "kent",
    "eagle",
    "frisco",
    "plano",
    "mission",
    "pearland",
    "miramar",
    "fargo",
    "tyler",
    "burlington",
    "richmond",
    "hamilton",
    "arlington",
    "irving",
    "santa",
    "ocean",
    "medina",
    "deal",
    "march",
    "may",
    "june",
    "august",
    "said",
    "date",
    "bar",
    "city",
    "none",
    "many",
    "nord",
];

const PREPOSITIONS: &[&str] = &[
    "in",
    "at",
    "from",
    "for",
    "near",
    "to",
    "around",
    "of",
    "visiting",
    "towards",
    "فى",
    "في",
    "من",
    "الى",
    "إلى",
    "بمدينة",
];

struct Gazetteer {
    cities: Vec<City>,
    /// A folded name → the cities that bear it, most populous first.
    by_name: HashMap<String, Vec<usize>>,
    /// Folded country names → ISO codes, for "Birmingham, United States".
    countries: HashMap<String, String>,
    /// States and provinces written after a city, to their country's code ([`REGIONS`]).
    regions: HashMap<String, String>,
}

/// Lowercase, accents removed, words joined by single spaces; Arabic folded.
fn fold(name: &str) -> String {
    let folded: String = name
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'ē' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'ī' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ō' | 'ø' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'ū' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'ş' | 'ș' => 's',
            'ţ' | 'ț' => 't',
            'ğ' => 'g',
            'ı' => 'i',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let folded = fold_arabic(&folded);
    folded
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| {
    let mut cities = Vec::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    let mut countries = HashMap::new();
    for line in DATA
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
    {
        let columns: Vec<&str> = line.split('\t').collect();
        let [names, code, country, latitude, longitude, timezone, population] = columns[..] else {
            continue;
        };
        let (Ok(latitude), Ok(longitude), Ok(population)) = (
            latitude.parse::<f64>(),
            longitude.parse::<f64>(),
            population.parse::<u64>(),
        ) else {
            continue;
        };
        if timezone.parse::<chrono_tz::Tz>().is_err() {
            continue;
        }
        let index = cities.len();
        let arabic_names: Vec<String> = names
            .split('|')
            .filter(|alias| alias.chars().any(is_arabic))
            .map(str::to_owned)
            .collect();
        let mut names = names.split('|');
        let name = names.next().unwrap_or_default().to_owned();
        for alias in std::iter::once(name.as_str()).chain(names) {
            let key = fold(alias);
            if key.chars().count() >= 2 {
                let entry = by_name.entry(key).or_default();
                if !entry.contains(&index) {
                    entry.push(index);
                }
            }
        }
        countries.insert(fold(country), code.to_owned());
        cities.push(City {
            name,
            country_code: code.to_owned(),
            country: country.to_owned(),
            latitude,
            longitude,
            timezone: timezone.to_owned(),
            population,
            customary_method: customary_method(code),
            arabic_names,
        });
    }
    for (alias, code) in [
        ("uk", "GB"),
        ("usa", "US"),
        ("us", "US"),
        ("uae", "AE"),
        ("america", "US"),
        ("england", "GB"),
        // Arabic names of the countries people most often ask about settling in.
        ("السويد", "SE"),
        ("النرويج", "NO"),
        ("الدنمارك", "DK"),
        ("فنلندا", "FI"),
        ("ألمانيا", "DE"),
        ("فرنسا", "FR"),
        ("هولندا", "NL"),
        ("بلجيكا", "BE"),
        ("النمسا", "AT"),
        ("سويسرا", "CH"),
        ("إيطاليا", "IT"),
        ("إسبانيا", "ES"),
        ("إيرلندا", "IE"),
        ("بريطانيا", "GB"),
        ("المملكة المتحدة", "GB"),
        ("كندا", "CA"),
        ("أمريكا", "US"),
        ("الولايات المتحدة", "US"),
        ("أستراليا", "AU"),
        ("نيوزيلندا", "NZ"),
        ("اليابان", "JP"),
        ("ماليزيا", "MY"),
        ("تركيا", "TR"),
        ("الإمارات", "AE"),
        ("قطر", "QA"),
        ("السعودية", "SA"),
        ("مصر", "EG"),
        ("الأردن", "JO"),
        ("المغرب", "MA"),
    ] {
        countries.insert(fold(alias), code.to_owned());
    }
    let regions = REGIONS
        .iter()
        .flat_map(|(code, names)| names.iter().map(move |name| (fold(name), (*code).to_owned())))
        .collect();
    Gazetteer {
        cities,
        by_name,
        countries,
        regions,
    }
});

/// States, provinces and nations people write after a city ("Paris, Texas", "London, Ontario",
/// "Birmingham, Alabama"), by country: such a city is that country's or none the gazetteer holds,
/// never the better-known city of the name elsewhere. Georgia is left out (also a country).
const REGIONS: &[(&str, &[&str])] = &[
    (
        "US",
        &[
            "alabama",
            "alaska",
            "arizona",
            "arkansas",
            "california",
            "colorado",
            "connecticut",
            "delaware",
            "florida",
            "hawaii",
            "idaho",
            "illinois",
            "indiana",
            "iowa",
            "kansas",
            "kentucky",
            "louisiana",
            "maine",
            "maryland",
            "massachusetts",
            "michigan",
            "minnesota",
            "mississippi",
            "missouri",
            "montana",
            "nebraska",
            "nevada",
            "new hampshire",
            "new jersey",
            "new mexico",
            "north carolina",
            "north dakota",
            "ohio",
            "oklahoma",
            "oregon",
            "pennsylvania",
            "rhode island",
            "south carolina",
            "south dakota",
            "tennessee",
            "texas",
            "utah",
            "vermont",
            "virginia",
            "washington state",
            "west virginia",
            "wisconsin",
            "wyoming",
            "usa",
            "u.s.",
            "america",
        ],
    ),
    (
        "CA",
        &[
            "ontario",
            "quebec",
            "british columbia",
            "alberta",
            "manitoba",
            "saskatchewan",
            "nova scotia",
            "new brunswick",
            "newfoundland",
            "prince edward island",
        ],
    ),
    (
        "AU",
        &[
            "new south wales",
            "queensland",
            "south australia",
            "tasmania",
            "western australia",
        ],
    ),
    ("GB", &["england", "scotland", "wales", "northern ireland", "uk"]),
];

/// Every city, most populous first.
pub fn cities() -> &'static [City] {
    &GAZETTEER.cities
}

/// The city nearest a point, if one is within `within_km` (great-circle distance).
pub fn nearest(latitude: f64, longitude: f64, within_km: f64) -> Option<&'static City> {
    let distance = |city: &City| {
        let (phi1, phi2) = (latitude.to_radians(), city.latitude.to_radians());
        let (dphi, dlambda) = (phi2 - phi1, (city.longitude - longitude).to_radians());
        let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
        2.0 * 6371.0 * a.sqrt().atan2((1.0 - a).sqrt())
    };
    cities()
        .iter()
        .map(|city| (distance(city), city))
        .filter(|(km, _)| *km <= within_km)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, city)| city)
}

/// A word of the message as written and folded.
struct Word<'a> {
    original: &'a str,
    folded: String,
}

fn words_of(text: &str) -> Vec<Word<'_>> {
    text.split(|c: char| {
        !(c.is_alphanumeric() || c == '\'' || c == '\u{0640}' || ('\u{064B}'..='\u{065F}').contains(&c))
    })
    .filter(|word| !word.is_empty())
    .map(|original| Word {
        original,
        folded: fold(original),
    })
    .collect()
}

/// Arabic words carry clitics: "بالقاهرة" is "القاهرة" with ب, "والرياض" with و.
fn without_clitics(word: &str) -> Option<&str> {
    ["وب", "وال", "بال", "لل", "ب", "و", "ل", "ف"]
        .iter()
        .find_map(|clitic| word.strip_prefix(clitic))
        .filter(|rest| rest.chars().count() >= 2)
}

/// The part a place plays in a message (#23 item 0): read from the word before its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Where one is or sets out from: "from Amman", "من عمّان".
    From,
    /// Where one goes: "to Melbourne", "إلى برلين", «للرياض».
    To,
    /// Where one is, or is asked about: "in Cairo", "near Leeds", «بالقاهرة», «في دمشق».
    At,
    /// What one faces: "the direction of Mecca", "towards the Kaaba", "اتجاه مكة".
    Faced,
    /// Named with no word that gives it a part: "Mecca" in "which way is Mecca from here".
    Bare,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::From => "from",
            Self::To => "to",
            Self::At => "at",
            Self::Faced => "faced",
            Self::Bare => "bare",
        }
    }
}

/// A city named in a message, with its part.
#[derive(Debug, Clone, Copy)]
pub struct NamedCity {
    pub city: &'static City,
    pub role: Role,
    /// Its first word's position among the message's words.
    pub position: usize,
    /// How strongly it is the place asked about: longer names first, then a place after a
    /// preposition other than "from", then the more populous.
    rank: i64,
}

/// A country named in a message, with its part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedCountry {
    /// ISO 3166 code.
    pub code: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub position: usize,
}

/// Every place a message names, in the order written, read once (#23 item 0).
#[derive(Debug, Clone, Default)]
pub struct Places {
    pub cities: Vec<NamedCity>,
    /// Countries named on their own, not as the qualifier of a city ("Birmingham, United States").
    pub countries: Vec<NamedCountry>,
    /// The first city named with a state or country it is not in ("Paris, Texas"), as written.
    unheld: Option<(String, String)>,
}

impl Places {
    /// The city the message asks about: see the module comment for how a name is trusted and
    /// which wins.
    pub fn asked_about(&self) -> Option<&'static City> {
        self.best(|_| true)
    }

    /// Where one stands to face something (the qibla's origin): not the place faced, and not
    /// Mecca when another city is named ("اتجاه مكة من عمّان", "which way is Mecca from Amman");
    /// a place named "from" first.
    pub fn standing_at(&self) -> Option<&'static City> {
        let not_faced = |named: &NamedCity| named.role != Role::Faced && named.city.name != "Makkah";
        self.cities
            .iter()
            .find(|named| named.role == Role::From && not_faced(named))
            .map(|named| named.city)
            .or_else(|| self.best(not_faced))
            .or_else(|| self.asked_about())
    }

    /// The country one goes to, or asks about, of those the message names as countries or by a
    /// city: the last named "to" ("from Egypt to Berlin": Germany), else the last named "in",
    /// else the last not named "from". None when every place named is one the user comes from.
    pub fn destination_country(&self) -> Option<&'static str> {
        let mut named: Vec<(usize, Role, &'static str)> = self
            .countries
            .iter()
            .map(|country| (country.position, country.role, country.code))
            .chain(
                self.cities
                    .iter()
                    .map(|named| (named.position, named.role, named.city.country_code.as_str())),
            )
            .collect();
        named.sort_by_key(|(position, _, _)| *position);
        named
            .iter()
            .rev()
            .find(|(_, role, _)| *role == Role::To)
            .or_else(|| named.iter().rev().find(|(_, role, _)| *role == Role::At))
            .or_else(|| named.iter().rev().find(|(_, role, _)| *role != Role::From))
            .map(|(_, _, code)| *code)
    }

    /// The countries the user comes from: those named "from", as countries or by a city.
    pub fn origin_countries(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.countries
            .iter()
            .filter(|country| country.role == Role::From)
            .map(|country| country.code)
            .chain(
                self.cities
                    .iter()
                    .filter(|named| named.role == Role::From)
                    .map(|named| named.city.country_code.as_str()),
            )
    }

    /// The parts of the places named, in order, as `RequestRouted` records them (no names).
    pub fn roles(&self) -> Vec<String> {
        let mut roles: Vec<(usize, String)> = self
            .cities
            .iter()
            .map(|named| (named.position, format!("city_{}", named.role.as_str())))
            .chain(
                self.countries
                    .iter()
                    .map(|named| (named.position, format!("country_{}", named.role.as_str()))),
            )
            .collect();
        roles.sort();
        roles.into_iter().map(|(_, role)| role).collect()
    }

    fn best(&self, keep: impl Fn(&NamedCity) -> bool) -> Option<&'static City> {
        let mut best: Option<&NamedCity> = None;
        for named in self.cities.iter().filter(|named| keep(named)) {
            if best.is_none_or(|best| named.rank > best.rank) {
                best = Some(named);
            }
        }
        best.map(|named| named.city)
    }
}

/// The part a place plays, from the words before it (`start` is its first word).
fn role_at(words: &[Word], start: usize, clitic: Option<&str>) -> Role {
    let word = |back: usize| start.checked_sub(back).map(|i| words[i].folded.as_str());
    if let Some(clitic) = clitic {
        // «بالقاهرة»: the place one is in; «للرياض»: the place one goes to.
        if clitic.contains('ب') {
            return Role::At;
        }
        if clitic.contains('ل') {
            return Role::To;
        }
    }
    let direction =
        |w: Option<&str>| w.is_some_and(|w| matches!(w, "direction" | "way" | "bearing" | "اتجاه" | "جهة" | "اتجاة"));
    match word(1) {
        Some("towards" | "toward" | "facing" | "face" | "faces" | "نحو" | "اتجاه" | "جهة" | "صوب" | "شطر") => {
            Role::Faced
        }
        // Words are folded: «إلى» is read as «الي».
        Some("to" | "of" | "الي") if direction(word(2)) => Role::Faced,
        Some("from" | "من") => Role::From,
        Some("to" | "الي") => Role::To,
        Some(before) if PREPOSITIONS.contains(&before) => Role::At,
        _ => Role::Bare,
    }
}

/// The city a text names: see the module comment for how a name is trusted and which wins.
pub fn find_in_text(text: &str) -> Option<&'static City> {
    places_in_text(text).asked_about()
}

/// A city the text names with a state or country where the gazetteer holds no city of that name
/// ("Paris, Texas"), as written: `(city, where)`. Only when the text names no city it holds.
pub fn unheld_in_text(text: &str) -> Option<(String, String)> {
    let places = places_in_text(text);
    if places.cities.is_empty() { places.unheld } else { None }
}

/// Every city and country a text names, with the part each plays.
pub fn places_in_text(text: &str) -> Places {
    let gazetteer = &*GAZETTEER;
    let mut places = Places::default();
    let words = words_of(text);
    // The words that qualify a city ("United States" in "Birmingham, United States"): not a
    // country named on its own.
    let mut qualifiers = vec![false; words.len()];
    for start in 0..words.len() {
        for length in (1..=4.min(words.len() - start)).rev() {
            let window = &words[start..start + length];
            let mut key = window.iter().map(|w| w.folded.as_str()).collect::<Vec<_>>().join(" ");
            let mut candidates = gazetteer.by_name.get(&key);
            let mut clitic = None;
            if candidates.is_none()
                && length == 1
                && key.chars().any(is_arabic)
                && let Some(bare) = without_clitics(&key)
            {
                clitic = Some(key[..key.len() - bare.len()].to_owned());
                key = bare.to_owned();
                candidates = gazetteer
                    .by_name
                    .get(&key)
                    .or_else(|| gazetteer.by_name.get(&format!("ال{key}")));
            }
            let Some(candidates) = candidates else { continue };
            let before = start.checked_sub(1).map(|i| words[i].folded.as_str());
            let after = words.get(start + length).map(|w| w.folded.as_str());
            let after_preposition = before.is_some_and(|b| PREPOSITIONS.contains(&b));
            // "from Lahore to Melbourne": the place asked about is where one goes, not whence.
            let destination = after_preposition && before.is_some_and(|b| !matches!(b, "from" | "من"));
            let capitalised = window[0].original.chars().next().is_some_and(char::is_uppercase);
            let latin = !key.chars().any(is_arabic);
            if latin
                && (EVERYDAY_WORDS.contains(&key.as_str()) || key.chars().count() <= 3)
                && !(capitalised && after_preposition)
            {
                continue;
            }
            if after.is_some_and(|a| matches!(a, "method" | "calculation" | "angle" | "angles" | "times" | "standard"))
                && before.is_none_or(|b| !PREPOSITIONS.contains(&b))
            {
                // "the Karachi method": a method's name, not the place asked about.
                continue;
            }
            // "Birmingham, United States", "London in Canada": the named country's city.
            let country = (1..=3).find_map(|extra| {
                let from = start + length + usize::from(words.get(start + length).is_some_and(|w| w.folded == "in"));
                let qualifier = words.get(from..from + extra)?;
                let phrase: Vec<&str> = qualifier.iter().map(|w| w.folded.as_str()).collect();
                let phrase = phrase.join(" ");
                let code = gazetteer
                    .countries
                    .get(&phrase)
                    .or_else(|| gazetteer.regions.get(&phrase))?;
                let written = |words: &[Word]| {
                    words
                        .iter()
                        .map(|w| w.original.trim_matches(|c: char| !c.is_alphanumeric()))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                Some((code, written(window), written(qualifier), from..from + extra))
            });
            let city = match country {
                Some((code, name, qualifier, span)) => {
                    qualifiers[span].fill(true);
                    match candidates
                        .iter()
                        .copied()
                        .find(|&i| gazetteer.cities[i].country_code == *code)
                    {
                        Some(city) => city,
                        // "Paris, Texas": a city of that name the gazetteer does not hold there.
                        // Not the Paris it does hold: a wrong city's prayer times are worse than
                        // a question back.
                        None => {
                            places.unheld.get_or_insert((name, qualifier));
                            continue;
                        }
                    }
                }
                None => candidates[0],
            };
            let city = &gazetteer.cities[city];
            places.cities.push(NamedCity {
                city,
                role: role_at(&words, start, clitic.as_deref()),
                position: start,
                rank: (length as i64) * 1_000_000_000_000
                    + i64::from(destination) * 100_000_000_000
                    + city.population as i64,
            });
            break;
        }
    }
    let mut start = 0;
    while start < words.len() {
        let matched = (1..=3.min(words.len() - start)).rev().find_map(|length| {
            let window = &words[start..start + length];
            let key = window.iter().map(|w| w.folded.as_str()).collect::<Vec<_>>().join(" ");
            if key == "us" && window[0].original != "US" {
                return None;
            }
            let code = gazetteer.countries.get(&key)?;
            Some((length, code))
        });
        match matched {
            Some((length, code)) => {
                if !qualifiers[start]
                    && let Some(name) = country_name(code)
                {
                    places.countries.push(NamedCountry {
                        code: code.as_str(),
                        name,
                        role: role_at(&words, start, None),
                        position: start,
                    });
                }
                start += length;
            }
            None => start += 1,
        }
    }
    places
}

/// A city by its exact name or alias (case-insensitive), as sent in a context, optionally as
/// "Name, Country".
pub fn by_name(name: &str) -> Option<&'static City> {
    let gazetteer = &*GAZETTEER;
    let (city, country) = match name.split_once(',') {
        Some((city, country)) => (city, Some(fold(country))),
        None => (name, None),
    };
    let candidates = gazetteer.by_name.get(&fold(city))?;
    let index = match country {
        // "Paris, Texas": that country's city of the name, or none; never the better-known one
        // elsewhere, nor a guess when the country or state is one the gazetteer does not know.
        Some(country) => {
            let country = country.trim();
            let code = gazetteer
                .countries
                .get(country)
                .or_else(|| gazetteer.regions.get(country))?;
            candidates
                .iter()
                .copied()
                .find(|&i| gazetteer.cities[i].country_code == *code)?
        }
        None => candidates[0],
    };
    Some(&gazetteer.cities[index])
}

/// A country's English name from its ISO code, for the countries the gazetteer has cities in.
pub fn country_name(code: &str) -> Option<&'static str> {
    GAZETTEER
        .cities
        .iter()
        .find(|city| city.country_code.eq_ignore_ascii_case(code))
        .map(|city| city.country.as_str())
}

/// The city a phrase is, and nothing more: its name or alias ("Ankara", "new york", "أنقرة"),
/// or one Arabic word with its clitics ("بأنقرة", "والرياض"). For a reply that only names a place.
pub fn named_exactly(phrase: &str) -> Option<&'static City> {
    let phrase = phrase.trim();
    if phrase.is_empty() {
        return None;
    }
    by_name(phrase).or_else(|| {
        let folded = fold(phrase);
        if folded.contains(' ') || !folded.chars().any(is_arabic) {
            return None;
        }
        let bare = without_clitics(&folded)?;
        let gazetteer = &*GAZETTEER;
        let index = gazetteer
            .by_name
            .get(bare)
            .or_else(|| gazetteer.by_name.get(&format!("ال{bare}")))?[0];
        Some(&gazetteer.cities[index])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Option<(&'static str, &'static str)> {
        find_in_text(text).map(|city| (city.name.as_str(), city.country_code.as_str()))
    }

    #[test]
    fn every_entry_is_a_real_place_and_zone() {
        assert!(cities().len() > 6000);
        for city in cities() {
            assert!((-90.0..=90.0).contains(&city.latitude), "{}", city.name);
            assert!((-180.0..=180.0).contains(&city.longitude), "{}", city.name);
            assert!(city.timezone.parse::<chrono_tz::Tz>().is_ok(), "{}", city.timezone);
        }
    }

    #[test]
    fn a_city_with_its_state_or_country_is_that_one_or_none() {
        assert_eq!(found("when is maghrib in Paris, Texas?"), None);
        assert_eq!(found("prayer times in Paris Canada"), None);
        assert_eq!(found("qibla from Birmingham, Alabama"), Some(("Birmingham", "US")));
        assert_eq!(found("fajr in London, Ontario tomorrow"), Some(("London", "CA")));
        assert_eq!(found("isha in Birmingham England"), Some(("Birmingham", "GB")));
        assert_eq!(found("when is maghrib in Paris?"), Some(("Paris", "FR")));
        assert_eq!(
            unheld_in_text("when is maghrib in Paris, Texas?"),
            Some(("Paris".to_owned(), "Texas".to_owned()))
        );
        assert_eq!(unheld_in_text("when is maghrib in Paris?"), None);
        // As sent in a context or to the prayer-times endpoint.
        let named = |name: &str| by_name(name).map(|city| city.country_code.as_str());
        assert_eq!(named("Paris, Texas"), None);
        assert_eq!(named("Paris, Atlantis"), None);
        assert_eq!(named("Birmingham, Alabama"), Some("US"));
        assert_eq!(named("Birmingham, United Kingdom"), Some("GB"));
        assert_eq!(named("Paris"), Some("FR"));
    }

    #[test]
    fn cities_are_found_as_whole_words_in_either_script() {
        assert_eq!(found("Prayer times in London tomorrow"), Some(("London", "GB")));
        assert_eq!(found("مواقيت الصلاة في القاهرة"), Some(("Cairo", "EG")));
        let exactly = |phrase: &str| named_exactly(phrase).map(|city| city.name.as_str());
        assert_eq!(exactly("Ankara"), Some("Ankara"));
        assert_eq!(exactly("بأنقرة"), Some("Ankara"));
        assert_eq!(exactly("new york"), Some("New York City"));
        assert_eq!(exactly("moving sweden"), None);
        let amman = find_in_text("متى المغرب في عمّان؟").unwrap();
        assert_eq!(amman.arabic_name_in("متى المغرب في عمّان؟"), Some("عمان"));
        let riyadh = by_name("Riyadh").unwrap();
        assert_eq!(riyadh.arabic_name_in("مواقيت الصلاة بالرياض"), Some("الرياض"));
        assert_eq!(riyadh.arabic_name_in("prayer times in Riyadh"), None);
        assert_eq!(found("qibla from new york city please"), Some(("New York City", "US")));
        assert_eq!(found("qibla direction copenhagen"), Some(("Copenhagen", "DK")));
        assert_eq!(found("when is maghrib in cairo today"), Some(("Cairo", "EG")));
        assert_eq!(
            found("I'm moving to Munich for work next month"),
            Some(("Munich", "DE"))
        );
        assert_eq!(found("prayer times in mecca"), Some(("Makkah", "SA")));
        assert_eq!(found("مواقيت الصلاة بالرياض"), Some(("Riyadh", "SA")));
        assert_eq!(found("I am a Londoner"), None);
        assert_eq!(found("la ilaha illa allah"), None);
        assert_eq!(by_name("mecca").map(|c| c.name.as_str()), Some("Makkah"));
    }

    #[test]
    fn everyday_words_methods_and_countries() {
        assert_eq!(found("that is a nice idea, reading is good"), None);
        assert_eq!(found("I live in Nice"), Some(("Nice", "FR")));
        assert_eq!(
            found("prayer times in London with the Karachi method"),
            Some(("London", "GB"))
        );
        assert_eq!(found("Birmingham, United States"), Some(("Birmingham", "US")));
        assert_eq!(found("fajr in Birmingham"), Some(("Birmingham", "GB")));
        assert_eq!(
            found("we're relocating from Lahore to Melbourne"),
            Some(("Melbourne", "AU"))
        );
        assert_eq!(by_name("London, Canada").map(|c| c.country_code.as_str()), Some("CA"));
        let going_to = |text: &str| places_in_text(text).destination_country();
        assert_eq!(going_to("We are moving to Sweden in March"), Some("SE"));
        assert_eq!(going_to("from Egypt to Japan"), Some("JP"));
        assert_eq!(going_to("help us settle"), None);
        assert_eq!(going_to("moving to the US"), Some("US"));
        assert_eq!(going_to("سننتقل إلى اليابان"), Some("JP"));
    }

    #[test]
    fn each_place_has_its_part() {
        let roles = |text: &str| {
            let places = places_in_text(text);
            let mut named: Vec<(usize, String, Role)> = places
                .cities
                .iter()
                .map(|named| (named.position, named.city.name.clone(), named.role))
                .chain(
                    places
                        .countries
                        .iter()
                        .map(|named| (named.position, named.name.to_owned(), named.role)),
                )
                .collect();
            named.sort_by_key(|(position, _, _)| *position);
            named
                .into_iter()
                .map(|(_, name, role)| (name, role))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            roles("which direction is Mecca from Amman?"),
            [("Makkah".to_owned(), Role::Bare), ("Amman".to_owned(), Role::From)]
        );
        assert_eq!(
            roles("ما هو اتجاه مكة من عمّان؟"),
            [("Makkah".to_owned(), Role::Faced), ("Amman".to_owned(), Role::From)]
        );
        assert_eq!(
            roles("the direction to the Kaaba in Mecca from Jakarta"),
            [("Makkah".to_owned(), Role::At), ("Jakarta".to_owned(), Role::From)]
        );
        assert_eq!(
            roles("we are moving from Egypt to Berlin"),
            [("Egypt".to_owned(), Role::From), ("Berlin".to_owned(), Role::To)]
        );
        assert_eq!(roles("مواقيت الصلاة بالقاهرة"), [("Cairo".to_owned(), Role::At)]);
        assert_eq!(
            roles("أنا مسافر من مصر إلى ألمانيا للدراسة"),
            [("Egypt".to_owned(), Role::From), ("Germany".to_owned(), Role::To)]
        );
        // A country that only says which city is meant is no place of its own.
        assert_eq!(
            roles("qibla in Birmingham, United States"),
            [("Birmingham".to_owned(), Role::At)]
        );

        let places = places_in_text("which way is Mecca from Amman");
        assert_eq!(places.standing_at().map(|city| city.name.as_str()), Some("Amman"));
        assert_eq!(places.roles(), ["city_bare", "city_from"]);
        // Asked about Mecca alone, the qibla is asked from Mecca.
        let places = places_in_text("qibla in Mecca");
        assert_eq!(places.standing_at().map(|city| city.name.as_str()), Some("Makkah"));

        let going_to = |text: &str| places_in_text(text).destination_country();
        assert_eq!(going_to("moving from Germany to Sweden next year"), Some("SE"));
        assert_eq!(going_to("I'm moving from London to Berlin"), Some("DE"));
        assert_eq!(going_to("أنا من مصر وسأنتقل إلى ألمانيا"), Some("DE"));
        // Only where the user comes from: no destination.
        assert_eq!(going_to("I come from Egypt, what should I prepare?"), None);
        assert_eq!(
            places_in_text("I come from Egypt")
                .origin_countries()
                .collect::<Vec<_>>(),
            ["EG"]
        );
    }
}

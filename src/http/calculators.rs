//! Calculators: zakat al-mal, zakat al-fitr and the qibla (any authenticated role). Inputs become
//! validated values here, so the calculators never see a negative amount or an unknown option.

use axum::Json;
use hijraah_domain::calculators::qibla;
use hijraah_domain::calculators::zakat::{
    FitrResult, ZakatInput, ZakatResult, fitr_input, zakat_al_fitr, zakat_al_mal,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiError;
use super::extract::{AppJson, AppQuery, Auth};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(zakat))
        .routes(routes!(zakat_fitr))
        .routes(routes!(qibla_bearing))
}

/// The largest amount the calculators take ([`hijraah_domain::calculators::zakat::max_amount`]):
/// 10^15, as a decimal string's pattern (leading zeros allowed) and as a number.
const AMOUNT_DIGITS: &str = r"0*(?:[0-9]{1,15}(?:\.[0-9]+)?|1000000000000000(?:\.0+)?)";
const AMOUNT_MAX: f64 = 1e15;

/// The finest a decimal input holds (28 decimal places): a JSON number finer than this is read
/// as its nearest decimal, so "above 0" means at least this.
const FINEST: f64 = 1e-28;

/// A decimal input as the handlers read it: a string matching `pattern`, or a JSON number
/// within the same bounds.
fn decimal_schema(
    pattern: &str,
    example: &str,
    minimum: f64,
    maximum: f64,
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    let number = ObjectBuilder::new()
        .schema_type(Type::Number)
        .minimum(Some(minimum))
        .maximum(Some(maximum));
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern))
                .examples([example]),
        )
        .item(number)
        .description(Some(description))
        .into()
}

/// An amount: a decimal string (`"1250.50"`) or a JSON number, from 0 to 10^15.
struct Amount;

impl utoipa::PartialSchema for Amount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        decimal_schema(
            &format!("^{AMOUNT_DIGITS}$"),
            "1250.50",
            0.0,
            AMOUNT_MAX,
            "A decimal string (\"1250.50\") or a JSON number, from 0 to 10^15",
        )
    }
}

impl ToSchema for Amount {}

/// An amount above 0: a decimal string or a JSON number, at most 10^15.
struct PositiveAmount;

impl utoipa::PartialSchema for PositiveAmount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        // Not zero: some digit other than 0, and at most 10^15.
        decimal_schema(
            &format!("^(?=[0-9.]*[1-9]){AMOUNT_DIGITS}$"),
            "2.04",
            FINEST,
            AMOUNT_MAX,
            "A decimal string (\"2.04\") or a JSON number, above 0 (a number at least 10^-28) and at most 10^15",
        )
    }
}

impl ToSchema for PositiveAmount {}

/// A share from 0 to 1: a decimal string (`"0.25"`) or a JSON number.
struct Ratio;

impl utoipa::PartialSchema for Ratio {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        decimal_schema(
            r"^0*(?:0(?:\.[0-9]+)?|1(?:\.0+)?)$",
            "0.25",
            0.0,
            1.0,
            "A decimal string (\"0.25\") or a JSON number, from 0 to 1",
        )
    }
}

impl ToSchema for Ratio {}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum NisabBasisName {
    Gold,
    Silver,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
enum NisabStandardName {
    #[serde(rename = "standard_85_595")]
    Standard,
    #[serde(rename = "tola_87.48_612.36")]
    Tola,
}

/// The zakat calculator's inputs; absent amounts are 0. Unknown fields are refused. (The
/// handler reads the body as JSON and checks each value itself, to say exactly which is wrong;
/// this type is its documentation.)
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ZakatRequest {
    cash: Option<Amount>,
    gold_grams: Option<Amount>,
    silver_grams: Option<Amount>,
    /// Needed for gold held, and for the gold nisab (the default basis).
    gold_price_per_gram: Option<Amount>,
    /// Needed for silver held, and for the silver nisab.
    silver_price_per_gram: Option<Amount>,
    business_inventory: Option<Amount>,
    receivables: Option<Amount>,
    stocks_trading_value: Option<Amount>,
    stocks_long_term_value: Option<Amount>,
    /// From 0 to 1; needed with `stocks_long_term_value`.
    stocks_long_term_zakatable_ratio: Option<Ratio>,
    debts_due: Option<Amount>,
    /// Whether a lunar year has passed over the wealth (default true).
    hawl_complete: Option<bool>,
    /// Default `gold`.
    nisab_basis: Option<NisabBasisName>,
    /// Default `standard_85_595`.
    nisab_standard: Option<NisabStandardName>,
}

/// Zakat al-mal: 2.5% of net zakatable wealth at or above the nisab, money rounded half-up to
/// cents (the nisab is compared unrounded).
#[utoipa::path(post, path = "/finance/zakat", tag = "calculators", request_body = ZakatRequest,
    responses((status = 200, body = ZakatResult)))]
async fn zakat(_auth: Auth, AppJson(body): AppJson<Value>) -> Result<Json<ZakatResult>, ApiError> {
    let body = body
        .as_object()
        .ok_or_else(|| ApiError::invalid("send a JSON object of amounts"))?;
    let input = ZakatInput::from_json(body).map_err(|error| ApiError::invalid(error.0))?;
    Ok(Json(zakat_al_mal(&input)?))
}

/// Zakat al-fitr's inputs (documentation, as for the zakat request).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct FitrRequest {
    #[schema(minimum = 1, maximum = 10000)]
    persons: u32,
    /// The weight of one sa' of the staple, in kg (commonly 2.04 to 3).
    sa_kg: PositiveAmount,
    staple_price_per_kg: PositiveAmount,
}

#[derive(Serialize, ToSchema)]
struct FitrAnswer {
    #[serde(flatten)]
    result: FitrResult,
    persons: u64,
}

/// Zakat al-fitr: persons × sa' × price per kg.
#[utoipa::path(post, path = "/finance/zakat-al-fitr", tag = "calculators", request_body = FitrRequest,
    responses((status = 200, body = FitrAnswer)))]
async fn zakat_fitr(_auth: Auth, AppJson(body): AppJson<Value>) -> Result<Json<FitrAnswer>, ApiError> {
    let body = body
        .as_object()
        .ok_or_else(|| ApiError::invalid("send a JSON object"))?;
    let (persons, sa_kg, price) = fitr_input(body).map_err(|error| ApiError::invalid(error.0))?;
    let result = zakat_al_fitr(persons, sa_kg, price)?;
    Ok(Json(FitrAnswer {
        result,
        persons: u64::from(persons),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Place {
    #[param(minimum = -90.0, maximum = 90.0)]
    latitude: f64,
    #[param(minimum = -180.0, maximum = 180.0)]
    longitude: f64,
}

#[derive(Serialize, ToSchema)]
struct QiblaAnswer {
    /// The initial great-circle bearing to the Kaaba, degrees clockwise from true north.
    #[schema(minimum = 0.0, maximum = 360.0)]
    bearing_degrees: f64,
    latitude: f64,
    longitude: f64,
}

/// The qibla: the great-circle bearing from a place to the Kaaba.
#[utoipa::path(get, path = "/community/qibla", tag = "calculators", params(Place),
    responses((status = 200, body = QiblaAnswer)))]
async fn qibla_bearing(_auth: Auth, AppQuery(place): AppQuery<Place>) -> Result<Json<QiblaAnswer>, ApiError> {
    let bearing = qibla::checked_bearing(place.latitude, place.longitude).map_err(ApiError::invalid)?;
    Ok(Json(QiblaAnswer {
        bearing_degrees: bearing,
        latitude: place.latitude,
        longitude: place.longitude,
    }))
}

//! Calculators: zakat al-mal, zakat al-fitr and the qibla (any authenticated role). Inputs become
//! validated values here, so the calculators never see a negative amount or an unknown option.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use hijraah_domain::calculators::qibla;
use hijraah_domain::calculators::zakat::{ZakatError, ZakatInput, ZakatResult, amount, zakat_al_fitr, zakat_al_mal};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::extract::{AppJson, AppQuery, Auth};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/finance/zakat", post(zakat))
        .route("/finance/zakat-al-fitr", post(zakat_fitr))
        .route("/community/qibla", get(qibla_bearing))
}

impl From<ZakatError> for ApiError {
    fn from(error: ZakatError) -> Self {
        ApiError::invalid(error.to_string())
    }
}

async fn zakat(_auth: Auth, AppJson(body): AppJson<Value>) -> Result<Json<ZakatResult>, ApiError> {
    let body = body
        .as_object()
        .ok_or_else(|| ApiError::invalid("send a JSON object of amounts"))?;
    let input = ZakatInput::from_json(body).map_err(|error| ApiError::invalid(error.0))?;
    Ok(Json(zakat_al_mal(&input)?))
}

async fn zakat_fitr(_auth: Auth, AppJson(body): AppJson<Value>) -> Result<Json<Value>, ApiError> {
    let body = body
        .as_object()
        .ok_or_else(|| ApiError::invalid("send a JSON object"))?;
    if let Some(unknown) = body
        .keys()
        .find(|key| !["persons", "sa_kg", "staple_price_per_kg"].contains(&key.as_str()))
    {
        return Err(ApiError::invalid(format!("unknown field `{unknown}`")));
    }
    let persons = body
        .get("persons")
        .and_then(Value::as_u64)
        .filter(|persons| (1..=10_000).contains(persons))
        .ok_or_else(|| ApiError::invalid("persons must be a whole number from 1 to 10000"))?;
    let sa_kg = amount(body, "sa_kg")
        .map_err(|error| ApiError::invalid(error.0))?
        .filter(|kg| *kg > Decimal::ZERO)
        .ok_or_else(|| {
            ApiError::invalid("sa_kg (the weight of one sa' of the staple, in kg) must be given and above 0")
        })?;
    let price = amount(body, "staple_price_per_kg")
        .map_err(|error| ApiError::invalid(error.0))?
        .filter(|price| *price > Decimal::ZERO)
        .ok_or_else(|| ApiError::invalid("staple_price_per_kg must be given and above 0"))?;
    let result = zakat_al_fitr(persons as u32, sa_kg, price)?;
    Ok(Json(
        json!({"food_kg": result.food_kg, "zakat_amount": result.zakat_amount, "persons": persons}),
    ))
}

#[derive(Debug, Deserialize)]
struct Place {
    latitude: f64,
    longitude: f64,
}

async fn qibla_bearing(
    State(_state): State<AppState>,
    _auth: Auth,
    AppQuery(place): AppQuery<Place>,
) -> Result<Json<Value>, ApiError> {
    if !place.latitude.is_finite() || !(-90.0..=90.0).contains(&place.latitude) {
        return Err(ApiError::invalid("latitude must be from -90 to 90"));
    }
    if !place.longitude.is_finite() || !(-180.0..=180.0).contains(&place.longitude) {
        return Err(ApiError::invalid("longitude must be from -180 to 180"));
    }
    let bearing = (qibla::bearing(place.latitude, place.longitude) * 100.0).round() / 100.0;
    Ok(Json(
        json!({"bearing_degrees": bearing, "latitude": place.latitude, "longitude": place.longitude}),
    ))
}

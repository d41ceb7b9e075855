//! Calculators: pure, exact functions behind the calculator endpoints and the agents. Money is
//! decimal, never floating point.

pub mod qibla;
pub mod zakat;

//! Calculators: pure, exact functions behind the calculator endpoints and the agents. Money is
//! decimal, never floating point.

pub mod hijri;
pub mod prayer;
pub mod qibla;
pub mod zakat;

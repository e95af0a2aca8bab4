//! Tests of the observable module as a whole: kind detection, kind names,
//! and properties of normalization.

use super::*;

//! For administrators: the guard's budgets.

pub mod budgets;

//! A synchronous handler with a typed error, and a request type derived for
//! callers.

use ep::{EventError, EventRequest, event_handler};
use serde::{Deserialize, Serialize};

/// Which account to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountQuery {
    /// The account's number.
    pub number: u32,
}

/// An account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// The account's number.
    pub number: u32,
    /// Who holds it.
    pub holder: String,
}

/// Why an account cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountError {
    /// No account has this number.
    Missing(u32),
}

impl From<AccountError> for EventError {
    fn from(error: AccountError) -> EventError {
        match error {
            AccountError::Missing(number) => {
                EventError::not_found("ACCOUNT_NOT_FOUND").with("number", number)
            }
        }
    }
}

/// Reads account 1; every other number is missing.
#[event_handler(name = "bank:account:get", version = 1, crate = "::ep")]
pub fn get_account(query: AccountQuery) -> Result<Account, AccountError> {
    match query.number {
        1 => Ok(Account {
            number: 1,
            holder: "Ada".to_owned(),
        }),
        number => Err(AccountError::Missing(number)),
    }
}

/// The request of `bank:account:close` version 2, which this crate does not
/// serve: a caller's request type, derived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventRequest)]
#[event(name = "bank:account:close", version = 2, response = Account, crate = "::ep")]
pub struct CloseAccount {
    /// The account to close.
    pub number: u32,
}

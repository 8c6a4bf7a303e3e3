//! Collects the errors of every check, so that one build reports every
//! mistake at once (serde_derive's `Ctxt`, as a plain value): each stays a
//! `syn::Error` on the user's own tokens, combined with the others.

use std::fmt::Display;

use quote::ToTokens;

/// Every error reported so far, combined; none at first.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Adds an error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Adds an error on `tokens`.
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Adds every error of `other`.
    pub fn append(&mut self, other: Errors) {
        if let Some(error) = other.0 {
            self.push(error);
        }
    }

    /// Whether none was reported.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `Err` of every error reported, in the order reported.
    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

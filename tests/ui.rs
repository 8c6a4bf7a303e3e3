//! The compile errors of the macros, each with its expected `.stderr` in
//! `tests/ui/`: every mistake a user can make says what to write instead.
//! After a deliberate change of a message, regenerate them with
//! `TRYBUILD=overwrite cargo test --test ui`.

#[test]
fn compile_errors_teach() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}

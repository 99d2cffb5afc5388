//! `gochan::select!`'s compile errors name the mistake: each snippet below is
//! compiled with `rustc` against the gochan library this test was built with,
//! and must fail with its message. A snippet that is right must compile, so
//! a failure of the harness itself (no `rustc`, no library) cannot pass for
//! an expected error.
//!
//! The library is the newest `libgochan-*.rlib` next to this test binary
//! (`target/<profile>/deps`); `rustc` is `$RUSTC` if set, else the one on
//! `PATH` (under rustup, the toolchain cargo runs with).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The body of `async fn f(rx: Receiver<u32>, tx: Sender<u32>) -> u32`, and
/// the message its compilation must print (`None`: it must compile).
const CASES: &[(&str, &str, Option<&str>)] = &[
    (
        "right",
        "gochan::select! { recv(rx) -> v, if true => v.unwrap(), send(tx, 1) -> _r => 0, default => 2 }",
        None,
    ),
    (
        "refutable_pattern",
        "gochan::select! { recv(rx) -> Ok(v) => v, }",
        Some("`recv(..) -> Ok(v) =>`: after `->` comes a name for the result"),
    ),
    (
        "refutable_pattern_on_send",
        "gochan::select! { send(tx, 1) -> Err(e) => { drop(e); 0 } }",
        Some("a pattern such as `Ok(v)` is refused"),
    ),
    (
        "missing_arrow",
        "gochan::select! { recv(rx) => 0, }",
        Some("`recv(rx)` needs a name for its result: `recv(rx) -> msg => ...`"),
    ),
    (
        "missing_arrow_on_send",
        "gochan::select! { send(tx, 1) => 0, }",
        Some("`send(tx, 1)` needs a name for its result"),
    ),
    (
        "default_not_last",
        "gochan::select! { default => 0, recv(rx) -> _v => 1, }",
        Some("`default` must be the last case"),
    ),
    (
        "two_defaults",
        "gochan::select! { recv(rx) -> _v => 1, default => 0, default => 2, }",
        Some("at most one `default` case"),
    ),
    (
        "empty",
        "gochan::select! {}",
        Some("no case: write at least one `recv`, `send` or `default` case"),
    ),
    (
        "biased_not_first",
        "gochan::select! { recv(rx) -> _v => 1, biased; }",
        Some("`biased;` must come first"),
    ),
    (
        "biased_without_semicolon",
        "gochan::select! { biased recv(rx) -> _v => 1, }",
        Some("write `biased;`, with a semicolon"),
    ),
    (
        "recv_with_two_arguments",
        "gochan::select! { recv(rx, tx) -> _v => 1, }",
        Some("`recv(rx)` takes one receiver"),
    ),
    (
        "send_without_a_value",
        "gochan::select! { send(tx) -> _r => 1, }",
        Some("`send(tx, value)` takes a sender and the value to send"),
    ),
    (
        "missing_comma_between_cases",
        "gochan::select! { recv(rx) -> v => v.unwrap() send(tx, 1) -> _r => 0 }",
        Some("missing `,` after the body of `recv(rx) -> ..`"),
    ),
    (
        "missing_comma_after_a_send_case",
        "gochan::select! { send(tx, 1) -> _r => 0 recv(rx) -> v => v.unwrap() }",
        Some("missing `,` after the body of `send(tx, 1) -> ..`"),
    ),
    (
        "missing_fat_arrow",
        "gochan::select! { recv(rx) -> v 1 }",
        Some("expected `=> body` after the name"),
    ),
    (
        "unknown_case",
        "gochan::select! { foo(rx) -> v => 1, }",
        Some("expected `recv(rx) -> name => body`"),
    ),
];

/// The newest gochan library in `deps`.
fn gochan_rlib(deps: &Path) -> PathBuf {
    std::fs::read_dir(deps)
        .expect("the test binary's directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libgochan-") && n.ends_with(".rlib"))
        })
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .unwrap_or_else(|| panic!("no libgochan-*.rlib in {}", deps.display()))
}

#[test]
fn select_compile_errors_name_the_mistake() {
    let exe = std::env::current_exe().expect("the test binary");
    let deps = exe.parent().expect("its directory").to_path_buf();
    let rlib = gochan_rlib(&deps);
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("select_compile_errors");
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let mut failures = Vec::new();
    for &(name, body, expected) in CASES {
        let src = dir.join(format!("{name}.rs"));
        std::fs::write(
            &src,
            format!(
                "pub async fn f(rx: gochan::Receiver<u32>, tx: gochan::Sender<u32>) -> u32 {{\n\
                 let _ = (&rx, &tx);\n{body}\n}}\n"
            ),
        )
        .expect("write the snippet");
        let out = Command::new(&rustc)
            .args([
                "--edition",
                "2021",
                "--crate-type",
                "lib",
                "--emit=metadata",
            ])
            .arg("--crate-name")
            .arg(name)
            .arg("--out-dir")
            .arg(&dir)
            .arg("--extern")
            .arg(format!("gochan={}", rlib.display()))
            .arg("-L")
            .arg(format!("dependency={}", deps.display()))
            .arg(&src)
            .output()
            .unwrap_or_else(|e| panic!("could not run {rustc:?}: {e}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        match expected {
            None if !out.status.success() => {
                failures.push(format!("{name}: should compile, but:\n{stderr}"))
            }
            Some(message) if out.status.success() => {
                failures.push(format!("{name}: compiled, expected `{message}`"))
            }
            Some(message) if !stderr.contains(message) => {
                failures.push(format!("{name}: expected `{message}` in:\n{stderr}"))
            }
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

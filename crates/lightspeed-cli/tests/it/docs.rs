//! `docs/cli.md`, run as written: its first `toml` block is the walkthrough's config file
//! (the sample `examples/lightspeed.toml`), its `console` blocks are the walkthrough's
//! commands, run in order against the embedded emulator with the exit code each one's comment
//! gives and the output shown under it; every other `toml` block must pass `check` beside the
//! walkthrough's; and the reference names every key the config file takes, every command and
//! every exit code.
//!
//! In the shown output, `…` stands for any text (a time, an id, a port), a line that is only
//! `…` for lines left out, and `^C` for stopping the daemon (the test sends SIGTERM, which the
//! daemon handles as Ctrl-C). The daemon listens on a free port; its address stands in for
//! `http://127.0.0.1:8787`.

use std::path::{Path, PathBuf};

use crate::support::{BIN, Daemon, Scratch, examples, lightspeed};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn page() -> String {
    std::fs::read_to_string(repository().join("docs/cli.md")).expect("docs/cli.md")
}

/// A fenced block: its info string (`toml`, `console`) and its text.
struct Block {
    info: String,
    text: String,
}

fn blocks(page: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for line in page.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block {
                    info: info.trim().to_string(),
                    text: String::new(),
                });
            }
            (Some(_), Some(_)) => out.extend(open.take()),
            (Some(block), None) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "docs/cli.md has an unclosed code block");
    out
}

/// The blocks with this info string.
fn of_kind<'a>(blocks: &'a [Block], info: &str) -> Vec<&'a Block> {
    blocks.iter().filter(|b| b.info == info).collect()
}

/// Whether `line` is what `pattern` shows (`…` stands for any text).
fn shows(pattern: &str, line: &str) -> bool {
    let (pattern, line) = (pattern.trim_end(), line.trim_end());
    let parts: Vec<&str> = pattern.split('…').collect();
    if parts.len() == 1 {
        return line == pattern;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if line.len() < first.len() + last.len() || !line.starts_with(first) || !line.ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Splits a command line into words; double quotes group words.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut word, mut quoted, mut any) = (String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// One command of the walkthrough: its arguments, the exit code its comment gives, and the
/// output shown under it (split at `^C` for the daemon).
#[derive(Debug)]
struct Step {
    line: String,
    args: Vec<String>,
    exit: i32,
    shown: Vec<String>,
    after_stop: Vec<String>,
}

fn steps(console: &[&Block]) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    for block in console {
        for line in block.text.lines() {
            if let Some(command) = line.strip_prefix("$ ") {
                let (command, comment) = command
                    .split_once(" # ")
                    .unwrap_or_else(|| panic!("`{line}`: say its exit code (`# exit N`)"));
                let exit = comment
                    .trim()
                    .strip_prefix("exit ")
                    .and_then(|c| c.split(|c: char| !c.is_ascii_digit()).next())
                    .and_then(|c| c.parse().ok())
                    .unwrap_or_else(|| panic!("`{line}`: the comment starts with `exit N`"));
                let mut args = words(command);
                assert_eq!(
                    args.first().map(String::as_str),
                    Some("lightspeed"),
                    "{line}"
                );
                args.remove(0);
                out.push(Step {
                    line: line.to_string(),
                    args,
                    exit,
                    shown: Vec::new(),
                    after_stop: Vec::new(),
                });
            } else {
                let step = out
                    .last_mut()
                    .unwrap_or_else(|| panic!("output before any command: `{line}`"));
                if line.trim() == "^C" {
                    step.after_stop.push("^C".into());
                } else if !line.trim().is_empty() && line.trim() != "…" {
                    if step.after_stop.is_empty() {
                        step.shown.push(line.to_string());
                    } else {
                        step.after_stop.push(line.to_string());
                    }
                }
            }
        }
    }
    for step in &mut out {
        if step.after_stop.first().map(String::as_str) == Some("^C") {
            step.after_stop.remove(0);
        }
    }
    out
}

/// Copies the files the walkthrough's jobs read from `examples/`, at the same relative paths.
fn copy_job_files(scratch: &Scratch, config: &toml::Value) {
    let jobs = config["jobs"].as_table().expect("the walkthrough has jobs");
    for job in jobs.values() {
        for key in ["source", "mapping"] {
            if let Some(path) = job.get(key).and_then(toml::Value::as_str) {
                let text = std::fs::read_to_string(examples().join(path)).unwrap_or_else(|e| {
                    panic!("the walkthrough reads examples/{path}, which cannot be read: {e}")
                });
                scratch.write(path, &text);
            }
        }
    }
}

#[test]
fn the_walkthrough_runs_as_written_against_the_emulator() {
    let page = page();
    let blocks = blocks(&page);
    let config = of_kind(&blocks, "toml")
        .first()
        .map(|b| b.text.clone())
        .expect("a toml block: the walkthrough's config file");
    // The page's config file is the sample shipped in examples/.
    let sample = std::fs::read_to_string(examples().join("lightspeed.toml")).unwrap();
    let parsed: toml::Value = toml::from_str(&config).expect("the walkthrough's config is TOML");
    assert_eq!(
        parsed,
        toml::from_str::<toml::Value>(&sample).unwrap(),
        "docs/cli.md's config file and examples/lightspeed.toml differ"
    );

    let scratch = Scratch::new("docs-walkthrough");
    scratch.write("lightspeed.toml", &config);
    copy_job_files(&scratch, &parsed);

    let steps = steps(&of_kind(&blocks, "console"));
    assert!(
        steps.len() >= 10,
        "the walkthrough has {} commands",
        steps.len()
    );
    assert!(steps.iter().any(|s| s.args.iter().any(|a| a == "daemon")));
    for step in &steps {
        let args: Vec<&str> = step.args.iter().map(String::as_str).collect();
        if let Some(at) = args.iter().position(|a| *a == "daemon") {
            run_daemon(&scratch, step, &args[..at], &args[at + 1..]);
            continue;
        }
        let out = lightspeed(&scratch.0, &args, &[]);
        assert_eq!(out.code, step.exit, "{}\n{}", step.line, out.all());
        let lines: Vec<&str> = out.stdout.lines().chain(out.stderr.lines()).collect();
        for shown in &step.shown {
            assert!(
                lines.iter().any(|l| shows(shown, l)),
                "{}\nthe page shows `{shown}`, which is not in the output:\n{}",
                step.line,
                out.all()
            );
        }
    }
}

fn run_daemon(scratch: &Scratch, step: &Step, before: &[&str], after: &[&str]) {
    let mut daemon = Daemon::start(&scratch.0, before, after, &[]);
    // `Daemon::start` has already read the line that says where it listens.
    let listening = format!("daemon listening on {}", daemon.url);
    for shown in &step.shown {
        let shown = shown.replace("http://127.0.0.1:8787", &daemon.url);
        if shown.starts_with("daemon listening on ") {
            assert!(shows(&shown, &listening), "{}\n{listening}", step.line);
        } else {
            daemon.wait_for(|l| shows(&shown, l));
        }
    }
    let (code, output, stderr) = daemon.stop();
    assert_eq!(code, step.exit, "{}\n{output}\n{stderr}", step.line);
    for shown in &step.after_stop {
        assert!(
            output.lines().any(|l| shows(shown, l)),
            "{}\nthe page shows `{shown}` after the stop, which is not in the output:\n{output}\n{stderr}",
            step.line
        );
    }
}

#[test]
fn every_config_example_of_the_reference_is_accepted() {
    let page = page();
    let blocks = blocks(&page);
    let toml_blocks = of_kind(&blocks, "toml");
    let walkthrough = &toml_blocks[0].text;
    assert!(toml_blocks.len() > 1, "the reference has config examples");
    let scratch = Scratch::new("docs-config-examples");
    for example in &toml_blocks[1..] {
        scratch.write(
            "lightspeed.toml",
            &format!("{walkthrough}\n{}", example.text),
        );
        let out = lightspeed(&scratch.0, &["check"], &[]);
        assert_eq!(out.code, 0, "{}\n{}", example.text, out.all());
    }
}

/// The fields of a `Raw*` struct of `config.rs`: the keys of that section of the file.
fn raw_fields(source: &str, name: &str) -> Vec<String> {
    let start = source
        .find(&format!("struct {name} {{"))
        .unwrap_or_else(|| panic!("config.rs has no struct {name}"));
    let body = &source[start..];
    let body = &body[..body.find("\n}").expect("the struct ends")];
    body.lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':').map(|(f, _)| f.trim().to_string()))
        .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect()
}

#[test]
fn the_reference_names_every_key_command_and_exit_code() {
    let page = page();
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/config.rs"))
            .unwrap();
    let mut missing = Vec::new();
    for raw in [
        "RawSettings",
        "RawDaemon",
        "RawEmulator",
        "RawConnection",
        "RawJob",
        "RawHours",
    ] {
        let fields = raw_fields(&source, raw);
        assert!(!fields.is_empty(), "{raw} has fields");
        for field in fields {
            // The tables of sections are named as tables (`[settings]`), the keys as keys.
            let named = page.contains(&format!("`{field}`"))
                || page.contains(&format!("`{field} ="))
                || page.contains(&format!("[{field}]"));
            if !named {
                missing.push(format!("{raw}.{field}"));
            }
        }
    }
    for kind in [
        "catalog",
        "inventory-primary",
        "inventory-secondary",
        "fulfillment",
        "ecom",
        "xseries",
    ] {
        if !page.contains(&format!("\"{kind}\"")) {
            missing.push(format!("kind {kind}"));
        }
    }

    let help = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 10, "{help}");
    assert!(
        help.contains("docs/cli.md") && help.contains("3 items failed"),
        "--help points to the page and lists the exit codes: {help}"
    );
    for command in commands {
        if !page.contains(&format!("| `{command}")) {
            missing.push(format!("command {command}"));
        }
    }
    for code in 0..=5 {
        if !page.contains(&format!("\n| {code} | ")) {
            missing.push(format!("exit code {code}"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/cli.md does not name: {}",
        missing.join(", ")
    );
}

#[test]
fn the_matching_of_shown_output_is_strict_outside_the_ellipses() {
    assert!(shows(
        "run catalog-… (x): clean",
        "run catalog-2026 (x): clean"
    ));
    assert!(!shows(
        "run catalog-… (x): clean",
        "run catalog-2026 (x): dirty"
    ));
    assert!(shows("a … b … c", "a 1 b 2 c"));
    assert!(!shows("a … b … c", "a 1 c 2 b"));
    assert!(!shows("exact", "exact but longer"));
    assert_eq!(
        words("pause catalog --reason \"stock count\""),
        ["pause", "catalog", "--reason", "stock count"]
    );
}

#[test]
fn the_readme_example_runs_the_sample_config_on_the_emulator() {
    let readme = std::fs::read_to_string(repository().join("README.md")).unwrap();
    let section = readme
        .split("## The `lightspeed` tool")
        .nth(1)
        .expect("the README has a section on the tool");
    let block = blocks(section)
        .into_iter()
        .find(|b| b.info == "sh")
        .expect("an example");
    assert!(
        block
            .text
            .contains("cargo install --path crates/lightspeed-cli"),
        "{}",
        block.text
    );
    let commands: Vec<Vec<String>> = block
        .text
        .lines()
        .filter_map(|l| l.strip_prefix("lightspeed "))
        .map(words)
        .collect();
    assert_eq!(commands.len(), 2, "{}", block.text);
    // The sample config and the files it reads, at their places under examples/.
    let scratch = Scratch::new("docs-readme");
    for name in [
        "lightspeed.toml",
        "data/pim-catalog.csv",
        "mappings/ecom.json",
    ] {
        let text = std::fs::read_to_string(examples().join(name)).unwrap();
        scratch.write(&format!("examples/{name}"), &text);
    }
    let run = |args: &[String]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        lightspeed(&scratch.0, &args, &[])
    };
    // As the README says: the 60 products are created, the two broken rows make it exit 3...
    let out = run(&commands[0]);
    assert_eq!(out.code, 3, "{}", out.all());
    assert!(
        out.stdout.contains("60 created, 2 skipped"),
        "{}",
        out.all()
    );
    // ...and `status` shows the last run and the next scheduled one.
    let out = run(&commands[1]);
    assert!(
        out.stdout.contains("last run: catalog-")
            && out
                .stdout
                .contains("schedule: */15 * * * * (UTC), next run "),
        "{}",
        out.all()
    );
}

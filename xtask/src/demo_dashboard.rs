//! The dashboard part of `cargo xtask demo`: a `national` token and a `body` token for INPS,
//! issued as an operator would (`voce-collector token issue`, which prints the token as its
//! last line), and the address to sign in at.

use anyhow::{Context, Result, bail};

use crate::collector::Collector;

/// The tokens the demo prints.
pub struct DemoTokens {
    /// A `national` token.
    pub national: String,
    /// A `body` token for INPS.
    pub inps: String,
}

/// The last non-empty line of a command's output: the token `token issue` prints.
pub fn last_line(output: &str) -> Option<&str> {
    output.lines().map(str::trim).rfind(|l| !l.is_empty())
}

fn issue(collector: &Collector, args: &[&str]) -> Result<String> {
    let output = collector
        .command()
        .args(["token", "issue", "--ttl", "30d"])
        .args(args)
        .output()
        .context("cannot run voce-collector token issue")?;
    if !output.status.success() {
        bail!(
            "voce-collector token issue {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8(output.stdout)?;
    last_line(&stdout)
        .map(str::to_owned)
        .context("token issue printed no token")
}

/// Issues the demo's tokens (each run issues new ones; they live 30 days).
pub fn issue_tokens(collector: &Collector) -> Result<DemoTokens> {
    Ok(DemoTokens {
        national: issue(collector, &["--role", "national"])?,
        inps: issue(collector, &["--role", "body", "--body", "inps"])?,
    })
}

/// Prints where the dashboard is and the tokens to sign in with.
pub fn print(collector_address: &str, tokens: &DemoTokens) {
    println!("\nDashboard: http://{collector_address}/dashboard (sign in by pasting a token)");
    println!("  national token:  {}", tokens.national);
    println!("  body token INPS: {}", tokens.inps);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_the_last_line_printed() {
        assert_eq!(
            last_line("issued abc role national\neyJ.a.b\n\n"),
            Some("eyJ.a.b")
        );
        assert_eq!(last_line("\n \n"), None);
    }
}

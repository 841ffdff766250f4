//! Project automation (temporary).
fn main() -> anyhow::Result<()> {
    let status = std::process::Command::new("cargo")
        .args(["test", "--workspace"])
        .status()?;
    anyhow::ensure!(status.success(), "tests failed");
    Ok(())
}

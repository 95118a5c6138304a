//! Lighthouse, run from outside on a page of the running binary.

use std::process::Command;

use serde_json::{json, Value};

/// Lighthouse's mobile scores for a page (npm `lighthouse@12.2.3`, installed by `make bench`
/// under target/lighthouse, driving Debian's Chromium), signed in when `cookie` is given. The
/// first run warms the image variants, as a CDN would have them; the second is reported (its
/// full report: target/lighthouse/<name>.json). `goals`: performance and accessibility.
pub fn lighthouse(what: &str, url: &str, cookie: Option<&str>, goals: (u32, u32)) {
    let cli = std::path::Path::new("target/lighthouse/node_modules/lighthouse/cli/index.js");
    if !cli.exists() || !std::path::Path::new("/usr/bin/chromium").exists() {
        println!("  Lighthouse: not installed (make bench installs it): skipped");
        return;
    }
    let headers = cookie.map(|c| format!("--extra-headers={}", json!({ "Cookie": c })));
    let run = || {
        Command::new("node")
            .arg(cli)
            .arg(url)
            .args(headers.iter())
            .args(["--output=json", "--output-path=stdout", "--quiet", "--form-factor=mobile"])
            .arg("--only-categories=performance,accessibility,best-practices,seo")
            .arg("--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync")
            .env("CHROME_PATH", "/usr/bin/chromium")
            .output()
    };
    let _ = run();
    let report = match run() {
        Ok(out) if out.status.success() => out.stdout,
        Ok(out) => {
            println!(
                "  Lighthouse failed: {}",
                String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default()
            );
            return;
        }
        Err(e) => {
            println!("  Lighthouse could not start: {e}");
            return;
        }
    };
    let report: Value = match serde_json::from_slice(&report) {
        Ok(report) => report,
        Err(e) => {
            println!("  Lighthouse printed no report: {e}");
            return;
        }
    };
    let name: String = what.chars().take_while(|c| c.is_alphanumeric()).collect();
    let _ = std::fs::write(
        format!("target/lighthouse/{name}-report.json"),
        serde_json::to_vec_pretty(&report).unwrap_or_default(),
    );
    let score = |category: &str| {
        report["categories"][category]["score"].as_f64().map_or("n/a".to_string(), |s| format!("{:.0}", s * 100.0))
    };
    let metric = |audit: &str| report["audits"][audit]["displayValue"].as_str().unwrap_or("n/a").to_string();
    println!(
        "  Lighthouse {} (mobile), {what}: performance {}, accessibility {}, best practices {}, SEO {} (goals: performance >= {}, accessibility >= {})",
        report["lighthouseVersion"].as_str().unwrap_or("?"),
        score("performance"),
        score("accessibility"),
        score("best-practices"),
        score("seo"),
        goals.0,
        goals.1
    );
    println!(
        "    FCP {}, LCP {}, TBT {}, CLS {}, Speed Index {}",
        metric("first-contentful-paint"),
        metric("largest-contentful-paint"),
        metric("total-blocking-time"),
        metric("cumulative-layout-shift"),
        metric("speed-index")
    );
    for category in ["performance", "accessibility", "best-practices", "seo"] {
        for audit in report["categories"][category]["auditRefs"].as_array().into_iter().flatten() {
            let id = audit["id"].as_str().unwrap_or_default();
            let weight = audit["weight"].as_f64().unwrap_or(0.0);
            let found = &report["audits"][id];
            if weight > 0.0 && found["score"].as_f64().is_some_and(|s| s < 0.9) {
                println!("    below 90 in {category}: {id} — {}", found["title"].as_str().unwrap_or_default());
                for item in found["details"]["items"].as_array().into_iter().flatten().take(3) {
                    let what =
                        item["node"]["snippet"].as_str().or(item["description"].as_str()).or(item["url"].as_str());
                    println!("      {}", what.unwrap_or_default().chars().take(160).collect::<String>());
                }
            }
        }
    }
}

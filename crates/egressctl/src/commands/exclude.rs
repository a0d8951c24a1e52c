//! `egressctl exclude add|rm|ls`.

use helper_client::ExclusionChange;
use routing_core::model::IpPrefix;
use serde_json::json;

use super::Context;
use crate::cli::ExcludeCommand;
use crate::failure::Failure;
use crate::output::print_json;
use crate::output::table::aligned;

/// Runs an exclusion command.
pub async fn exclude(cx: &Context, command: ExcludeCommand) -> Result<(), Failure> {
    let client = cx.connect().await?;
    match command {
        ExcludeCommand::Add { prefix, label } => {
            let change = client.exclusion_add(prefix, label.as_deref()).await?;
            report(cx, "added", prefix, change)
        }
        ExcludeCommand::Rm { prefix, label } => {
            let change = client.exclusion_remove(prefix, label.as_deref()).await?;
            report(cx, "removed", prefix, change)
        }
        ExcludeCommand::Ls => {
            let all = client.exclusions_all().await?;
            if cx.json {
                return print_json(&all);
            }
            if all.is_empty() {
                println!("no exclusions");
                return Ok(());
            }
            let mut rows = vec![vec!["Prefix".to_string(), "Owners".to_string()]];
            rows.extend(
                all.iter()
                    .map(|e| vec![e.prefix.to_string(), e.owners.join(", ")]),
            );
            print!("{}", aligned(&rows));
            Ok(())
        }
    }
}

fn report(
    cx: &Context,
    what: &str,
    prefix: IpPrefix,
    change: ExclusionChange,
) -> Result<(), Failure> {
    if cx.json {
        return print_json(&json!({
            "prefix": prefix,
            "total": change.total,
            "changed": change.changed,
        }));
    }
    println!("{}", change_text(what, prefix, change));
    Ok(())
}

/// `added 203.0.113.7/32: the routing table follows (3 prefixes excluded)`.
fn change_text(what: &str, prefix: IpPrefix, change: ExclusionChange) -> String {
    let effect = match (what, change.changed) {
        (_, true) => "the routing table follows",
        ("added", false) => "it was already excluded by another owner",
        (_, false) => "another owner still excludes it",
    };
    format!(
        "{what} {prefix}: {effect} ({} prefixes excluded)",
        change.total
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_change_says_whether_the_table_moves() {
        let p: IpPrefix = "203.0.113.7".parse().unwrap();
        let c = |total, changed| ExclusionChange { total, changed };
        assert_eq!(
            change_text("added", p, c(3, true)),
            "added 203.0.113.7/32: the routing table follows (3 prefixes excluded)"
        );
        assert_eq!(
            change_text("added", p, c(3, false)),
            "added 203.0.113.7/32: it was already excluded by another owner (3 prefixes excluded)"
        );
        assert_eq!(
            change_text("removed", p, c(3, false)),
            "removed 203.0.113.7/32: another owner still excludes it (3 prefixes excluded)"
        );
    }
}

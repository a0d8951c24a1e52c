//! `egressctl routes` and `egressctl get`.

use std::net::IpAddr;

use helper_proto::RouteFilter;

use super::Context;
use crate::cli::RoutesArgs;
use crate::failure::Failure;
use crate::output::lookup::render_lookup;
use crate::output::print_json;
use crate::output::table::netstat;

/// The filter the options ask for.
fn filter(args: &RoutesArgs) -> RouteFilter {
    RouteFilter {
        family: args.family.map(Into::into),
        scoped: args.scoped,
        ours: args.ours,
        interface: args.interface.clone(),
        ..RouteFilter::default()
    }
}

/// Prints the routing table.
pub async fn routes(cx: &Context, args: &RoutesArgs) -> Result<(), Failure> {
    let client = cx.connect().await?;
    let mut rows = client.routes_all(&filter(args)).await?;
    if cx.json {
        rows.retain(|r| args.all || !r.cloned);
        return print_json(&rows);
    }
    print!("{}", netstat(&rows, args.all));
    Ok(())
}

/// Prints where traffic to `dest` would go.
pub async fn get(cx: &Context, dest: IpAddr, scoped_to: Option<&str>) -> Result<(), Failure> {
    let client = cx.connect().await?;
    let answer = client.lookup(dest, scoped_to).await?;
    if cx.json {
        return print_json(&answer);
    }
    print!("{}", render_lookup(&answer));
    Ok(())
}

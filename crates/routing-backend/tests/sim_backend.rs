//! The macOS backend logic over the simulated Mac, through real PF_ROUTE bytes.

use std::time::Duration;

use routing_backend::session::SessionConfig;
use routing_backend::sim::{sim_backend, SimBackend, SimControl};
use routing_backend::{BackendEvent, ErrorKind, RouteBackend};
use routing_core::model::{Family, InterfaceRef, IpPrefix, RouteFlags, RouteSpec, SpecGateway};
use routing_core::wire::pf_route::ProtoFlag;
use routing_sim::scenario::Scenario;
use routing_sim::{Fault, FaultRule};

fn start() -> (SimBackend, SimControl) {
    let scenario = Scenario::realistic_mac().expect("the shipped Mac loads");
    let config = SessionConfig {
        attempt_timeout: Duration::from_millis(200),
        ..SessionConfig::default()
    };
    sim_backend(scenario, ProtoFlag::Proto1, config).expect("boots")
}

async fn en0(backend: &mut SimBackend) -> InterfaceRef {
    let interfaces = backend.interfaces().await.expect("interfaces");
    let en0 = interfaces.iter().find(|i| i.name == "en0").expect("en0");
    InterfaceRef {
        index: en0.index,
        name: en0.name.clone(),
    }
}

async fn pin(backend: &mut SimBackend) -> RouteSpec {
    let interface = en0(backend).await;
    let table = backend.routes().await.expect("routes");
    let default = table
        .family(Family::V4)
        .find(|r| r.is_default() && !r.is_scoped())
        .expect("a default");
    RouteSpec {
        destination: IpPrefix::default_for(Family::V4),
        gateway: SpecGateway::from(&default.gateway),
        interface,
        scoped: true,
    }
}

#[tokio::test]
async fn reads_the_same_table_and_interfaces_as_the_kernel_holds() {
    let (mut backend, control) = start();
    let interfaces = backend.interfaces().await.expect("interfaces");
    let kernel_interfaces = control.with_kernel(|k| k.interfaces());
    assert_eq!(interfaces.len(), kernel_interfaces.len());
    for (ours, theirs) in interfaces.iter().zip(&kernel_interfaces) {
        assert_eq!(
            (ours.index, &ours.name, ours.kind, ours.up),
            (theirs.index, &theirs.name, theirs.kind, theirs.up)
        );
        assert_eq!(
            ours.addresses.len(),
            theirs.addresses.len(),
            "{}",
            ours.name
        );
    }
    let table = backend.routes().await.expect("routes");
    let kernel_table = control.with_kernel(|k| k.table().clone());
    let ours: Vec<_> = table
        .iter()
        .map(|r| (r.key(), r.interface.index, r.flags))
        .collect();
    let theirs: Vec<_> = kernel_table
        .iter()
        .map(|r| (r.key(), r.interface.index, r.flags))
        .collect();
    assert_eq!(ours, theirs);
}

#[tokio::test]
async fn the_os_scoped_default_answers_eexist_and_ours_goes_in_elsewhere() {
    let (mut backend, _control) = start();
    let spec = pin(&mut backend).await;
    // The shipped Mac has macOS's own scoped default on en0.
    let err = backend.add_route(&spec).await.expect_err("EEXIST");
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    let exclusion = RouteSpec {
        destination: "203.0.113.9/32".parse().expect("prefix"),
        scoped: false,
        ..spec.clone()
    };
    backend.add_route(&exclusion).await.expect("add");
    let table = backend.routes().await.expect("routes");
    let route = table
        .iter()
        .find(|r| r.destination == exclusion.destination)
        .expect("installed");
    assert!(backend.is_ours(route) && route.flags.contains(RouteFlags::HOST));
    backend.delete_route(&exclusion).await.expect("delete");
    assert_eq!(
        backend
            .delete_route(&exclusion)
            .await
            .expect_err("gone")
            .kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn scoped_lookup_goes_through_the_kernel() {
    let (mut backend, _control) = start();
    let interface = en0(&mut backend).await;
    let route = backend
        .get_route("203.0.113.77".parse().expect("ip"), Some(interface.index))
        .await
        .expect("get")
        .expect("a route on en0");
    assert_eq!(route.interface.index, interface.index);
    assert!(route.is_default());
}

#[tokio::test]
async fn kernel_changes_arrive_as_events_and_our_echoes_do_not() {
    let (mut backend, control) = start();
    let mut events = backend
        .take_events()
        .expect("first call hands the stream over");
    assert!(backend.take_events().is_none());
    control.run_event("vpn-up").expect("vpn-up");
    let mut routes = 0;
    while let Ok(Some(event)) =
        tokio::time::timeout(Duration::from_millis(100), events.recv()).await
    {
        if let BackendEvent::Route { ours, .. } = event {
            assert!(!ours, "only other writers' messages reach the manager");
            routes += 1;
        }
    }
    assert!(routes > 0, "the VPN's routes were announced");
}

#[tokio::test]
async fn a_lost_reply_is_retried_and_the_eexist_it_meets_is_confirmed() {
    let (mut backend, control) = start();
    let spec = RouteSpec {
        destination: "203.0.113.10/32".parse().expect("prefix"),
        ..pin(&mut backend).await
    };
    let spec = RouteSpec {
        scoped: false,
        ..spec
    };
    // Drop the first broadcast: the kernel adds the route, our reply is lost.
    control.with_kernel(|k| {
        k.faults_mut()
            .add(FaultRule::new(Fault::DropMessage).next(1))
    });
    backend
        .add_route(&spec)
        .await
        .expect("the retry meets EEXIST, which RTM_GET confirms as ours");
    assert!(backend
        .routes()
        .await
        .expect("routes")
        .iter()
        .any(|r| spec.matches(r)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sleep_shows_up_as_a_wake_event() {
    let (mut backend, control) = start();
    let mut events = backend.take_events().expect("events");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    control.run_event("sleep").expect("sleep");
    control.run_event("wake").expect("wake");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(4);
    let mut slept = None;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        if let BackendEvent::Wake { slept_secs } = event {
            slept = Some(slept_secs);
            break;
        }
    }
    let slept = slept.expect("a wake within a few seconds");
    assert!(
        slept >= 3600,
        "the scenario sleeps for hours, not {slept} s"
    );
}

#[tokio::test]
async fn a_retried_delete_that_meets_esrch_is_confirmed_gone() {
    let (mut backend, control) = start();
    let spec = RouteSpec {
        destination: "203.0.113.11/32".parse().expect("prefix"),
        scoped: false,
        ..pin(&mut backend).await
    };
    backend.add_route(&spec).await.expect("add");
    // The kernel deletes the route; the report to us is lost.
    control.with_kernel(|k| {
        k.faults_mut()
            .add(FaultRule::new(Fault::DropMessage).next(1))
    });
    backend
        .delete_route(&spec)
        .await
        .expect("the retry meets ESRCH, which RTM_GET confirms as done");
    assert!(!backend
        .routes()
        .await
        .expect("routes")
        .iter()
        .any(|r| spec.matches(r)));
}
